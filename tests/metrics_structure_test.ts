/** S_α and weighted F_β: hand-computed values, degenerate cases. */
import assert from "node:assert/strict";
import { roundHalfEven, smeasure } from "../kernels/metrics/smeasure.ts";
import { fmeasureWeighted } from "../kernels/metrics/fmeasure_weighted.ts";

const u8 = (a: number[]) => new Uint8Array(a);
const near = (a: number, b: number, eps = 1e-9) =>
  assert.ok(Math.abs(a - b) <= eps, `expected ${b}, got ${a}`);

/** 6×6 GT with a 3×3 foreground block at the top-left */
function block6(): Uint8Array {
  const g = new Uint8Array(36);
  for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) g[y * 6 + x] = 1;
  return g;
}

Deno.test("smeasure: perfect prediction scores 1", () => {
  // centroid (1, 1) → split at column/row 2; every quadrant has pred = gt, so each SSIM is
  // 4x̄²σ²/(2x̄²·2σ²) = 1 (LT is constant: α = β = 0 → 1); O_fg = O_bg = 2/(1 + 1 + 0) = 1.
  near(smeasure(block6(), block6(), 6, 6), 1, 1e-12);
  near(smeasure(new Float32Array(block6()), block6(), 6, 6), 1, 1e-12);
});

Deno.test("smeasure: empty prediction of the 6×6 block", () => {
  // object: O_fg = 0 (mean 0), O_bg = 1 (27 values of 1 − 0), u = 9/36 → .75·1 = .75
  // region: LT (4 px, pred 0, gt 1, both constant) → α = β = 0 → 1, weight 4/36; the other
  // quadrants have x̄ = 0 → α = 0, β > 0 → 0.  S = .5·.75 + .5·(4/36)
  near(smeasure(new Uint8Array(36), block6(), 6, 6), 0.375 + 0.5 * (4 / 36), 1e-12);
});

Deno.test("smeasure: empty and all-foreground GT", () => {
  near(smeasure(new Float32Array([0.5, 0, 0, 0]), u8([0, 0, 0, 0]), 2, 2), 0.875); // 1 − mean(pred)
  near(smeasure(new Float32Array([0.5, 1, 1, 1]), u8([1, 1, 1, 1]), 2, 2), 0.875); // mean(pred)
  near(smeasure(u8([0, 0]), u8([0, 0]), 2, 1), 1); // empty GT + empty pred
});

Deno.test("roundHalfEven is numpy's rounding (centroid)", () => {
  assert.deepEqual([0.5, 1.5, 2.5, 2.4, 2.6].map(roundHalfEven), [0, 2, 2, 2, 3]);
});

Deno.test("fmeasureWeighted: hand-computed cases (β² = 1)", () => {
  // perfect → E = 0 everywhere → R = 1, P = 1 → 1
  near(fmeasureWeighted(block6(), block6(), 6, 6), 1, 1e-12);
  near(fmeasureWeighted(u8([1, 0]), u8([0, 0]), 2, 1), 0); // empty GT → 0 (reference rule)
  // 1×3, gt 100, pred 110: E = 0 1 0; Et = 0 0 0 (background takes E of the nearest GT pixel 0)
  // → EA = 0. Pixel 1 (1 px from GT): B = 2 − .5^(1/5). TPw = 1, FPw = B, R = 1,
  // P = 1/(1 + B), F = 2RP/(R + P)
  const B = 2 - Math.pow(0.5, 0.2), P = 1 / (1 + B);
  near(fmeasureWeighted(u8([1, 1, 0]), u8([1, 0, 0]), 3, 1), (2 * P) / (1 + P), 1e-7);
  // 1×3, gt 110, pred 010: E = 1 0 0 = Et. EA(0) = K[3][3]·1 = g², g = 1/Σ_k exp(−k²/50)
  // (7×7 Gaussian σ 5, one row, zero outside): min(E, EA) on GT = (g², 0) → Ew sum g²,
  // R = 1 − g²/2, P = 1, F = 2R/(R + 1)
  let s = 0;
  for (let k = -3; k <= 3; k++) s += Math.exp(-(k * k) / 50);
  const R = 1 - 1 / (s * s) / 2;
  near(fmeasureWeighted(u8([0, 1, 0]), u8([1, 1, 0]), 3, 1), (2 * R) / (R + 1), 1e-7);
});
