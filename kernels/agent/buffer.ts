/**
 * PPO rollout storage. A full state s_t = E ⊙ M_{t−1} is C×64×64 floats (4 MB at C = 256), so
 * the buffer keeps only what rebuilds it: the image index, the 64×64 mask M_{t−1} and the
 * chosen-cell flags (issue 7 item 2). States and policy features are rebuilt from the cached
 * embedding when an update needs them.
 */
import { CELLS, type GridLayout, poolCells, poolMap, SIDE } from "./grid64.ts";
import { CELL_FEATURES, cellFeatures, type FeatureSpec, type ImageFeatures } from "./features.ts";

export interface Transition {
  /** index into the training samples */
  image: number;
  /** [64, 64] M_{t−1} as a probability */
  mask64: Float32Array;
  /** [100] cells taken before this step */
  chosen: Uint8Array;
  /** step 1..T */
  t: number;
  action: number;
  logp: number;
  value: number;
  reward: number;
  /** 1 on the episode's last step */
  done: number;
}

/** What rebuilding needs for one training image. */
export interface ImageSource {
  /** [C, 64, 64] */
  embedding: Float32Array;
  channels: number;
  layout: GridLayout;
  img: ImageFeatures;
}

export class RolloutBuffer {
  readonly items: Transition[] = [];

  push(tr: Transition): void {
    this.items.push({ ...tr, mask64: tr.mask64.slice(), chosen: tr.chosen.slice() });
  }

  get length(): number {
    return this.items.length;
  }

  clear(): void {
    this.items.length = 0;
  }

  /** The full state s_t = E ⊙ M_{t−1} of transition i: [C, 64, 64]. */
  state(i: number, source: (image: number) => ImageSource): Float32Array {
    const tr = this.items[i];
    const { embedding, channels } = source(tr.image);
    const n = SIDE * SIDE;
    const s = new Float32Array(channels * n);
    for (let c = 0; c < channels; c++) {
      for (let p = 0; p < n; p++) s[c * n + p] = embedding[c * n + p] * tr.mask64[p];
    }
    return s;
  }

  /** Policy features of every transition: [N, 100, CELL_FEATURES] and chosen flags [N, 100]. */
  features(
    spec: FeatureSpec,
    T: number,
    source: (image: number) => ImageSource,
  ): { feats: Float32Array; chosen: Float32Array } {
    const N = this.items.length;
    const feats = new Float32Array(N * CELLS * CELL_FEATURES);
    const chosen = new Float32Array(N * CELLS);
    this.items.forEach((tr, i) => {
      const src = source(tr.image);
      const pooledS = poolCells(src.embedding, src.channels, src.layout, tr.mask64);
      const cellMask = poolMap(tr.mask64, src.layout);
      cellFeatures(
        spec,
        src.img,
        pooledS,
        cellMask,
        tr.chosen,
        tr.t - 1,
        T,
        feats,
        i * CELLS * CELL_FEATURES,
      );
      for (let k = 0; k < CELLS; k++) chosen[i * CELLS + k] = tr.chosen[k];
    });
    return { feats, chosen };
  }
}
