/** Synthetic segmenter, images and a stand-in SRM for the agent tests (no data, no weights). */
import type { Embedding, Segmenter } from "../kernels/sam/segmenter.ts";
import type { GroundTruth, Point } from "../core/image.ts";
import type { Sample } from "../core/records.ts";
import { makeRng } from "../core/rng.ts";

/**
 * Decodes to the union of discs (radius r px) around the positive points minus those around the
 * negative ones; low-res logits ±5 on SAM's padded 256 frame. Counts its decode calls.
 */
export function discSegmenter(r = 12): Segmenter & { calls: number } {
  const seg = {
    id: "disc-test",
    label: "disc (test)",
    isSam: false,
    calls: 0,
    embed: () => Promise.reject(new Error("discSegmenter: embed is not used in tests")),
    decode(emb: Embedding, points: Point[]) {
      seg.calls++;
      const { width: w, height: h } = emb;
      const mask = new Uint8Array(w * h);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          let v = 0;
          for (const p of points) if ((p.x - x) ** 2 + (p.y - y) ** 2 <= r * r) v = p.label;
          mask[y * w + x] = v;
        }
      }
      const lowRes = new Float32Array(256 * 256).fill(-5);
      const s = Math.max(w, h) / 256;
      for (let y = 0; y < 256; y++) {
        for (let x = 0; x < 256; x++) {
          const ix = Math.floor((x + 0.5) * s), iy = Math.floor((y + 0.5) * s);
          if (ix < w && iy < h && mask[iy * w + ix]) lowRes[y * 256 + x] = 5;
        }
      }
      return Promise.resolve({ mask, lowRes, score: 1 });
    },
  };
  return seg;
}

/** A random [C, 64, 64] embedding of a w×h image. */
export function randomEmbedding(w: number, h: number, channels: number, seed: number): Embedding {
  const rng = makeRng(seed);
  const data = Float32Array.from({ length: channels * 64 * 64 }, () => rng.normal());
  return { data, channels, width: w, height: h, segmenter: "disc-test" };
}

/** GT: foreground = the left `frac` of the image. */
export function leftGt(w: number, h: number, frac: number, ignore?: Uint8Array): GroundTruth {
  const data = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w * frac; x++) data[y * w + x] = 1;
  return { mask: { width: w, height: h, data }, ignore };
}

export function sampleOf(stem: string, emb: Embedding, gt: GroundTruth): Sample {
  const image = { width: emb.width, height: emb.height, data: new Uint8Array(emb.width * emb.height * 3) };
  return { stem, imageHash: stem, image, gt };
}
