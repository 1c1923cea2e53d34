/**
 * CLIP Surgery similarity → map (its `get_similarity_map`): drop CLS, min-max over the tokens,
 * reshape to the square token grid, bilinear upsample (align_corners = false) to the image.
 */
import { resizeBilinear } from "../masks/resize.ts";

/** Min-max to [0, 1] (a copy). A constant input has no contrast: all zeros, not NaN. */
export function minMax(x: Float32Array): Float32Array {
  let lo = Infinity, hi = -Infinity;
  for (const v of x) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const out = new Float32Array(x.length);
  if (!(hi > lo)) return out;
  for (let i = 0; i < x.length; i++) out[i] = (x[i] - lo) / (hi - lo);
  return out;
}

export interface SimilarityMap {
  /** [side, side] min-maxed token map */
  grid: Float32Array;
  side: number;
  /** [height, width] in [0, 1] */
  full: Float32Array;
  width: number;
  height: number;
}

/** From per-token similarity [grid² + 1] (CLS first) to a map at width×height. */
export function similarityMap(sim: Float32Array, width: number, height: number): SimilarityMap {
  const side = Math.round(Math.sqrt(sim.length - 1));
  if (side * side !== sim.length - 1) {
    throw new RangeError(`similarityMap: ${sim.length} tokens is not CLS + a square grid`);
  }
  const grid = minMax(sim.subarray(1));
  return { grid, side, full: upsampleGrid(grid, side, width, height), width, height };
}

/**
 * A min-maxed token grid [side, side] bilinearly resampled to width×height (the whole image;
 * with 64×64, the agent/SRM grid). [height, width] in [0, 1]
 */
export function upsampleGrid(grid: Float32Array, side: number, width: number, height: number): Float32Array {
  return clamp01(resizeBilinear(grid, side, side, width, height));
}

/**
 * The map in SAM's embedding frame: long side scaled to `size`, the rest zero (SAM pads the
 * 1024 input bottom/right), for callers whose 64×64 grid is SAM's padded frame.
 */
export function mapToSamFrame(full: Float32Array, width: number, height: number, size = 64): Float32Array {
  const scale = size / Math.max(width, height);
  const w = Math.max(1, Math.round(width * scale)), h = Math.max(1, Math.round(height * scale));
  const r = resizeBilinear(full, width, height, w, h);
  const out = new Float32Array(size * size);
  for (let y = 0; y < h; y++) out.set(r.subarray(y * w, (y + 1) * w), y * size);
  return clamp01(out);
}

// Bilinear weights are convex, so this only removes float round-off outside [0, 1].
function clamp01(x: Float32Array): Float32Array {
  for (let i = 0; i < x.length; i++) x[i] = Math.min(1, Math.max(0, x[i]));
  return x;
}
