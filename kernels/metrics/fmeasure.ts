/**
 * F-measure F_β = (1 + β²)·P·R / (β²·P + R), β² = 0.3 (Achanta et al. 2009). Conventions of
 * PySODMetrics (the saliency toolbox): for a soft map, the adaptive score binarises at
 * min(2·mean, 1) and the curve uses the 256 thresholds pred ≥ t/255; F = 0 when TP = 0 — so
 * an empty prediction of an empty GT also scores 0, as in the reference. A binary mask gets its
 * plain F_β (adaptive = mean = max).
 */
import {
  BETA2,
  checkInputs,
  confusion,
  type CurveScore,
  isSoft,
  type Pred,
  single,
  type SoftStats,
  softStats,
  summarise,
} from "./common.ts";

/**
 * F_β from counts: tp true positives, predPos predicted positives, nFg GT positives.
 * @example
 * fFromCounts(1, 2, 1); // P = .5, R = 1 → 1.3·.5/(.3·.5 + 1) = 0.5652…
 */
export function fFromCounts(tp: number, predPos: number, nFg: number, beta2 = BETA2): number {
  if (tp === 0) return 0;
  const p = tp / predPos, r = tp / nFg;
  return ((1 + beta2) * p * r) / (beta2 * p + r);
}

/** F_β scores of a soft map from its precomputed statistics. */
export function fmeasureFromStats(s: SoftStats): CurveScore {
  const curve = new Float64Array(s.tp.length);
  for (let t = 0; t < curve.length; t++) curve[t] = fFromCounts(s.tp[t], s.tp[t] + s.fp[t], s.hist.nFg);
  const a = s.adaptive;
  return summarise(curve, fFromCounts(a.tp, a.tp + a.fp, a.tp + a.fn));
}

/**
 * @example
 * fmeasure(new Uint8Array([1, 1, 0, 0]), new Uint8Array([1, 0, 0, 0])).adaptive; // 0.5652…
 */
export function fmeasure(pred: Pred, gt: Uint8Array, ignore?: Uint8Array): CurveScore {
  checkInputs("fmeasure", pred, gt, ignore);
  if (isSoft(pred)) return fmeasureFromStats(softStats(pred, gt, ignore));
  const c = confusion(pred, gt, ignore);
  return single(fFromCounts(c.tp, c.tp + c.fp, c.tp + c.fn));
}
