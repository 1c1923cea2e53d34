/**
 * Every per-image mask metric of the paper (Tables 2–3) in one call, sharing the passes: one
 * pass (pass.ts) validates and gathers the confusion at 0.5 (IoU, BER), MAE, the histogram
 * (F_β/E_φ curves), S_α's moments and the GT box; then one adaptive-threshold pass (F_β/E_φ),
 * the EDT + Gaussian of weighted F, and S_α's quadrant passes. Conventions: README.md here.
 */
import { type BerCounts, berFromCounts } from "./ber.ts";
import { checkInputs, isSoft, type Pred, single, softStatsFromHistogram } from "./common.ts";
import { eFromCounts, emeasureFromStats } from "./emeasure.ts";
import { fFromCounts, fmeasureFromStats } from "./fmeasure.ts";
import { fmeasureWeightedUnchecked } from "./fmeasure_weighted.ts";
import { type IouCounts, iouFromCounts } from "./iou.ts";
import { asFloat, pixelSums } from "./pass.ts";
import { smeasureFromSums } from "./smeasure.ts";

import type { CurveScore } from "./common.ts";

export type { CurveScore, Pred } from "./common.ts";
// The single-metric and dataset-level functions, so callers need one import.
export { ber, berPooled } from "./ber.ts";
export { emeasure } from "./emeasure.ts";
export { fmeasure } from "./fmeasure.ts";
export { fmeasureWeighted } from "./fmeasure_weighted.ts";
export { fr, frActions } from "./fr.ts";
export { iou, iouCounts, meanIou, perClassPooledMiou, pooledIou } from "./iou.ts";
export { mae } from "./mae.ts";
export { smeasure } from "./smeasure.ts";
export { type DatasetSummary, summarizeDataset } from "./aggregate.ts";
export { gtFromGray, predFromGray, softFromGray } from "./prepare.ts";

/** All metrics of one image, each in [0, 1] (E_φ may exceed 1 by 1/(N − 1), see emeasure.ts). */
export interface MaskMetrics {
  /** soft map (curves present) or binary mask */
  soft: boolean;
  iou: number;
  /** ∩ and ∪, for dataset-level pooling */
  iouCounts: IouCounts;
  mae: number;
  ber: number;
  berCounts: BerCounts;
  /** β² = 0.3; adaptive/mean/max for soft maps, all equal to the plain value for binary */
  fbeta: CurveScore;
  fbeta_w: number;
  ephi: CurveScore;
  salpha: number;
}

export const METRIC_NAMES = ["iou", "mae", "ber", "fbeta", "fbeta_w", "ephi", "salpha"] as const;
export type MetricName = typeof METRIC_NAMES[number];

/**
 * @example
 * const m = allMetrics(new Float32Array([0.9, 0.2, 0.1, 0]), new Uint8Array([1, 0, 0, 0]), 2, 2);
 * m.iou; // 1 (0.9 ≥ 0.5 is the only positive)
 */
export function allMetrics(
  /** [height, width] */ pred: Pred,
  /** [height, width] */ gt: Uint8Array,
  width: number,
  height: number,
  ignore?: Uint8Array,
): MaskMetrics {
  return metricsFor(METRIC_NAMES, pred, gt, width, height, ignore) as MaskMetrics;
}

/**
 * Only the named metrics (unknown names → RangeError listing the known ones); `soft`,
 * `iouCounts` and `berCounts` come with iou/ber.
 * @example
 * metricsFor(["iou", "mae"], pred, gt, w, h); // { soft, iou, iouCounts, mae }
 */
export function metricsFor(
  names: readonly string[],
  pred: Pred,
  gt: Uint8Array,
  width: number,
  height: number,
  ignore?: Uint8Array,
): Partial<MaskMetrics> & { soft: boolean } {
  for (const n of names) {
    if (!(METRIC_NAMES as readonly string[]).includes(n)) {
      throw new RangeError(`unknown metric "${n}" (known: ${METRIC_NAMES.join(", ")})`);
    }
  }
  if (pred.length !== gt.length || (ignore && ignore.length !== gt.length) || gt.length !== width * height) {
    checkInputs("allMetrics", pred, gt, ignore); // throws, naming the sizes or a bad value
    throw new RangeError(`allMetrics: ${gt.length} values for ${width}×${height}`);
  }
  const want = new Set(names);
  const soft = isSoft(pred);
  const out: Partial<MaskMetrics> & { soft: boolean } = { soft };
  // One pass gathers what every metric but the spatial ones' second passes needs (pass.ts);
  // it also validates, and checkInputs re-runs only to name the bad value.
  const p = asFloat(pred); // one array type in every hot loop (pass.ts)
  const sums = pixelSums(p, soft, gt, width, height, ignore);
  if (!sums.valid) checkInputs("allMetrics", pred, gt, ignore);
  const c = sums.confusion, n = sums.structure.n;
  if (want.has("iou")) {
    out.iouCounts = { inter: c.tp, union: c.tp + c.fp + c.fn };
    out.iou = iouFromCounts(out.iouCounts);
  }
  if (want.has("ber")) {
    out.berCounts = { tp: c.tp, tn: c.tn, np: c.tp + c.fn, nn: c.tn + c.fp };
    out.ber = berFromCounts(out.berCounts);
  }
  if (want.has("mae")) out.mae = n === 0 ? 0 : sums.absErr / n;
  if (want.has("fbeta") || want.has("ephi")) {
    if (sums.hist) {
      const s = softStatsFromHistogram(p, gt, ignore, sums.hist);
      if (want.has("fbeta")) out.fbeta = fmeasureFromStats(s);
      if (want.has("ephi")) out.ephi = emeasureFromStats(s);
    } else {
      if (want.has("fbeta")) out.fbeta = single(fFromCounts(c.tp, c.tp + c.fp, c.tp + c.fn));
      if (want.has("ephi")) out.ephi = single(eFromCounts(c.tp, c.fp, c.tp + c.fn, n));
    }
  }
  if (want.has("fbeta_w")) {
    out.fbeta_w = fmeasureWeightedUnchecked(p, gt, width, height, ignore, undefined, sums.box);
  }
  if (want.has("salpha")) out.salpha = smeasureFromSums(sums.structure, p, gt, width, height, ignore);
  return out;
}
