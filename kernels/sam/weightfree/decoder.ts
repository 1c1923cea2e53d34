/**
 * The weight-free "prompt decoder": clicks → a logit field on the fine grid → SAM-shaped outputs.
 *
 * Each pixel compares its geodesic distance to the positive clicks (d_fg) with its distance to
 * the background, d_bg = min(distance to the negative clicks, distance to the image border +
 * borderOffset · fineSize). The border is a weak implicit background seed, so one positive click
 * with no negatives still yields a bounded object (the background-connectivity prior of
 * Wei et al., "Geodesic saliency", ECCV 2012); a negative click or a positive one near the
 * border overrides it. Logits = (d_bg − d_fg) / (logitScale · fineSize) [+ colour log-odds].
 */
import type { Point } from "../../image.ts";
import { LOW_RES } from "../segmenter.ts";
import { resizeBilinear } from "../../masks/resize.ts";
import { binarize } from "../../masks/threshold.ts";
import type { WeightFreeConfig } from "./config.ts";
import { type EdgeCosts, geodesicDistance } from "./geodesic.ts";
import { colourLogOdds } from "./colour.ts";

/** Logit written where there is no image (the padding of the 256 frame) or no positive click. */
export const BACKGROUND_LOGIT = -20;
const CLAMP = 20;

/** What the decoder reads from an embedding (the fine grid and its precomputed parts). */
export interface FineGrid {
  fw: number;
  fh: number;
  /** original image size */
  width: number;
  height: number;
  /** [3, fh, fw] */
  lab: Float32Array;
  /** [fh, fw] geodesic distance from the image border */
  borderDist: Float32Array;
  costs: EdgeCosts;
}

/** A click's fine-grid pixel: the fine cell its original-pixel coordinate falls in. */
export function fineIndex(grid: FineGrid, p: Point): number {
  const fx = Math.min(grid.fw - 1, Math.max(0, Math.floor(((p.x + 0.5) * grid.fw) / grid.width)));
  const fy = Math.min(grid.fh - 1, Math.max(0, Math.floor(((p.y + 0.5) * grid.fh) / grid.height)));
  return fy * grid.fw + fx;
}

/** The logit field [fh, fw] (> 0 = foreground) for a set of clicks. */
export function decodeField(grid: FineGrid, points: Point[], cfg: WeightFreeConfig): Float32Array {
  const n = grid.fw * grid.fh;
  const field = new Float32Array(n);
  const pos = points.filter((p) => p.label === 1).map((p) => fineIndex(grid, p));
  const neg = points.filter((p) => p.label === 0).map((p) => fineIndex(grid, p));
  if (pos.length === 0) return field.fill(BACKGROUND_LOGIT);

  const dFg = new Float32Array(n).fill(Infinity);
  for (const i of pos) dFg[i] = 0;
  geodesicDistance(grid.costs, dFg, cfg.sweeps);

  const fine = Math.max(grid.fw, grid.fh);
  const dBg = new Float32Array(n);
  const offset = cfg.borderOffset * fine;
  for (let i = 0; i < n; i++) dBg[i] = grid.borderDist[i] + offset;
  for (const i of neg) dBg[i] = 0;
  // A click's own pixel is decided by its label even if both sets share it (latest click wins).
  if (neg.length > 0) geodesicDistance(grid.costs, dBg, cfg.sweeps);

  const inv = 1 / (cfg.logitScale * fine);
  for (let i = 0; i < n; i++) field[i] = (dBg[i] - dFg[i]) * inv;
  if (cfg.colourWeight > 0) {
    const odds = colourLogOdds(grid, pos, neg, cfg);
    for (let i = 0; i < n; i++) field[i] += cfg.colourWeight * odds[i];
  }
  for (let i = 0; i < n; i++) field[i] = Math.max(-CLAMP, Math.min(CLAMP, field[i]));
  // Clicks are hard constraints: each click's pixel takes its label's sign.
  for (const i of pos) field[i] = Math.max(field[i], 1);
  for (const i of neg) field[i] = Math.min(field[i], -1);
  return field;
}

/**
 * The field as SAM's low_res_masks [256, 256]: the image resized (bilinear, align_corners =
 * false) so its long side is 256, placed top-left, the bottom/right padding = BACKGROUND_LOGIT.
 */
export function fieldToLowRes(grid: FineGrid, field: Float32Array): Float32Array /** [256, 256] */ {
  const s = LOW_RES / Math.max(grid.width, grid.height);
  const lw = Math.max(1, Math.min(LOW_RES, Math.round(grid.width * s)));
  const lh = Math.max(1, Math.min(LOW_RES, Math.round(grid.height * s)));
  const inner = resizeBilinear(field, grid.fw, grid.fh, lw, lh);
  const out = new Float32Array(LOW_RES * LOW_RES).fill(BACKGROUND_LOGIT);
  for (let y = 0; y < lh; y++) out.set(inner.subarray(y * lw, (y + 1) * lw), y * LOW_RES);
  return out;
}

/** The field bilinearly upsampled (align_corners = false) to the original size, thresholded at 0. */
export function fieldToMask(grid: FineGrid, field: Float32Array): Uint8Array /** [H, W] */ {
  return binarize(resizeBilinear(field, grid.fw, grid.fh, grid.width, grid.height), 0);
}

/**
 * Confidence in [0, 1]: the mean |tanh(logit / 2)| over the image (a field that is sure of every
 * pixel scores near 1; one hovering at the threshold scores near 0). Not SAM's IoU prediction.
 */
export function fieldScore(field: Float32Array): number {
  let s = 0;
  for (let i = 0; i < field.length; i++) s += Math.abs(Math.tanh(field[i] / 2));
  return field.length ? s / field.length : 0;
}
