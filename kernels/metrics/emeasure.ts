/**
 * Enhanced-alignment measure E_φ (Fan et al., IJCAI 2018), as PySODMetrics computes it: for a
 * binarised prediction the enhanced alignment matrix takes only four values (one per TP, FP,
 * FN, TN pixel), so E_φ at a threshold is a function of the four counts and the 256-threshold
 * curve costs O(256) after one histogram pass.
 *  - GT all background: E = #predicted-background / (N − 1); GT all foreground:
 *    E = #predicted-foreground / (N − 1) (the reference's special cases).
 *  - The reference divides by N − 1, so a perfect prediction scores N/(N − 1) (1.0000008 for
 *    1280×1024), kept for comparability. N = non-ignored pixels.
 * Soft maps: adaptive (min(2·mean, 1)), mean and max over 256 thresholds; binary: one value.
 */
import {
  checkInputs,
  confusion,
  type CurveScore,
  EPS,
  isSoft,
  type Pred,
  single,
  type SoftStats,
  softStats,
  summarise,
} from "./common.ts";

/**
 * E_φ of a binarised prediction from its counts: tp, fp, nFg GT positives, n pixels.
 * @example
 * eFromCounts(2, 0, 2, 4); // perfect: 4/3 · (N−1 = 3), i.e. 4/3
 */
export function eFromCounts(tp: number, fp: number, nFg: number, n: number): number {
  const predFg = tp + fp, predBg = n - predFg;
  let sum: number;
  if (nFg === 0) sum = predBg;
  else if (nFg === n) sum = predFg;
  else {
    const fn = nFg - tp, tn = predBg - fn;
    const mp = predFg / n, mg = nFg / n;
    sum = tp * enhanced(1 - mp, 1 - mg) + fp * enhanced(1 - mp, -mg) + fn * enhanced(-mp, 1 - mg) +
      tn * enhanced(-mp, -mg);
  }
  return sum / (n > 1 ? n - 1 + EPS : 1);
}

/** Enhanced alignment of demeaned prediction value a and GT value b: ((ξ + 1)² / 4), ξ = 2ab/(a² + b²). */
function enhanced(a: number, b: number): number {
  const align = (2 * a * b) / (a * a + b * b + EPS);
  return ((align + 1) * (align + 1)) / 4;
}

/** E_φ scores of a soft map from its precomputed statistics. */
export function emeasureFromStats(s: SoftStats): CurveScore {
  const { nFg, n } = s.hist;
  const curve = new Float64Array(s.tp.length);
  for (let t = 0; t < curve.length; t++) curve[t] = eFromCounts(s.tp[t], s.fp[t], nFg, n);
  return summarise(curve, eFromCounts(s.adaptive.tp, s.adaptive.fp, nFg, n));
}

/**
 * @example
 * emeasure(new Uint8Array([1, 1, 0, 0]), new Uint8Array([1, 1, 0, 0])).adaptive; // 4/3
 */
export function emeasure(pred: Pred, gt: Uint8Array, ignore?: Uint8Array): CurveScore {
  checkInputs("emeasure", pred, gt, ignore);
  if (isSoft(pred)) return emeasureFromStats(softStats(pred, gt, ignore));
  const c = confusion(pred, gt, ignore);
  return single(eFromCounts(c.tp, c.fp, c.tp + c.fn, c.tp + c.fp + c.fn + c.tn));
}
