import assert from "node:assert/strict";
import { labelPoint, sampleGrid } from "../kernels/agent/label.ts";
import { rewardAt } from "../kernels/agent/env.ts";
import { cellCenter } from "../kernels/masks/grid.ts";
import { makeRng } from "../core/rng.ts";

const N = 64;
const grid = (f: (x: number, y: number) => number) => {
  const m = new Float32Array(N * N);
  for (let y = 0; y < N; y++) for (let x = 0; x < N; x++) m[y * N + x] = f(x, y);
  return m;
};
const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-6, `${a} ≠ ${b}`);

Deno.test("sampleGrid: stretched layout, hand-computed bilinear values", () => {
  const m = grid((x, y) => x + 10 * y); // linear, so bilinear reproduces it inside the grid
  close(sampleGrid(m, 1, 0.5, 64, 64, false), 0.5); // grid (0.5, 0)
  close(sampleGrid(m, 3.25, 2.75, 64, 64, false), 2.75 + 10 * 2.25);
  close(sampleGrid(m, 0, 0, 64, 64, false), 0); // clamped to the first centre
  close(sampleGrid(m, 64, 64, 64, 64, false), 63 + 630); // clamped to the last centre
  // a 640×320 image stretched: x scales by 0.1, y by 0.2
  close(sampleGrid(m, 25, 12.5, 640, 320, false), 2 + 10 * 2);
});

Deno.test("sampleGrid: SAM's padded layout reads only the image's top-left extent", () => {
  // 128×64 image: long side → 64 grid pixels, short side → 32; rows 32.. are padding.
  const m = grid((x, y) => (y >= 32 ? 100 : [[0, 1], [2, 3]][Math.min(y, 1)][Math.min(x, 1)]));
  close(sampleGrid(m, 2, 2, 128, 64), 1.5); // grid (0.5, 0.5): mean of 0, 1, 2, 3
  close(sampleGrid(m, 1, 1, 128, 64), 0); // grid (0, 0)
  close(sampleGrid(m, 0, 64, 128, 64), 2); // bottom edge clamps to row 31, not the padding
  assert.throws(() => sampleGrid(new Float32Array(10), 0, 0, 8, 8), /10 values/);
});

Deno.test("labelPoint: srm and last threshold at 0.5 (strict), none is always positive", () => {
  const ctx = { x: 30, y: 30, width: 64, height: 64 };
  assert.equal(labelPoint("srm", { ...ctx, srm: grid(() => 0.6) }), 1);
  assert.equal(labelPoint("srm", { ...ctx, srm: grid(() => 0.5) }), 0);
  assert.equal(labelPoint("last", { ...ctx, prevMask: grid((x) => (x < 32 ? 0.9 : 0.1)) }), 1);
  assert.equal(labelPoint("last", { ...ctx, x: 40, prevMask: grid((x) => (x < 32 ? 0.9 : 0.1)) }), 0);
  assert.equal(labelPoint("none", ctx), 1);
});

Deno.test("labelPoint: sclip min-max normalises over the image, then ≥ 0.5", () => {
  // values 0.2..0.4 inside a 64×32 image extent (128×64 image), 5 in the padding (ignored)
  const clipMap = grid((x, y) => (y >= 32 ? 5 : 0.2 + (0.2 * x) / 63));
  const at = (gx: number) => ({ x: (gx + 0.5) * 2, y: 10, width: 128, height: 64, clipMap });
  assert.equal(labelPoint("sclip", at(31.5)), 1); // exactly the midpoint 0.3 → 0.5
  assert.equal(labelPoint("sclip", at(31)), 0);
  assert.equal(labelPoint("sclip", at(63)), 1);
  assert.equal(labelPoint("sclip", { ...at(0), clipMap: grid(() => 0.1) }), 1); // flat map: 0.5
});

Deno.test("labelPoint: a missing map names the variant and what it needs", () => {
  const ctx = { x: 1, y: 1, width: 64, height: 64 };
  assert.throws(() => labelPoint("sclip", ctx), /sclip needs CLIP-Surgery maps \(clip = none\)/);
  assert.throws(() => labelPoint("srm", ctx), /srm needs the SRM's prediction/);
  assert.throws(() => labelPoint("last", ctx), /last needs the segmenter's previous mask/);
  // deno-lint-ignore no-explicit-any
  assert.throws(() => labelPoint("bogus" as any, ctx), /unknown label variant "bogus"/);
});

Deno.test("labelPoint: gt reads the ground-truth pixel under the point (rounded, as the reward), scaling a smaller mask", () => {
  // 4×2 mask: right half is target
  const gtMask = { width: 4, height: 2, data: new Uint8Array([0, 0, 1, 1, 0, 0, 1, 1]) };
  const at = (x: number, y: number, width = 4, height = 2) =>
    labelPoint("gt", { x, y, width, height, gtMask });
  assert.equal(at(1.4, 0.5), 0);
  assert.equal(at(1.6, 0.5), 1); // rounds onto column 2
  assert.equal(at(3.99, 1.99), 1);
  // the same mask under an 8×4 image: x = 2.9 reads mask column 1.45 → 1 (background), 3.1 → 1.55 → 2
  assert.equal(at(2.9, 1, 8, 4), 0);
  assert.equal(at(3.1, 1, 8, 4), 1);
  assert.throws(
    () => labelPoint("gt", { x: 0, y: 0, width: 4, height: 2 }),
    /gt needs the ground-truth mask/,
  );
});

Deno.test("labelPoint: gt labels every cell centre exactly as the reward scores it (the ceiling is exact)", () => {
  const width = 500, height = 375, rng = makeRng(3);
  const data = new Uint8Array(width * height).map(() => (rng.next() < 0.5 ? 1 : 0));
  const gt = { mask: { width, height, data } };
  for (let k = 0; k < 100; k++) {
    const { x, y } = cellCenter(k, width, height);
    assert.equal(
      labelPoint("gt", { x, y, width, height, gtMask: gt.mask }) === 1,
      rewardAt(gt, x, y).fg,
      `cell ${k}`,
    );
  }
});
