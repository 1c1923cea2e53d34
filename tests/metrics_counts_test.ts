/** IoU, MAE, BER, FR: hand-computed values (the arithmetic is in the comments). */
import assert from "node:assert/strict";
import { iou, iouCounts, meanIou, perClassPooledMiou, pooledIou } from "../kernels/metrics/iou.ts";
import { mae } from "../kernels/metrics/mae.ts";
import { ber, berPooled } from "../kernels/metrics/ber.ts";
import { fr, frActions } from "../kernels/metrics/fr.ts";

const u8 = (a: number[]) => new Uint8Array(a);
const f32 = (a: number[]) => new Float32Array(a);
const near = (a: number, b: number, eps = 1e-9) =>
  assert.ok(Math.abs(a - b) <= eps, `expected ${b}, got ${a}`);

Deno.test("iou: overlap, degenerate cases, soft threshold, ignore", () => {
  // pred 1100, gt 0110: ∩ = 1 (index 1), ∪ = 3 → 1/3
  assert.deepEqual(iouCounts(u8([1, 1, 0, 0]), u8([0, 1, 1, 0])), { inter: 1, union: 3 });
  near(iou(u8([1, 1, 0, 0]), u8([0, 1, 1, 0])), 1 / 3);
  near(iou(u8([0, 0]), u8([0, 0])), 1); // empty GT and empty pred: correct "nothing here"
  near(iou(u8([0, 0]), u8([0, 1])), 0); // empty pred
  near(iou(u8([1, 1, 1, 1]), u8([0, 1, 0, 0])), 1 / 4); // all-foreground pred: ∩ 1, ∪ 4
  near(iou(u8([1, 0]), u8([0, 0])), 0); // empty GT, non-empty pred
  // ignore index 0 removes the false positive there: ∩ 1, ∪ 2
  near(iou(u8([1, 1, 0, 0]), u8([0, 1, 1, 0]), u8([1, 0, 0, 0])), 1 / 2);
  // soft binarised at ≥ 0.5: [1, 0] vs [1, 1] → 1/2
  near(iou(f32([0.5, 0.49]), u8([1, 1])), 1 / 2);
});

Deno.test("iou pooling: per-image mean vs Σ∩/Σ∪ vs PerSAM per-class", () => {
  const a = { inter: 1, union: 3 }, b = { inter: 3, union: 3 };
  near(meanIou([1 / 3, 1]), 2 / 3); // (1/3 + 1)/2
  near(pooledIou([a, b]), 4 / 6); // (1 + 3)/(3 + 3)
  near(pooledIou([{ inter: 0, union: 0 }]), 1);
  const r = perClassPooledMiou([
    { cls: "cat", ...a },
    { cls: "cat", ...b }, // cat: 4/6
    { cls: "dog", inter: 1, union: 4 }, // dog: 1/4
  ]);
  near(r.perClass.cat, 4 / 6);
  near(r.perClass.dog, 1 / 4);
  near(r.miou, (4 / 6 + 1 / 4) / 2);
});

Deno.test("mae: soft, binary, ignore", () => {
  // |.5−1| + |1−1| + |0−0| + |.25−0| = .75 over 4
  near(mae(f32([0.5, 1, 0, 0.25]), u8([1, 1, 0, 0])), 0.1875, 1e-7);
  near(mae(f32([0.5, 1, 0, 0.25]), u8([1, 1, 0, 0]), u8([1, 0, 0, 0])), 0.25 / 3, 1e-7);
  near(mae(u8([1, 0, 0, 0]), u8([0, 0, 0, 0])), 0.25);
  near(mae(u8([1, 1]), u8([1, 1])), 0);
});

Deno.test("ber: balanced error, degenerate cases, pooling", () => {
  // TP 1 of Np 2, TN 2 of Nn 2 → 1 − ½(½ + 1) = ¼
  near(ber(u8([1, 0, 0, 0]), u8([1, 1, 0, 0])), 0.25);
  near(ber(u8([1, 0, 0, 0]), u8([0, 0, 0, 0])), 0.25); // empty GT: 1 − TN/Nn = 1 − 3/4
  near(ber(u8([1, 0, 0, 0]), u8([1, 1, 1, 1])), 0.75); // all-foreground GT: 1 − TP/Np = 1 − 1/4
  near(ber(u8([0, 0]), u8([0, 0])), 0); // empty GT, empty pred
  near(ber(u8([0, 0, 0, 0]), u8([1, 1, 0, 0])), 0.5); // empty pred: 1 − ½(0 + 1)
  near(ber(u8([1, 1, 1, 1]), u8([1, 1, 0, 0])), 0.5); // all-foreground pred: 1 − ½(1 + 0)
  // pooled: TP 3/4, TN 2/4 → 1 − ½(¾ + ½) = 0.375
  near(berPooled([{ tp: 1, tn: 2, np: 2, nn: 2 }, { tp: 2, tn: 0, np: 2, nn: 2 }]), 0.375);
});

Deno.test("fr: share of points on GT foreground (supp. Eq. 1)", () => {
  near(fr([{ x: 0, y: 0 }, { x: 1, y: 0 }], u8([1, 0, 0, 0]), 2, 2), 0.5);
  near(fr([{ x: 0.4, y: 0.4 }], u8([1, 0, 0, 0]), 2, 2), 1); // rounded to pixel (0, 0)
  // 800×800 GT with only the top-left 80×80 cell on: action 0 → (40, 40) hit, action 99 miss
  const gt = new Uint8Array(800 * 800);
  for (let y = 0; y < 80; y++) gt.fill(1, y * 800, y * 800 + 80);
  near(frActions([0, 99, 0], gt, 800, 800), 2 / 3);
  assert.throws(() => fr([], gt, 800, 800), /no points/);
});

Deno.test("inputs are validated: sizes and 0/1 values, naming the metric", () => {
  assert.throws(() => iou(u8([1]), u8([1, 0])), /iou: sizes differ/);
  assert.throws(() => mae(u8([255, 0]), u8([1, 0])), /mae: pred must hold 0\/1, found 255/);
  assert.throws(() => ber(f32([1.5, 0]), u8([1, 0])), /ber: soft pred must be in \[0, 1\]/);
});
