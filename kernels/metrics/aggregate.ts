/**
 * Dataset-level summaries of per-image metrics, as `eval-masks` prints them:
 *  - every metric averaged per image (sample-based, as PySODMetrics and the MATLAB saliency
 *    toolboxes do);
 *  - for soft maps, "max F_β / max E_φ" both ways: the mean of per-image maxima, and PySODMetrics'
 *    convention, the max over thresholds of the per-image-averaged curve (`curveMax`);
 *  - IoU and BER also pooled over pixels (Σ∩/Σ∪, and BER from summed TP/TN/Np/Nn as shadow
 *    papers do).
 */
import { berPooled } from "./ber.ts";
import type { CurveScore } from "./common.ts";
import type { MaskMetrics } from "./index.ts";
import { pooledIou } from "./iou.ts";

export interface CurveSummary {
  adaptive: number;
  mean: number;
  /** mean over images of each image's max */
  max: number;
  /** max over thresholds of the mean curve (PySODMetrics' maxF/maxE); NaN without soft maps */
  curveMax: number;
}

export interface DatasetSummary {
  images: number;
  /** images scored as soft maps */
  soft: number;
  iou: number;
  /** Σ∩ / Σ∪ */
  iouPooled: number;
  mae: number;
  ber: number;
  /** BER of summed counts */
  berPooled: number;
  fbeta: CurveSummary;
  fbeta_w: number;
  ephi: CurveSummary;
  salpha: number;
}

/**
 * @example
 * summarizeDataset([allMetrics(p1, g1, w1, h1), allMetrics(p2, g2, w2, h2)]).iou; // mean IoU
 */
export function summarizeDataset(items: MaskMetrics[]): DatasetSummary {
  if (items.length === 0) throw new RangeError("summarizeDataset: no images");
  const mean = (f: (m: MaskMetrics) => number) => items.reduce((a, m) => a + f(m), 0) / items.length;
  return {
    images: items.length,
    soft: items.filter((m) => m.soft).length,
    iou: mean((m) => m.iou),
    iouPooled: pooledIou(items.map((m) => m.iouCounts)),
    mae: mean((m) => m.mae),
    ber: mean((m) => m.ber),
    berPooled: berPooled(items.map((m) => m.berCounts)),
    fbeta: curveSummary(items.map((m) => m.fbeta)),
    fbeta_w: mean((m) => m.fbeta_w),
    ephi: curveSummary(items.map((m) => m.ephi)),
    salpha: mean((m) => m.salpha),
  };
}

function curveSummary(scores: CurveScore[]): CurveSummary {
  const k = scores.length;
  const curves = scores.filter((s) => s.curve).map((s) => s.curve!);
  let curveMax = NaN;
  if (curves.length > 0) {
    // Binary masks have no curve; PySODMetrics would see their flat curve (their value at
    // every t ≥ 1), so they enter the mean curve as constants.
    const avg = new Float64Array(curves[0].length);
    for (const s of scores) {
      for (let t = 0; t < avg.length; t++) avg[t] += s.curve ? s.curve[t] : s.mean;
    }
    curveMax = Math.max(...avg.map((v) => v / k));
  }
  return {
    adaptive: scores.reduce((a, s) => a + s.adaptive, 0) / k,
    mean: scores.reduce((a, s) => a + s.mean, 0) / k,
    max: scores.reduce((a, s) => a + s.max, 0) / k,
    curveMax,
  };
}
