/**
 * PerSAM's target feature and location prior [PS persam.py; METHOD-NOTES §4 steps 1–3], on any
 * Segmenter's embedding grid (layout from kernels/sam/layout.ts).
 *
 * @example
 * const t = targetFeature([{ emb: refEmb, mask: refMask }]);
 * const { pos, neg } = locationPrior(testEmb, t.feature); // argmax / argmin of cosine similarity
 */
import type { BinaryMask, Point } from "../../core/image.ts";
import { resizeAreaF32 } from "../masks/resize.ts";
import { isPadded } from "../sam/layout.ts";
import type { Embedding } from "../sam/segmenter.ts";
import { gridToImage, resizedSize, SAM_FRAME } from "../sam/transform.ts";

/**
 * PerSAM pushes the reference mask through SAM's image preprocessing (0/255 minus the red
 * mean 123.675, over its std), bilinearly shrinks it to 64×64 and keeps cells > 0: a cell is
 * "in" when more than 123.675/255 of it is covered. We take the exact coverage (area mean).
 */
export const COVER_THRESHOLD = 123.675 / 255;

/** Fraction of each embedding-grid cell covered by the mask, on the embedding's layout. [G, G] */
export function maskCoverage(mask: BinaryMask, emb: Embedding): Float32Array {
  const G = Math.round(Math.sqrt(emb.data.length / emb.channels));
  const { width: W, height: H } = mask;
  if (W !== emb.width || H !== emb.height) {
    throw new RangeError(`mask is ${W}×${H}, embedding's image is ${emb.width}×${emb.height}`);
  }
  if (!isPadded(emb)) return resizeAreaF32(mask.data, W, H, G, G);
  // SAM's layout: the mask resized as the image was (long side 1024), zero-padded, 16×16 blocks.
  const r = resizedSize(W, H);
  const frame = resizeAreaF32(mask.data, W, H, r.width, r.height);
  const block = SAM_FRAME / G;
  const out = new Float32Array(G * G);
  for (let y = 0; y < r.height; y++) {
    const row = Math.floor(y / block) * G;
    for (let x = 0; x < r.width; x++) out[row + Math.floor(x / block)] += frame[y * r.width + x];
  }
  for (let i = 0; i < out.length; i++) out[i] /= block * block;
  return out;
}

function normalise(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n) || 1;
  return v.map((x) => x / n);
}

export interface TargetFeature {
  /** [C], unit length */
  feature: Float32Array;
  /** references that contributed (a mask covering no cell at all is left out) */
  used: number;
}

/**
 * Step 1: per reference, the mean embedding over covered cells, L2-normalised (PerSAM's
 * target_feat); k references (supp. Table 5's few-shot): the mean of those unit vectors,
 * normalised again, so each reference counts equally whatever its object's size. A mask too
 * small to cover any cell past the threshold uses its best-covered cell.
 */
export function targetFeature(refs: { emb: Embedding; mask: BinaryMask }[]): TargetFeature {
  if (refs.length === 0) throw new RangeError("targetFeature: no reference samples");
  const C = refs[0].emb.channels;
  const sum = new Float32Array(C);
  let used = 0;
  for (const { emb, mask } of refs) {
    if (emb.channels !== C) throw new RangeError(`references mix ${C} and ${emb.channels} channels`);
    const cover = maskCoverage(mask, emb);
    const GG = cover.length;
    let cells: number[] = [];
    let best = 0;
    for (let i = 0; i < GG; i++) {
      if (cover[i] > COVER_THRESHOLD) cells.push(i);
      if (cover[i] > cover[best]) best = i;
    }
    if (cells.length === 0) {
      if (cover[best] === 0) continue;
      cells = [best];
    }
    const mean = new Float32Array(C);
    for (let c = 0; c < C; c++) {
      let s = 0;
      for (const i of cells) s += emb.data[c * GG + i];
      mean[c] = s / cells.length;
    }
    const unit = normalise(mean);
    for (let c = 0; c < C; c++) sum[c] += unit[c];
    used++;
  }
  return { feature: normalise(sum), used };
}

/** Step 2: cosine similarity of the target with every cell of the (normalised) embedding. [G, G] */
export function similarityGrid(emb: Embedding, target: Float32Array): Float32Array {
  const C = emb.channels, GG = emb.data.length / C;
  if (target.length !== C) throw new RangeError(`target has ${target.length} channels, embedding ${C}`);
  const dot = new Float32Array(GG), norm = new Float32Array(GG);
  for (let c = 0; c < C; c++) {
    const t = target[c], base = c * GG;
    for (let i = 0; i < GG; i++) {
      const v = emb.data[base + i];
      dot[i] += t * v;
      norm[i] += v * v;
    }
  }
  for (let i = 0; i < GG; i++) dot[i] = norm[i] > 0 ? dot[i] / Math.sqrt(norm[i]) : 0;
  return dot;
}

/**
 * Step 3: the similarity upsampled to the original image (SAM's postprocess geometry, so the
 * padding is cropped away); positive point at its argmax, negative at its argmin.
 */
export function locationPrior(emb: Embedding, target: Float32Array): {
  pos: Point;
  neg: Point;
  /** [height, width] */
  sim: Float32Array;
} {
  const grid = similarityGrid(emb, target);
  const G = Math.round(Math.sqrt(grid.length));
  const sim = gridToImage(grid, G, emb.width, emb.height, isPadded(emb));
  let hi = 0, lo = 0;
  for (let i = 1; i < sim.length; i++) {
    if (sim[i] > sim[hi]) hi = i;
    if (sim[i] < sim[lo]) lo = i;
  }
  const at = (i: number, label: 0 | 1): Point => ({ x: i % emb.width, y: Math.floor(i / emb.width), label });
  return { pos: at(hi, 1), neg: at(lo, 0), sim };
}
