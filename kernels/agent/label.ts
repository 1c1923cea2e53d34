/**
 * The label (positive 1 / negative 0) of a point the agent chose, behind one option: the paper's
 * SRM and the ablations of supplementary Table 3 (RL+SRM, RL+SCLIP, RL+LAST, RL only).
 * - "srm":   y_r(point) > τ (paper §3.3; τ is NOT IN PAPER, METHOD-NOTES §2), default 0.5.
 *            τ is a calibration knob of the evaluation (LabelContext.srmThreshold): on saliency
 *            validation (issue 7) a trained policy's clicks are ~80% labelled positive at 0.5,
 *            a third of those on GT background, and each such click grows the weight-free mask
 *            by ~4% of the image. Choose τ per task on validation, never on test.
 * - "sclip": the CLIP-Surgery map, min-max normalised over the image, ≥ 0.5 at the point.
 *            CLIP Surgery's own rule picks points *from* a map (top/bottom cells ≥ 0.8,
 *            kernels/clip/points.ts); to label a *given* point we threshold the normalised map
 *            at its midpoint instead — our choice, the paper does not say.
 * - "last":  the segmenter's previous mask probability M_{t−1}(point) > 0.5.
 * - "none":  always positive (supp. Table 3 "RL only").
 * - "gt":    the ground-truth mask at the point (1 inside the target). NOT A PAPER VARIANT: a
 *            diagnostic ceiling of any labeller (issue 15; the unofficial AlignSAM trains with
 *            GT labels). Reports show it in a row of its own, never among the paper's rows.
 * Every map is [64, 64] on the segmenter's grid (kernels/agent/grid64.ts): with SAM's padded
 * layout the image covers the top-left gw × gh grid pixels.
 */
import type { BinaryMask } from "../../core/image.ts";
import { gridExtent, SIDE } from "./grid64.ts";
import { maskValueAt } from "../masks/grid.ts";

export type LabelVariant = "srm" | "sclip" | "last" | "none" | "gt";

export interface LabelContext {
  /** the point in original-image pixel coordinates (continuous, 0 = left/top edge) */
  x: number;
  y: number;
  width: number;
  height: number;
  /** [64*64] SRM y_r */
  srm?: Float32Array;
  /** [64*64] previous segmenter mask probability */
  prevMask?: Float32Array;
  /** [64*64] CLIP-Surgery map */
  clipMap?: Float32Array;
  /** grid layout of the maps: SAM's padded frame (default) or stretched over all 64×64 */
  padded?: boolean;
  /** "srm" labels positive when y_r > srmThreshold (default 0.5; NOT IN PAPER, METHOD-NOTES §2) */
  srmThreshold?: number;
  /** [height, width] ground-truth mask (the "gt" diagnostic) */
  gtMask?: BinaryMask;
}

/**
 * @example
 * labelPoint("last", { x: 10, y: 10, width: 64, height: 64, prevMask }); // prevMask(10, 10) > 0.5
 */
export function labelPoint(variant: LabelVariant, ctx: LabelContext): 0 | 1 {
  const at = (map: Float32Array) => sampleGrid(map, ctx.x, ctx.y, ctx.width, ctx.height, ctx.padded);
  switch (variant) {
    case "srm":
      return at(need(ctx.srm, "srm needs the SRM's prediction y_r (LabelContext.srm)")) >
          (ctx.srmThreshold ?? 0.5)
        ? 1
        : 0;
    case "last":
      return at(need(ctx.prevMask, "last needs the segmenter's previous mask (LabelContext.prevMask)")) > 0.5
        ? 1
        : 0;
    case "sclip": {
      const map = need(
        ctx.clipMap,
        "sclip needs CLIP-Surgery maps (clip = none); LabelContext.clipMap is missing",
      );
      return minMaxOnImage(map, ctx.width, ctx.height, ctx.padded)(at(map)) >= 0.5 ? 1 : 0;
    }
    case "none":
      return 1;
    case "gt":
      return gtAt(need(ctx.gtMask, "gt needs the ground-truth mask (LabelContext.gtMask)"), ctx);
    default:
      throw new Error(`unknown label variant "${variant}" (accepted: srm, sclip, last, none, gt)`);
  }
}

function need<T>(map: T | undefined, message: string): T {
  if (!map) throw new Error(message);
  return map;
}

/**
 * The GT pixel under the point (scaled when the mask's size differs from the image's), read by the
 * same rounding as the reward and FR (env.ts rewardAt), so the ceiling labels exactly the pixel the
 * reward scores (a floor here once gave 3–4% of saliency's background points a positive label).
 */
function gtAt(gt: BinaryMask, ctx: LabelContext): 0 | 1 {
  const x = (ctx.x * gt.width) / ctx.width, y = (ctx.y * gt.height) / ctx.height;
  return maskValueAt(gt.data, gt.width, gt.height, x, y) ? 1 : 0;
}

/**
 * Bilinear read of a [64, 64] grid map at an original-image point. Grid pixel p's centre is image
 * coordinate (p + 0.5)·width/gw (the inverse of grid64.extremePoints), so the point maps to grid
 * coordinate x·gw/width − 0.5; reads are clamped to the image's gw × gh extent, never the padding.
 * @example
 * // stretched 2-wide ramp: between the centres of pixels 0 and 1
 * sampleGrid(map64, 1, 0.5, 64, 64, false); // 0.5·map[0] + 0.5·map[1]
 */
export function sampleGrid(
  /** [64, 64] */ map64: Float32Array,
  x: number,
  y: number,
  width: number,
  height: number,
  padded = true,
): number {
  if (map64.length !== SIDE * SIDE) {
    throw new Error(`sampleGrid: map has ${map64.length} values, expected ${SIDE}×${SIDE}`);
  }
  if (!(width > 0 && height > 0)) throw new Error(`sampleGrid: bad image size ${width}×${height}`);
  const { gw, gh } = gridExtent(width, height, padded);
  const gx = clamp((x * gw) / width - 0.5, 0, gw - 1);
  const gy = clamp((y * gh) / height - 0.5, 0, gh - 1);
  const x0 = Math.floor(gx), y0 = Math.floor(gy);
  const x1 = Math.min(x0 + 1, gw - 1), y1 = Math.min(y0 + 1, gh - 1);
  const fx = gx - x0, fy = gy - y0;
  const top = map64[y0 * SIDE + x0] * (1 - fx) + map64[y0 * SIDE + x1] * fx;
  const bot = map64[y1 * SIDE + x0] * (1 - fx) + map64[y1 * SIDE + x1] * fx;
  return top * (1 - fy) + bot * fy;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), hi);
}

/** v ↦ (v − min)/(max − min) over the image's grid pixels; a flat map gives 0.5 (no information). */
function minMaxOnImage(map64: Float32Array, width: number, height: number, padded = true) {
  const { gw, gh } = gridExtent(width, height, padded);
  let lo = Infinity, hi = -Infinity;
  for (let y = 0; y < gh; y++) {
    for (let x = 0; x < gw; x++) {
      const v = map64[y * SIDE + x];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  const range = hi - lo;
  return (v: number) => (range > 1e-12 ? (v - lo) / range : 0.5);
}
