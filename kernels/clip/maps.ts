/**
 * CLIP Surgery similarity → map (its `get_similarity_map`): drop CLS, min-max over the tokens,
 * reshape to the square token grid, bilinear upsample (align_corners = false) to the image.
 */
import { resizeBilinear } from "../masks/resize.ts";
import { imageExtentOnGrid } from "../sam/transform.ts";

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

/** The grid cells a width×height image covers: all (stretched) or the padded top-left extent. */
export function extentOnGrid(
  width: number,
  height: number,
  padded: boolean,
  size = 64,
): { w: number; h: number } {
  if (!padded) return { w: size, h: size };
  const e = imageExtentOnGrid(width, height, size, true);
  return { w: Math.max(1, Math.min(size, Math.round(e.w))), h: Math.max(1, Math.min(size, Math.round(e.h))) };
}

/**
 * The token grid on a segmenter's size×size grid (kernels/sam/layout.ts): stretched over the
 * whole grid, or — SAM's padded layout — resized onto the top-left extent the image covers
 * (round(size · short / long) on the short side, as kernels/agent/grid64.ts rounds it) with
 * zeros in the padding. [size, size]
 */
export function mapOnGrid(
  /** [side, side] */ grid: Float32Array,
  side: number,
  width: number,
  height: number,
  padded: boolean,
  size = 64,
): Float32Array {
  const { w, h } = extentOnGrid(width, height, padded, size);
  const r = upsampleGrid(grid, side, w, h);
  if (!padded) return r;
  const out = new Float32Array(size * size);
  for (let y = 0; y < h; y++) out.set(r.subarray(y * w, (y + 1) * w), y * size);
  return out;
}

// Bilinear weights are convex, so this only removes float round-off outside [0, 1].
function clamp01(x: Float32Array): Float32Array {
  for (let i = 0; i < x.length; i++) x[i] = Math.min(1, Math.max(0, x[i]));
  return x;
}
