/** allMetrics / metricsFor, ignore regions, PySODMetrics reference values, dataset summaries, 8-bit preparation. */
import assert from "node:assert/strict";
import { allMetrics, metricsFor } from "../kernels/metrics/index.ts";
import { summarizeDataset } from "../kernels/metrics/aggregate.ts";
import { gtFromGray, predFromGray, softFromGray } from "../kernels/metrics/prepare.ts";
import { iou } from "../kernels/metrics/iou.ts";
import { fmeasure } from "../kernels/metrics/fmeasure.ts";
import { smeasure } from "../kernels/metrics/smeasure.ts";

const near = (a: number, b: number, eps = 1e-9, what = "") =>
  assert.ok(Math.abs(a - b) <= eps, `${what} expected ${b}, got ${a}`);

/** 9×7 case also run through the PySODMetrics formulas (lartpang/PySODMetrics sod_metrics.py, numpy/scipy) for the numbers below. */
function referenceCase() {
  const w = 9, h = 7;
  const pred8 = new Uint8Array(w * h), gt8 = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++) {
    const x = i % w, y = Math.floor(i / w);
    gt8[i] = (y - 3) ** 2 + (x - 4) ** 2 <= 6 ? 255 : 0;
    pred8[i] = Math.min(
      255,
      Math.floor(((i * 37 + (i >> 3) * 11) % 256) / 2) + gt8[i] / 2 - (gt8[i] ? 0.5 : 0),
    );
  }
  return { w, h, pred8, gt8 };
}

Deno.test("allMetrics matches PySODMetrics on a 9×7 soft map", () => {
  const { w, h, pred8, gt8 } = referenceCase();
  const gt = gtFromGray(gt8);
  assert.equal(gt.reduce((a, b) => a + b, 0), 21);
  const m = allMetrics(softFromGray(pred8), gt, w, h);
  const tol = 1e-6;
  near(m.fbeta.adaptive, 0.7272727272727273, tol, "adpF");
  near(m.fbeta.mean, 0.6954648820829776, tol, "meanF");
  near(m.fbeta.max, 1.0, tol, "maxF");
  near(m.ephi.adaptive, 0.6151672245480412, tol, "adpE");
  near(m.ephi.mean, 0.6518256488773029, tol, "meanE");
  near(m.ephi.max, 1.0161290322580638, tol, "maxE");
  near(m.mae, 0.23215848018997626, tol, "MAE");
  near(m.salpha, 0.8132812887902912, tol, "S");
  near(m.fbeta_w, 0.7129148071458549, tol, "wF");
  assert.equal(m.soft, true);
});

Deno.test("allMetrics agrees with the single-metric functions", () => {
  const { w, h, pred8, gt8 } = referenceCase();
  const pred = softFromGray(pred8), gt = gtFromGray(gt8);
  const m = allMetrics(pred, gt, w, h);
  near(m.iou, iou(pred, gt));
  near(m.fbeta.mean, fmeasure(pred, gt).mean);
  near(m.salpha, smeasure(pred, gt, w, h));
  const some = metricsFor(["iou", "mae"], pred, gt, w, h);
  assert.deepEqual(Object.keys(some).sort(), ["iou", "iouCounts", "mae", "soft"]);
  assert.throws(() => metricsFor(["miou"], pred, gt, w, h), /unknown metric "miou" \(known: iou, mae/);
});

Deno.test("ignored pixels are excluded from every metric", () => {
  // Pad the 9×7 case with two ignored columns on the right holding wrong values: every
  // metric must equal the unpadded one (same centroid, quadrants and Gaussian support).
  const { w, h, pred8, gt8 } = referenceCase();
  const pred = softFromGray(pred8), gt = gtFromGray(gt8);
  const W = w + 2;
  const p2 = new Float32Array(W * h), g2 = new Uint8Array(W * h), ig = new Uint8Array(W * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < W; x++) {
      if (x < w) (p2[y * W + x] = pred[y * w + x]), (g2[y * W + x] = gt[y * w + x]);
      else (p2[y * W + x] = 1), (g2[y * W + x] = 0), (ig[y * W + x] = 1);
    }
  }
  const a = allMetrics(pred, gt, w, h), b = allMetrics(p2, g2, W, h, ig);
  for (const k of ["iou", "mae", "ber", "fbeta_w", "salpha"] as const) near(b[k], a[k], 1e-7, k);
  for (const k of ["fbeta", "ephi"] as const) {
    near(b[k].adaptive, a[k].adaptive, 1e-7, k);
    near(b[k].mean, a[k].mean, 1e-7, k);
    near(b[k].max, a[k].max, 1e-7, k);
  }
  assert.deepEqual(b.iouCounts, a.iouCounts);
  // without the ignore mask the padding does change the numbers
  assert.ok(allMetrics(p2, g2, W, h).mae > a.mae);
});

Deno.test("binary masks: perfect, empty prediction, all-foreground prediction", () => {
  const gt = new Uint8Array([0, 1, 1, 0, 0, 1, 0, 0, 0]); // 3×3
  const perfect = allMetrics(gt.slice(), gt, 3, 3);
  assert.equal(perfect.soft, false);
  near(perfect.iou, 1);
  near(perfect.mae, 0);
  near(perfect.ber, 0);
  near(perfect.fbeta.max, 1);
  near(perfect.ephi.max, 9 / 8, 1e-12); // N/(N − 1), the reference's denominator
  near(perfect.salpha, 1, 1e-12);
  near(perfect.fbeta_w, 1, 1e-12);
  const empty = allMetrics(new Uint8Array(9), gt, 3, 3);
  near(empty.iou, 0);
  near(empty.mae, 3 / 9);
  near(empty.ber, 0.5);
  near(empty.fbeta.max, 0);
  const full = allMetrics(new Uint8Array(9).fill(1), gt, 3, 3);
  near(full.iou, 3 / 9);
  near(full.mae, 6 / 9);
  near(full.ber, 0.5);
  near(full.fbeta.max, (1.3 * (1 / 3)) / (0.3 / 3 + 1)); // P = 1/3, R = 1
});

Deno.test("summarizeDataset: per-image means, pooled IoU/BER, PySOD curve max", () => {
  const gt = new Uint8Array([1, 1, 0, 0]);
  const a = allMetrics(new Uint8Array([1, 0, 0, 0]), gt, 2, 2); // IoU 1/2
  const b = allMetrics(new Uint8Array([1, 1, 0, 0]), gt, 2, 2); // IoU 1
  const s = summarizeDataset([a, b]);
  near(s.iou, 0.75);
  near(s.iouPooled, 3 / 4); // (1 + 2)/(2 + 2)
  near(s.ber, (0.25 + 0) / 2);
  near(s.berPooled, 1 - 0.5 * (3 / 4 + 4 / 4));
  assert.ok(Number.isNaN(s.fbeta.curveMax)); // no soft maps
  const soft = allMetrics(new Float32Array([0.8, 0.6, 0.1, 0]), gt, 2, 2);
  const t = summarizeDataset([soft, soft]);
  near(t.fbeta.curveMax, soft.fbeta.max);
  near(t.ephi.mean, soft.ephi.mean);
  assert.throws(() => summarizeDataset([]), /no images/);
});

Deno.test("8-bit preparation: gt > 128, min-max soft maps, two-level maps are binary", () => {
  assert.deepEqual(gtFromGray(new Uint8Array([0, 128, 129, 255])), new Uint8Array([0, 0, 1, 1]));
  assert.deepEqual(Array.from(softFromGray(new Uint8Array([51, 102, 153]))), [0, 0.5, 1]);
  near(softFromGray(new Uint8Array([51, 51]))[0], 0.2, 1e-7); // constant: v/255 kept
  const bin = predFromGray(new Uint8Array([0, 255, 255]));
  assert.ok(bin instanceof Uint8Array);
  assert.deepEqual(bin, new Uint8Array([0, 1, 1]));
  assert.ok(predFromGray(new Uint8Array([0, 254])) instanceof Float32Array);
});
