import assert from "node:assert/strict";

const assertEquals = (a: unknown, b: unknown, msg = "") => assert.deepStrictEqual(a, b, msg);
const assertAlmostEquals = (a: number, b: number, eps: number, msg = "") =>
  assert.ok(Math.abs(a - b) <= eps, `${msg} expected ${b}, got ${a}`);
const assertThrows = (fn: () => unknown, cls: new (...a: never[]) => Error, text: string) =>
  assert.throws(fn, (e: Error) => e instanceof cls && e.message.includes(text));
import { resizeAreaF32, resizeBilinear, resizeNearest } from "../kernels/masks/resize.ts";
import { binarize, lowResToGrid, sigmoid } from "../kernels/masks/threshold.ts";

const close = (a: ArrayLike<number>, b: number[], eps = 1e-6) => {
  assertEquals(a.length, b.length);
  for (let i = 0; i < b.length; i++) assertAlmostEquals(a[i], b[i], eps, `index ${i}`);
};

Deno.test("resizeBilinear 2→4 matches torch align_corners=False", () => {
  // torch.nn.functional.interpolate([[0,1]], size=4, mode="linear") = [0, .25, .75, 1]:
  // centres (d+.5)/2-.5 = -.25→0 (clamped), .25, .75, 1.25→ taps (1,1)
  close(resizeBilinear(new Float32Array([0, 1]), 2, 1, 4, 1), [0, 0.25, 0.75, 1]);
});

Deno.test("resizeBilinear 4→2 downsampling averages neighbours (no antialias)", () => {
  // centres (d+.5)*2-.5 = .5, 2.5 → (0+2)/2 = 1, (4+6)/2 = 5
  close(resizeBilinear(new Float32Array([0, 2, 4, 6]), 4, 1, 2, 1), [1, 5]);
});

Deno.test("resizeBilinear 2D: 2×2 → 3×3 centre is the mean", () => {
  // scale 2/3: centre pixel maps to (1.5)(2/3)-.5 = .5 in both axes → mean of 0,1,2,3 = 1.5
  const out = resizeBilinear(new Float32Array([0, 1, 2, 3]), 2, 2, 3, 3);
  assertAlmostEquals(out[4], 1.5, 1e-6);
  assertAlmostEquals(out[0], 0, 1e-6); // (.5)(2/3)-.5 = -1/6 → clamped to 0
});

Deno.test("resizeNearest round-trips an upsampled mask", () => {
  const m = new Uint8Array([1, 0, 0, 1, 1, 0]); // 3×2
  const up = resizeNearest(m, 3, 2, 9, 6);
  assertEquals(up[0], 1);
  assertEquals(up[8], 0);
  assertEquals(resizeNearest(up, 9, 6, 3, 2), m);
});

Deno.test("resizeAreaF32 averages boxes with fractional overlap", () => {
  close(resizeAreaF32(new Uint8Array([0, 1, 1, 1]), 4, 1, 2, 1), [0.5, 1]);
  // 3 → 2: cell 0 covers [0,1.5): (1·a + .5·b)/1.5, cell 1 covers [1.5,3): (.5·b + c)/1.5
  close(resizeAreaF32(new Float32Array([3, 0, 6]), 3, 1, 2, 1), [2, 4]);
  // 4×4 → 2×2 with a single 1 in the top-left 2×2 block → 0.25 there
  const g = new Uint8Array(16);
  g[0] = 1;
  close(resizeAreaF32(g, 4, 4, 2, 2), [0.25, 0, 0, 0]);
});

Deno.test("resize rejects a size mismatch, naming the function", () => {
  assertThrows(() => resizeBilinear(new Float32Array(3), 2, 2, 1, 1), RangeError, "resizeBilinear");
});

Deno.test("sigmoid, binarize and lowResToGrid", () => {
  close(sigmoid(new Float32Array([0, Math.log(3)])), [0.5, 0.75]);
  assertEquals(binarize(new Float32Array([-1, 0, 2]), 0), new Uint8Array([0, 0, 1]));
  const logits = new Float32Array(256 * 256).fill(Math.log(3)); // sigmoid = .75 everywhere
  const g = lowResToGrid(logits);
  assertEquals(g.length, 64 * 64);
  assertAlmostEquals(g[123], 0.75, 1e-6);
});
