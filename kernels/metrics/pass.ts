/**
 * One pass over the pixels gathering every sum the per-image metrics need (for `allMetrics`):
 * the confusion at 0.5 (IoU, BER, binary F_β/E_φ), MAE's |pred − gt| sum, the soft map's
 * 256-bin histogram (F_β/E_φ curves), S_α's moments and centroid sums, and the GT bounding box
 * (weighted F's Gaussian support). Each accumulator sees the same values in the same order as the
 * single-metric functions' own loops, so every result is bit-identical to theirs; one pass
 * instead of five is most of allMetrics' saving on a 640×480 map (issue 4's < 20 ms).
 */
import { BINS, type Confusion, type Histogram, isSoft, type Pred, SOFT_THRESHOLD } from "./common.ts";

let floatScratch = new Float32Array(0);

/**
 * A binary mask's 0/1 as a Float32Array (the same numbers, so every sum is unchanged), in a
 * buffer reused from call to call; a soft map as is. The hot loops then only ever see one array
 * type: fed both, V8 compiled them polymorphic and weighted F ran ~2× slower after a binary map.
 * The result is only valid until the next call.
 */
export function asFloat(pred: Pred): Float32Array {
  if (isSoft(pred)) return pred;
  if (floatScratch.length !== pred.length) floatScratch = new Float32Array(pred.length);
  floatScratch.set(pred);
  return floatScratch;
}

/** S_α's first-pass sums (smeasure.ts): over non-ignored pixels, fg = GT foreground. */
export interface StructureSums {
  n: number;
  nFg: number;
  sumP: number;
  /** Σx, Σy over GT foreground (centroid) */
  sx: number;
  sy: number;
  /** Σp, Σp² over GT foreground; Σ(1 − p), Σ(1 − p)² over GT background */
  fgSum: number;
  fgSq: number;
  bgSum: number;
  bgSq: number;
}

export interface PixelSums {
  /** prediction binarised at ≥ 0.5 (soft) or as is (binary) */
  confusion: Confusion;
  /** Σ|pred − gt| over non-ignored pixels */
  absErr: number;
  /** soft maps only */
  hist?: Histogram;
  structure: StructureSums;
  /** inclusive bounding box of the non-ignored GT foreground (x1 < x0 when there is none) */
  box: { x0: number; x1: number; y0: number; y1: number };
  /** false when a value is out of range: the caller re-runs `checkInputs` for its message */
  valid: boolean;
}

/**
 * [h, w] arrays of equal length (checked by the caller); `pred` from `asFloat`, `soft` whether it
 * was a soft map (histogram, ≥ 0.5) or a binary mask (p ≠ 0, values checked to be 0/1).
 */
export function pixelSums(
  pred: Float32Array,
  soft: boolean,
  gt: Uint8Array,
  w: number,
  h: number,
  ignore?: Uint8Array,
): PixelSums {
  const fg = soft ? new Float64Array(BINS) : undefined, bg = soft ? new Float64Array(BINS) : undefined;
  let tp = 0, fp = 0, fn = 0, tn = 0, absErr = 0;
  let n = 0, nFg = 0, sumP = 0, sx = 0, sy = 0, fgSum = 0, fgSq = 0, bgSum = 0, bgSq = 0;
  let x0 = w, x1 = -1, y0 = h, y1 = -1;
  let bits = 0, valid = true;
  for (let y = 0, i = 0; y < h; y++) {
    let rowX0 = w, rowX1 = -1;
    for (let x = 0; x < w; x++, i++) {
      const p = pred[i], g = gt[i];
      bits |= g;
      if (soft) {
        if (!(p >= 0 && p <= 1)) valid = false;
      } else bits |= p;
      if (ignore) {
        bits |= ignore[i];
        if (ignore[i]) continue;
      }
      n++;
      sumP += p;
      absErr += Math.abs(p - g);
      const pos = soft ? p >= SOFT_THRESHOLD : p !== 0;
      if (g) {
        pos ? tp++ : fn++;
        nFg++, sx += x, sy += y, fgSum += p, fgSq += p * p;
        if (rowX0 === w) rowX0 = x;
        rowX1 = x;
      } else {
        pos ? fp++ : tn++;
        bgSum += 1 - p, bgSq += (1 - p) * (1 - p);
      }
      if (fg) {
        // bin ⌊255·p + 1e-4⌋ as common.ts `histogram` (truncation = floor for p ≥ 0)
        const b = Math.min((p * 255 + 1e-4) | 0, 255);
        g ? fg[b]++ : bg![b]++;
      }
    }
    if (rowX1 >= 0) {
      if (rowX0 < x0) x0 = rowX0;
      if (rowX1 > x1) x1 = rowX1;
      if (y0 === h) y0 = y;
      y1 = y;
    }
  }
  if (bits > 1) valid = false;
  return {
    confusion: { tp, fp, fn, tn },
    absErr,
    hist: fg && { fg, bg: bg!, nFg, n, sum: sumP },
    structure: { n, nFg, sumP, sx, sy, fgSum, fgSq, bgSum, bgSq },
    box: { x0, x1, y0, y1 },
    valid,
  };
}
