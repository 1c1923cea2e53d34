/** F_β and E_φ: hand-computed values for binary masks and a 4-pixel soft map. */
import assert from "node:assert/strict";
import { fFromCounts, fmeasure } from "../kernels/metrics/fmeasure.ts";
import { eFromCounts, emeasure } from "../kernels/metrics/emeasure.ts";

const u8 = (a: number[]) => new Uint8Array(a);
const near = (a: number, b: number, eps = 1e-9) =>
  assert.ok(Math.abs(a - b) <= eps, `expected ${b}, got ${a}`);
/** F_β with β² = 0.3 from precision and recall */
const F = (p: number, r: number) => (1.3 * p * r) / (0.3 * p + r);

Deno.test("fmeasure, binary: plain precision/recall and degenerate cases", () => {
  // P = 1/2, R = 1 → 1.3·.5/(.15 + 1) = 0.565217…
  const s = fmeasure(u8([1, 1, 0, 0]), u8([1, 0, 0, 0]));
  near(s.adaptive, 0.65 / 1.15);
  assert.equal(s.mean, s.adaptive);
  assert.equal(s.curve, undefined);
  near(fmeasure(u8([1, 0]), u8([1, 0])).max, 1);
  near(fmeasure(u8([0, 0]), u8([1, 0])).max, 0); // empty pred
  near(fmeasure(u8([0, 0]), u8([0, 0])).max, 0); // empty GT + empty pred: 0 (TP = 0, reference rule)
  near(fmeasure(u8([1, 1, 1, 1]), u8([1, 0, 0, 0])).max, F(1 / 4, 1)); // all-foreground pred
  near(fFromCounts(1, 2, 1), 0.65 / 1.15);
});

Deno.test("fmeasure, soft: adaptive, mean and max over 256 thresholds", () => {
  // pred .8 .4 .2 0 → bins 204, 102, 51, 0; gt 1 0 0 0. mean .35 → adaptive threshold .7 →
  // only .8 positive → F = 1. Curve (pred bin ≥ t): t=0: 4 positive, P ¼ (1 value);
  // t=1..51: 3, P ⅓ (51); t=52..102: 2, P ½ (51); t=103..204: 1, P 1 (102); t=205..255: 0 (51).
  const s = fmeasure(new Float32Array([0.8, 0.4, 0.2, 0]), u8([1, 0, 0, 0]));
  near(s.adaptive, 1);
  near(s.max, 1);
  near(s.mean, (F(1 / 4, 1) + 51 * F(1 / 3, 1) + 51 * F(1 / 2, 1) + 102) / 256, 1e-12);
  near(s.curve![51], F(1 / 3, 1));
  near(s.curve![52], F(1 / 2, 1));
  near(s.curve![205], 0);
});

Deno.test("emeasure, binary: hand-computed alignment and the reference's special cases", () => {
  // perfect, N = 4: every pixel aligns (ξ = 1, φ = 1) → 4/(N − 1) = 4/3
  near(emeasure(u8([1, 1, 0, 0]), u8([1, 1, 0, 0])).adaptive, 4 / 3, 1e-12);
  // pred 1000, gt 1100: mean pred ¼, mean gt ½
  //  TP (¾, ½): ξ = .75/.8125, φ = (1 + ξ)²/4;  FN (−¼, ½): ξ = −.8, φ = .01;  TN ×2 (−¼, −½): ξ = .8, φ = .81
  const xi = 0.75 / 0.8125;
  near(emeasure(u8([1, 0, 0, 0]), u8([1, 1, 0, 0])).max, ((1 + xi) ** 2 / 4 + 0.01 + 2 * 0.81) / 3, 1e-12);
  // empty GT: #predicted background / (N − 1)
  near(emeasure(u8([0, 0, 0, 0]), u8([0, 0, 0, 0])).max, 4 / 3, 1e-12);
  near(emeasure(u8([1, 0, 0, 0]), u8([0, 0, 0, 0])).max, 3 / 3, 1e-12);
  near(emeasure(u8([1, 1, 1, 1]), u8([0, 0, 0, 0])).max, 0);
  // all-foreground GT: #predicted foreground / (N − 1)
  near(emeasure(u8([1, 1, 1, 0]), u8([1, 1, 1, 1])).max, 3 / 3, 1e-12);
  near(emeasure(u8([0, 0, 0, 0]), u8([1, 1, 1, 1])).max, 0);
  // empty pred, half-foreground GT: mp = 0 → FN (0, ½): ξ = 0, φ = ¼ ×2; TN (0, −½): ξ = 0, φ = ¼ ×2 → 1/3
  near(eFromCounts(0, 0, 2, 4), 1 / 3, 1e-12);
});

Deno.test("emeasure, soft: curve built from the same counts as binary masks", () => {
  const pred = new Float32Array([0.8, 0.4, 0.2, 0]), gt = u8([1, 0, 0, 0]);
  const s = emeasure(pred, gt);
  // threshold t = 103..204: only pixel 0 positive = the perfect binary mask
  near(s.curve![150], emeasure(u8([1, 0, 0, 0]), gt).max, 1e-12);
  near(s.curve![0], emeasure(u8([1, 1, 1, 1]), gt).max, 1e-12); // t = 0: everything positive
  near(s.adaptive, 4 / 3, 1e-12); // adaptive threshold .7 → perfect
  near(s.max, 4 / 3, 1e-12);
  let sum = 0;
  for (const v of s.curve!) sum += v;
  near(s.mean, sum / 256, 1e-12);
});
