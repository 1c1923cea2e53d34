/**
 * Shared conventions of every metric (see README.md): `pred` is a binary mask (Uint8Array of
 * 0/1) or a soft map (Float32Array in [0, 1]); `gt` is a Uint8Array of 0/1; optional `ignore`
 * (1 = excluded from every metric, VOC's boundary value 255) has the same size.
 */

/** A prediction: binary 0/1 mask or soft map in [0, 1]. [H, W] */
export type Pred = Uint8Array | Float32Array;

/** β² of the F-measure (Achanta et al. 2009, used by every saliency/mirror/defocus paper). */
export const BETA2 = 0.3;

/** Number of thresholds of the soft-map curves (0..255, as PySODMetrics). */
export const BINS = 256;

/** Soft maps are binarised at ≥ 0.5 for IoU and BER (128/255 ≥ 0.5 > 127/255). */
export const SOFT_THRESHOLD = 0.5;

/** Whether `pred` is a soft map (Float32Array) rather than a binary mask. */
export function isSoft(pred: Pred): pred is Float32Array {
  return pred instanceof Float32Array;
}

/**
 * Throws a RangeError naming `fn` when sizes differ or values are out of range (binary arrays
 * must hold 0/1, soft maps values in [0, 1]): a 0/255 mask passed as "binary" would otherwise
 * give silently wrong numbers.
 */
export function checkInputs(fn: string, pred: Pred, gt: Uint8Array, ignore?: Uint8Array): void {
  if (pred.length !== gt.length || (ignore && ignore.length !== gt.length)) {
    throw new RangeError(
      `${fn}: sizes differ (pred ${pred.length}, gt ${gt.length}${
        ignore ? `, ignore ${ignore.length}` : ""
      })`,
    );
  }
  checkBinary(fn, "gt", gt);
  if (ignore) checkBinary(fn, "ignore", ignore);
  if (isSoft(pred)) {
    for (let i = 0; i < pred.length; i++) {
      if (!(pred[i] >= 0 && pred[i] <= 1)) {
        throw new RangeError(`${fn}: soft pred must be in [0, 1], found ${pred[i]} at index ${i}`);
      }
    }
  } else checkBinary(fn, "pred", pred);
}

function checkBinary(fn: string, what: string, a: Uint8Array): void {
  for (let i = 0; i < a.length; i++) {
    if (a[i] > 1) throw new RangeError(`${fn}: ${what} must hold 0/1, found ${a[i]} at index ${i}`);
  }
}

/** Confusion counts over the non-ignored pixels. */
export interface Confusion {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

/**
 * Confusion counts with the prediction binarised at `pred ≥ threshold` (soft) or taken as is
 * (binary; `threshold` unused).
 * @example
 * confusion(new Uint8Array([1, 1, 0, 0]), new Uint8Array([1, 0, 1, 0])); // tp 1, fp 1, fn 1, tn 1
 */
export function confusion(
  pred: Pred,
  gt: Uint8Array,
  ignore?: Uint8Array,
  threshold = SOFT_THRESHOLD,
): Confusion {
  let tp = 0, fp = 0, fn = 0, tn = 0;
  const soft = isSoft(pred);
  for (let i = 0; i < gt.length; i++) {
    if (ignore && ignore[i]) continue;
    const p = soft ? pred[i] >= threshold : pred[i] !== 0;
    if (gt[i]) p ? tp++ : fn++;
    else p ? fp++ : tn++;
  }
  return { tp, fp, fn, tn };
}

/**
 * 256-bin histograms of a soft map's values split by ground truth: bin b = ⌊255·p⌋ as
 * PySODMetrics' `(pred * 255).astype(np.uint8)` (a 1e-4 guard keeps v/255 in bin v despite
 * float rounding). Also the sum of p over the counted pixels, for the adaptive threshold.
 */
export interface Histogram {
  /** [256] GT-foreground pixels per bin */
  fg: Float64Array;
  /** [256] GT-background pixels per bin */
  bg: Float64Array;
  nFg: number;
  /** counted (non-ignored) pixels */
  n: number;
  sum: number;
}

export function histogram(pred: Float32Array, gt: Uint8Array, ignore?: Uint8Array): Histogram {
  const fg = new Float64Array(BINS), bg = new Float64Array(BINS);
  let sum = 0, n = 0, nFg = 0;
  for (let i = 0; i < gt.length; i++) {
    if (ignore && ignore[i]) continue;
    const p = pred[i];
    const b = Math.min(Math.floor(p * 255 + 1e-4), 255);
    sum += p;
    n++;
    if (gt[i]) (fg[b]++, nFg++);
    else bg[b]++;
  }
  return { fg, bg, nFg, n, sum };
}

/**
 * Counts at every threshold t = 0..255 (prediction positive where bin ≥ t): suffix sums of
 * the histogram, so the 256-threshold curves cost O(256) after the one pass.
 */
export function thresholdCounts(h: Histogram): { tp: Float64Array; fp: Float64Array } {
  const tp = new Float64Array(BINS), fp = new Float64Array(BINS);
  let a = 0, b = 0;
  for (let t = BINS - 1; t >= 0; t--) {
    a += h.fg[t];
    b += h.bg[t];
    tp[t] = a;
    fp[t] = b;
  }
  return { tp, fp };
}

/** PySODMetrics' adaptive threshold: twice the mean prediction, capped at 1. */
export function adaptiveThreshold(mean: number): number {
  return Math.min(2 * mean, 1);
}

/** Scores of a soft map over thresholds; for a binary mask all three are its single value. */
export interface CurveScore {
  /** at the adaptive threshold min(2·mean(pred), 1) */
  adaptive: number;
  /** mean over the 256 thresholds */
  mean: number;
  /** max over the 256 thresholds (of this image's curve) */
  max: number;
  /** [256] score at threshold t/255 (pred ≥ t/255); absent for binary masks */
  curve?: Float64Array;
}

/** A CurveScore from a curve and an adaptive value. */
export function summarise(curve: Float64Array, adaptive: number): CurveScore {
  let sum = 0, max = -Infinity;
  for (let t = 0; t < curve.length; t++) {
    sum += curve[t];
    if (curve[t] > max) max = curve[t];
  }
  return { adaptive, mean: sum / curve.length, max, curve };
}

/** A CurveScore for a binary mask's single value. */
export function single(value: number): CurveScore {
  return { adaptive: value, mean: value, max: value };
}

/** MATLAB's eps / numpy's np.spacing(1), the guard the reference implementations add. */
export const EPS = 2.220446049250313e-16;

/** What the threshold-based metrics (F_β, E_φ) need from a soft map: one histogram pass and one pass at the adaptive threshold. */
export interface SoftStats {
  hist: Histogram;
  /** [256] tp and fp at each threshold t/255 */
  tp: Float64Array;
  fp: Float64Array;
  /** confusion at the adaptive threshold min(2·mean, 1) */
  adaptive: Confusion;
}

export function softStats(pred: Float32Array, gt: Uint8Array, ignore?: Uint8Array): SoftStats {
  return softStatsFromHistogram(pred, gt, ignore, histogram(pred, gt, ignore));
}

/** `softStats` from a histogram already gathered (allMetrics' shared pass, pass.ts). */
export function softStatsFromHistogram(
  pred: Float32Array,
  gt: Uint8Array,
  ignore: Uint8Array | undefined,
  hist: Histogram,
): SoftStats {
  const { tp, fp } = thresholdCounts(hist);
  const thr = adaptiveThreshold(hist.n === 0 ? 0 : hist.sum / hist.n);
  return { hist, tp, fp, adaptive: confusion(pred, gt, ignore, thr) };
}
