/**
 * Points and labels from a CLIP-Surgery map, for the RL+SCLIP ablation (supp. Table 3: labels
 * from the CLIP-Surgery map instead of SRM) and CLIP Surgery's text → SAM points
 * (`similarity_map_to_points`, METHOD-NOTES.md §3 last bullet).
 */
import type { Point } from "../../core/image.ts";
import { resizeBilinear } from "../masks/resize.ts";
import { extentOnGrid, minMax } from "./maps.ts";

/**
 * CLIP Surgery's points from a token-grid map [side, side]: bilinear downsample by
 * `downSample` (smoothing), min-max; num = min(#cells ≥ t, cells / 2); the num highest cells
 * are positive, the num lowest negative, each at its cell centre scaled to the image
 * (truncated to integers and clamped to the last pixel, as the official code does).
 * Positives come first (highest first is not promised: ascending rank order, as the original).
 * @example
 * pointsFromMap(grid14, 14, 640, 480); // up to 49 positives then as many negatives
 */
export function pointsFromMap(
  /** [side, side] */ grid: Float32Array,
  side: number,
  width: number,
  height: number,
  t = 0.8,
  downSample = 2,
): Point[] {
  const s = Math.max(1, Math.floor(side / downSample));
  const sm = minMax(resizeBilinear(grid, side, side, s, s));
  // Ascending order; ties by index, so the result is deterministic.
  const rank = Array.from(sm.keys()).sort((a, b) => sm[a] - sm[b] || a - b);
  let above = 0;
  for (const v of sm) if (v >= t) above++;
  const num = Math.min(above, Math.floor(sm.length / 2));
  const at = (idx: number, label: 0 | 1): Point => ({
    x: Math.trunc(Math.min(((idx % s) + 0.5) * (width / s), width - 1)),
    y: Math.trunc(Math.min((Math.floor(idx / s) + 0.5) * (height / s), height - 1)),
    label,
  });
  return [
    ...rank.slice(rank.length - num).map((i) => at(i, 1)),
    ...rank.slice(0, num).map((i) => at(i, 0)),
  ];
}

/** What `mapValueAt` reads: a ClipMap (core/records.ts) fits. */
export interface MapLike {
  /** [64, 64] on the segmenter's grid (clip-maps: padded or stretched, see `padded`) */
  map64: Float32Array;
  /** [height, width] */
  full?: Float32Array;
  width: number;
  height: number;
}

/**
 * The map's value at original-image pixel (x, y): from the full-size map when present, else
 * the 64×64 grid cell containing the point (`padded`: the grid layout of map64, default SAM's).
 */
export function mapValueAt(map: MapLike, x: number, y: number, padded = true): number {
  const cx = Math.min(Math.max(Math.floor(x), 0), map.width - 1);
  const cy = Math.min(Math.max(Math.floor(y), 0), map.height - 1);
  if (map.full) return map.full[cy * map.width + cx];
  const side = Math.round(Math.sqrt(map.map64.length));
  const { w, h } = extentOnGrid(map.width, map.height, padded, side);
  const gx = Math.min(Math.floor((cx * w) / map.width), w - 1);
  const gy = Math.min(Math.floor((cy * h) / map.height), h - 1);
  return map.map64[gy * side + gx];
}

/**
 * SCLIP labelling (supp. Table 3, RL+SCLIP): the point is positive when the CLIP-Surgery map
 * exceeds `threshold` there. The threshold is NOT IN PAPER; 0.5 of the min-maxed map is ours,
 * matching SRM's label rule y_r > 0.5 (METHOD-NOTES.md §2).
 */
export function labelFromMap(map: MapLike, x: number, y: number, threshold = 0.5, padded = true): 0 | 1 {
  return mapValueAt(map, x, y, padded) > threshold ? 1 : 0;
}
