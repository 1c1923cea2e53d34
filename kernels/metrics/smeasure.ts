/**
 * Structure measure S_α (Fan et al., ICCV 2017), α = 0.5, as PySODMetrics computes it:
 * S = α·S_object + (1 − α)·S_region, floored at 0; GT all background → 1 − mean(pred), GT all
 * foreground → mean(pred).
 *  - S_object: u·O(pred on GT fg) + (1 − u)·O(1 − pred on GT bg), O = 2x̄/(x̄² + 1 + σ_x + eps),
 *    σ_x the sample standard deviation (ddof 1), u the GT foreground fraction.
 *  - S_region: the image cut at the GT centroid (rounded half-to-even, +1, as the reference)
 *    into four quadrants, each scored by a global SSIM and weighted by its area.
 * Guards beyond the reference (which returns NaN there): an empty quadrant contributes 0,
 * one-pixel sets use n − 1 → 1. Ignored pixels are left out of every mean, deviation,
 * centroid and quadrant weight (the reference has no ignore; with none it is unchanged).
 */
import { checkInputs, EPS, isSoft, type Pred } from "./common.ts";
import { asFloat, pixelSums, type StructureSums } from "./pass.ts";

/**
 * @example
 * smeasure(new Uint8Array([1, 0, 0, 0]), new Uint8Array([1, 0, 0, 0]), 2, 2); // 1
 */
export function smeasure(
  /** [h, w] */ pred: Pred,
  /** [h, w] */ gt: Uint8Array,
  w: number,
  h: number,
  ignore?: Uint8Array,
  alpha = 0.5,
): number {
  checkInputs("smeasure", pred, gt, ignore);
  if (gt.length !== w * h) throw new RangeError(`smeasure: ${gt.length} values for ${w}×${h}`);
  return smeasureUnchecked(pred, gt, w, h, ignore, alpha);
}

/** `smeasure` without input validation (for `allMetrics`, which validates once). */
export function smeasureUnchecked(
  pred: Pred,
  gt: Uint8Array,
  w: number,
  h: number,
  ignore?: Uint8Array,
  alpha = 0.5,
): number {
  const p = asFloat(pred);
  return smeasureFromSums(pixelSums(p, isSoft(pred), gt, w, h, ignore).structure, p, gt, w, h, ignore, alpha);
}

/** S_α from its first-pass sums (pass.ts gathers them in allMetrics' shared pass). */
export function smeasureFromSums(
  s: StructureSums,
  pred: Pred,
  gt: Uint8Array,
  w: number,
  h: number,
  ignore?: Uint8Array,
  alpha = 0.5,
): number {
  const { n, nFg, sumP } = s;
  if (n === 0) return 1;
  if (nFg === 0) return 1 - sumP / n;
  if (nFg === n) return sumP / n;
  const u = nFg / n;
  const object = u * sObject(s.fgSum, s.fgSq, nFg) + (1 - u) * sObject(s.bgSum, s.bgSq, n - nFg);
  const cx = roundHalfEven(s.sx / nFg) + 1, cy = roundHalfEven(s.sy / nFg) + 1;
  const region = sRegion(pred, gt, w, h, ignore, cx, cy, n);
  return Math.max(0, alpha * object + (1 - alpha) * region);
}

/** O = 2x̄ / (x̄² + 1 + σ + eps) from the sum and the sum of squares of k values. */
function sObject(sum: number, sq: number, k: number): number {
  const mean = sum / k;
  const sigma = Math.sqrt(Math.max(0, (sq - k * mean * mean) / Math.max(k - 1, 1)));
  return (2 * mean) / (mean * mean + 1 + sigma + EPS);
}

/** Area-weighted SSIM of the four quadrants split at column cx, row cy. */
function sRegion(
  pred: Pred,
  gt: Uint8Array,
  w: number,
  h: number,
  ignore: Uint8Array | undefined,
  cx: number,
  cy: number,
  n: number,
): number {
  const x = Math.min(cx, w), y = Math.min(cy, h);
  const quadrants = [[0, y, 0, x], [0, y, x, w], [y, h, 0, x], [y, h, x, w]];
  let score = 0;
  for (const [y0, y1, x0, x1] of quadrants) {
    const q = quadrantSsim(pred, gt, w, ignore, y0, y1, x0, x1);
    if (q.count > 0) score += (q.count / n) * q.ssim;
  }
  return score;
}

/** Global SSIM of the rectangle rows [y0, y1) × columns [x0, x1), non-ignored pixels only. */
function quadrantSsim(
  pred: Pred,
  gt: Uint8Array,
  w: number,
  ignore: Uint8Array | undefined,
  y0: number,
  y1: number,
  x0: number,
  x1: number,
): { count: number; ssim: number } {
  let count = 0, sp = 0, sg = 0;
  for (let y = y0; y < y1; y++) {
    for (let i = y * w + x0, end = y * w + x1; i < end; i++) {
      if (ignore && ignore[i]) continue;
      count++;
      sp += pred[i];
      sg += gt[i];
    }
  }
  if (count === 0) return { count, ssim: 0 };
  const mp = sp / count, mg = sg / count;
  // Second pass on demeaned values, as numpy does: constant quadrants give exact zeros, which
  // the SSIM's "alpha = 0 and beta = 0 → 1" branch depends on.
  let vxx = 0, vyy = 0, vxy = 0;
  for (let y = y0; y < y1; y++) {
    for (let i = y * w + x0, end = y * w + x1; i < end; i++) {
      if (ignore && ignore[i]) continue;
      const dp = pred[i] - mp, dg = gt[i] - mg;
      vxx += dp * dp;
      vyy += dg * dg;
      vxy += dp * dg;
    }
  }
  const d = Math.max(count - 1, 1);
  return { count, ssim: ssim(mp, mg, vxx / d, vyy / d, vxy / d) };
}

/** The reference's global SSIM: 4·x̄·ȳ·σ_xy / ((x̄² + ȳ²)(σ_x² + σ_y²) + eps), 1 when both terms vanish. */
function ssim(mx: number, my: number, sxx: number, syy: number, sxy: number): number {
  const a = 4 * mx * my * sxy;
  const b = (mx * mx + my * my) * (sxx + syy);
  if (a !== 0) return a / (b + EPS);
  return b === 0 ? 1 : 0;
}

/** numpy's round (half to even), used by the reference for the centroid. */
export function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d === 0.5) return f % 2 === 0 ? f : f + 1;
  return Math.round(v);
}
