/**
 * Weighted F-measure F^w_β (Margolin, Zelnik-Manor & Tal, "How to Evaluate Foreground Maps?",
 * CVPR 2014), following the authors' MATLAB WFb.m / PySODMetrics WeightedFmeasure, including
 * their default β² = 1 (unlike the plain F_β's 0.3: the saliency toolboxes keep WFb's default):
 *   E = |pred − GT|; background errors take the error of their nearest GT-foreground pixel
 *   (Et); EA = Et ⊛ 7×7 Gaussian (σ = 5, zero outside); on GT foreground E := min(E, EA);
 *   background errors are weighted by B = 2 − exp(ln 0.5 / 5 · distance to the GT);
 *   R = 1 − mean(Ew on GT), P = TPw / (TPw + FPw), F^w = (1 + β²)RP / (R + β²P + eps).
 * GT with no foreground → 0 (the reference's rule). Ignored pixels carry no error and are left
 * out of the sums; nearest-pixel ties may resolve differently from scipy.
 */
import { nearestForegroundSq } from "../masks/distance.ts";
import { checkInputs, EPS, type Pred } from "./common.ts";

/** β² of WFb.m and PySODMetrics' WeightedFmeasure. */
export const BETA2_WEIGHTED = 1;

/**
 * @example
 * fmeasureWeighted(new Uint8Array([1, 1, 0, 0]), new Uint8Array([1, 1, 0, 0]), 2, 2); // 1 (up to eps)
 */
export function fmeasureWeighted(
  /** [h, w] */ pred: Pred,
  /** [h, w] */ gt: Uint8Array,
  w: number,
  h: number,
  ignore?: Uint8Array,
  beta2 = BETA2_WEIGHTED,
): number {
  checkInputs("fmeasureWeighted", pred, gt, ignore);
  if (gt.length !== w * h) throw new RangeError(`fmeasureWeighted: ${gt.length} values for ${w}×${h}`);
  return fmeasureWeightedUnchecked(pred, gt, w, h, ignore, beta2);
}

/** Inclusive bounding box of a mask's non-zero pixels (x1 < x0 when there is none). */
export interface Box {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/**
 * `fmeasureWeighted` without input validation (for `allMetrics`, which validates once and passes
 * the box of the non-ignored GT foreground from its shared pass, pass.ts).
 */
export function fmeasureWeightedUnchecked(
  pred: Pred,
  gt: Uint8Array,
  w: number,
  h: number,
  ignore?: Uint8Array,
  beta2 = BETA2_WEIGHTED,
  box?: Box,
): number {
  if (scratch.sq.length !== w * h) {
    scratch = { sq: new Int32Array(w * h), nearest: new Int32Array(w * h), g: new Uint8Array(w * h) };
  }
  let g = gt;
  if (ignore) {
    g = scratch.g;
    for (let i = 0; i < g.length; i++) g[i] = ignore[i] ? 0 : gt[i];
  }
  const { x0, x1, y0, y1 } = box ?? boundingBox(g, w, h);
  if (x1 < x0) return 0; // no GT foreground
  const { sq, nearest } = nearestForegroundSq(g, w, h, scratch);
  // EA is only read on GT foreground (E := min(E, EA) there), so Et and the Gaussian are only
  // needed on the GT's bounding box grown by the kernel radius 3.
  const ex0 = Math.max(0, x0 - 3), ex1 = Math.min(w - 1, x1 + 3);
  const ey0 = Math.max(0, y0 - 3), ey1 = Math.min(h - 1, y1 + 3);
  const bw = ex1 - ex0 + 1, bh = ey1 - ey0 + 1, cw = x1 - x0 + 1;
  // Et: E on the GT, E of the nearest GT pixel (= 1 − pred there) on the background, 0 ignored.
  if (blur.et.length < bw * bh) blur.et = new Float32Array(bw * bh);
  if (blur.tmp.length < cw * bh) blur.tmp = new Float32Array(cw * bh);
  const { et, tmp } = blur; // fully rewritten on the box below
  for (let y = ey0; y < ey1 + 1; y++) {
    for (let x = ex0, i = y * w + ex0; x <= ex1; x++, i++) {
      const src = ignore && ignore[i] ? -1 : nearest[i];
      et[(y - ey0) * bw + x - ex0] = src < 0 ? 0 : 1 - pred[src];
    }
  }
  // Horizontal pass of fspecial('gaussian', 7, 5) on columns x0..x1 (zero outside the image).
  for (let r = 0; r < bh; r++) {
    for (let x = x0, j = r * bw + x0 - ex0; x <= x1; x++, j++) {
      tmp[r * cw + x - x0] = x - 3 >= ex0 && x + 3 <= ex1
        ? tap7(et, j, 1)
        : tapClipped(et, j, 1, x - ex0, ex1 - x);
    }
  }
  // Foreground errors: only inside the box, each min(E, EA) with EA the vertical pass there.
  let nFg = 0, ewFg = 0, ewBg = 0;
  for (let y = y0; y <= y1; y++) {
    const inside = y - 3 >= ey0 && y + 3 <= ey1;
    for (let x = x0, i = y * w + x0, j = (y - ey0) * cw; x <= x1; x++, i++, j++) {
      if (!g[i]) continue; // g is 0 on ignored pixels
      nFg++;
      const ea = inside ? tap7(tmp, j, cw) : tapClipped(tmp, j, cw, y - ey0, ey1 - y);
      const e = 1 - pred[i];
      ewFg += ea < e ? ea : e;
    }
  }
  // B = 2 − exp(ln 0.5 / 5 · distance to the GT) weighs false positives far from it more.
  const table = importanceTable();
  for (let i = 0; i < g.length; i++) {
    if (g[i] || pred[i] === 0 || (ignore && ignore[i])) continue;
    const d2 = sq[i];
    ewBg += pred[i] * (d2 < B_TABLE_SQ ? table[d2] : importanceAt(d2));
  }
  const tpw = nFg - ewFg;
  const r = 1 - ewFg / nFg;
  const p = tpw / (tpw + ewBg + EPS);
  return ((1 + beta2) * r * p) / (r + beta2 * p + EPS);
}

function boundingBox(g: Uint8Array, w: number, h: number): Box {
  let x0 = w, x1 = -1, y0 = h, y1 = -1;
  for (let y = 0, i = 0; y < h; y++) {
    for (let x = 0; x < w; x++, i++) {
      if (g[i]) {
        (x0 = Math.min(x0, x)), (x1 = Math.max(x1, x)), (y0 = Math.min(y0, y)), (y1 = Math.max(y1, y));
      }
    }
  }
  return { x0, x1, y0, y1 };
}

/** EDT buffers and the ignore-masked GT, reused from call to call (same-size images are the common case). */
let scratch = { sq: new Int32Array(0), nearest: new Int32Array(0), g: new Uint8Array(0) };

/** Gaussian buffers (Et on the grown box, the horizontal pass), reused like `scratch`. */
const blur = { et: new Float32Array(0), tmp: new Float32Array(0) };

/**
 * The 7 taps k = −3..3 of KERNEL around src[j], `stride` apart, summed in k order (the order
 * the sums are bit-identical in, whichever path computes them).
 */
function tap7(src: Float32Array, j: number, stride: number): number {
  return K0 * src[j - 3 * stride] + K1 * src[j - 2 * stride] + K2 * src[j - stride] + K3 * src[j] +
    K4 * src[j + stride] + K5 * src[j + 2 * stride] + K6 * src[j + 3 * stride];
}

/** `tap7` near the border: only the taps with −before ≤ k ≤ after (zero outside). */
function tapClipped(src: Float32Array, j: number, stride: number, before: number, after: number): number {
  let acc = 0;
  for (let k = -3; k <= 3; k++) if (k >= -before && k <= after) acc += KERNEL[k + 3] * src[j + k * stride];
  return acc;
}

/**
 * B = 2 − exp(ln 0.5 / 5 · d) for a background pixel at squared distance sq = d² from the GT.
 * sq is an integer, so distances under 128 px come from a table built once (one exp per pixel
 * was a third of the metric's time on a 640×480 map).
 */
const B_TABLE_SQ = 128 * 128;
let bTable: Float64Array | undefined;
function importanceTable(): Float64Array {
  if (!bTable) {
    bTable = new Float64Array(B_TABLE_SQ);
    for (let k = 0; k < B_TABLE_SQ; k++) bTable[k] = importanceAt(k);
  }
  return bTable;
}

function importanceAt(sq: number): number {
  return 2 - Math.exp((Math.LN2 / -5) * Math.sqrt(sq));
}

/** MATLAB fspecial('gaussian', 7, 5) is separable: the normalised 1-D factor. */
const KERNEL = (() => {
  const k = Array.from({ length: 7 }, (_, i) => Math.exp(-((i - 3) ** 2) / 50));
  const s = k.reduce((a, b) => a + b, 0);
  return Float64Array.from(k, (v) => v / s);
})();
const [K0, K1, K2, K3, K4, K5, K6] = KERNEL;
