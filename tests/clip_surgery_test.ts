/**
 * CLIP Surgery's pieces against hand-computed values: the dual attention (METHOD-NOTES.md §3),
 * the dual-path block wiring, feature surgery, map normalisation and points from a map.
 */
import assert from "node:assert/strict";
import { initTf, tf } from "../kernels/tf/backend.ts";
import { attention, causalMask, layerNorm, type TfBlock, tfBlock } from "../kernels/clip/layers.ts";
import { dualAttention, featureSurgery, featureSurgeryMulti, surgeryBlock } from "../kernels/clip/surgery.ts";
import { mapOnGrid, minMax, similarityMap } from "../kernels/clip/maps.ts";
import { labelFromMap, pointsFromMap } from "../kernels/clip/points.ts";
import type { Block, Linear } from "../kernels/clip/weights.ts";

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `[${i}] ${a[i]} vs ${b[i]}`);
};
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** HF Linear [out, in] on 2 channels. */
const lin = (w: number[], b = [0, 0]): Linear => ({
  w: new Float32Array(w),
  b: new Float32Array(b),
  out: 2,
  in: 2,
});
const ones = { g: new Float32Array([1, 1]), b: new Float32Array([0, 0]) };

/** Width 2, one head: q = k = identity, v = 2·identity, out_proj = identity + bias (0.5, −0.5). */
function tinyBlock(mlpZero = true): TfBlock {
  const zero4 = { w: new Float32Array(16), b: new Float32Array(8), out: 8, in: 2 };
  const b: Block = {
    ln1: ones,
    q: lin([1, 0, 0, 1]),
    k: lin([1, 0, 0, 1]),
    v: lin([2, 0, 0, 2]),
    o: lin([1, 0, 0, 1], [0.5, -0.5]),
    ln2: ones,
    fc1: mlpZero ? zero4 : { ...zero4, w: new Float32Array(16).fill(0.1) },
    fc2: { w: new Float32Array(16), b: new Float32Array(2), out: 2, in: 8 },
  };
  return tfBlock(b);
}

Deno.test("clip surgery: dual attention on a 2-token, width-2 case matches the hand computation", async () => {
  await initTf();
  // Tokens t0 = (1, 0), t1 = (0, 1); d = 2, scale 1/√2.
  // Original path: q·kᵀ = I → softmax rows [σ(1/√2), 1 − σ(1/√2)]; times v = 2I, plus bias.
  // Surgery path: v·vᵀ = 4I → logits 4/√2 = 2√2 → rows [σ(2√2), 1 − σ(2√2)]; times v, plus bias.
  const p = sigmoid(1 / Math.SQRT2), s = sigmoid(2 * Math.SQRT2);
  const blk = tinyBlock();
  const h = tf.tensor3d([[[1, 0], [0, 1]]]);
  for (const perHead of [false, true]) {
    const { res, oriRes } = dualAttention(h, blk, 1, perHead);
    close(await oriRes.data(), [2 * p + 0.5, 2 * (1 - p) - 0.5, 2 * (1 - p) + 0.5, 2 * p - 0.5]);
    close(await res.data(), [2 * s + 0.5, 2 * (1 - s) - 0.5, 2 * (1 - s) + 0.5, 2 * s - 0.5]);
    tf.dispose([res, oriRes]);
  }
  h.dispose();
});

Deno.test("clip surgery: two heads attend within their own channel", async () => {
  await initTf();
  // Heads of width 1 (scale 1): head 0 sees channel 0 = (1, 0) over tokens, head 1 channel 1 = (0, 1).
  // Surgery path, v = 2x: head 0 logits v vᵀ = [[4, 0], [0, 0]] → row 0 [σ(4), 1−σ(4)], row 1 [½, ½];
  // out = rows · (2, 0): token 0 → 2σ(4), token 1 → 1. Head 1 mirrors it: token 0 → 1, token 1 → 2σ(4).
  const blk = tinyBlock();
  const h = tf.tensor3d([[[1, 0], [0, 1]]]);
  const a = 2 * sigmoid(4);
  // Original path, q·k = x² (scale 1): head 0 logits [[1, 0], [0, 0]] → token 0: 2σ(1), token 1: 1.
  const b = 2 * sigmoid(1);
  for (const perHead of [false, true]) {
    const { res, oriRes } = dualAttention(h, blk, 2, perHead);
    close(await res.data(), [a + 0.5, 1 - 0.5, 1 + 0.5, a - 0.5]);
    close(await oriRes.data(), [b + 0.5, 1 - 0.5, 1 + 0.5, b - 0.5]);
    tf.dispose([res, oriRes]);
  }
  h.dispose();
});

Deno.test("clip attention: per-head 2-D and batched paths agree, with and without a causal mask", async () => {
  await initTf();
  const [q, k, v] = [1, 2, 3].map((seed) => tf.randomNormal([2, 70, 12], 0, 1, "float32", seed));
  const mask = causalMask(70);
  for (const m of [undefined, mask]) {
    const a = attention(q, k, v, 3, m, false), b = attention(q, k, v, 3, m, true);
    close(await a.data(), await b.data(), 1e-4);
    tf.dispose([a, b]);
  }
  tf.dispose([q, k, v, mask]);
});

Deno.test("clip surgery: the dual-path block reads x_ori for both paths and skips the MLP on x_new", async () => {
  await initTf();
  const blk = tinyBlock(false);
  const xOri = tf.tensor3d([[[1, 0], [0.2, 0.9]]]);
  const xNew = tf.tensor3d([[[5, -3], [7, 2]]]);
  const out = surgeryBlock(xNew, xOri, blk, 1);
  const ln = layerNorm(xOri, blk.ln1);
  const { res, oriRes } = dualAttention(ln, blk, 1);
  // x_new' = x_new + res(ln_1(x_ori)): no MLP on the new path, and x_new itself is not attended.
  close(await out.xNew.data(), await tf.add(xNew, res).data());
  // x_ori' = x_ori + oriRes + mlp(ln_2(·)); fc2 is zero, so the MLP adds exactly fc2's zero bias.
  close(await out.xOri.data(), await tf.add(xOri, oriRes).data());
  tf.dispose([xOri, xNew, out.xNew, out.xOri, ln, res, oriRes]);
});

Deno.test("clip surgery: single-text feature surgery subtracts the empty-text embedding", () => {
  // F = [(1, 0), (0, 1)], t = (0.6, 0.8), r = (0.6, 0): t − r = (0, 0.8) → [0, 0.8].
  const sim = featureSurgery(
    new Float32Array([1, 0, 0, 1]),
    2,
    new Float32Array([0.6, 0.8]),
    new Float32Array([0.6, 0]),
  );
  close(sim, [0, 0.8]);
});

Deno.test("clip surgery: multi-class feature surgery on one token, two classes", () => {
  // F = (1, 0), T = [(1, 0), (0, 1)]: p = softmax(2·[1, 0]) = [a, 1 − a], a = e²/(e² + 1);
  // w = p / mean(p) = 2p; products: class 0 (w0, 0), class 1 (0, 0); class mean (w0/2, 0);
  // sums: class 0 → w0/2 = a, class 1 → −a.
  const a = Math.exp(2) / (Math.exp(2) + 1);
  close(featureSurgeryMulti(new Float32Array([1, 0]), new Float32Array([1, 0, 0, 1]), 2), [a, -a]);
});

Deno.test("clip surgery: multi-class weights come from the CLS token once, not per token (3 tokens, 2 classes)", () => {
  // Reference clip.py ~l.294: p = softmax(2·F_cls·Tᵀ) = [a, 1 − a], w = 2p for every token. With
  // T = [(1, 0), (0, 1)], token (f0, f1) scores class 0: a·f0 − (1 − a)·f1 and class 1 the negative.
  // Per-token weights would give token (0, 1) −a for class 0, not −(1 − a).
  const a = Math.exp(2) / (Math.exp(2) + 1);
  const image = new Float32Array([1, 0, 0, 1, 0.6, 0.8]); // CLS, token 1, token 2
  const want = [a, -(1 - a), 0.6 * a - 0.8 * (1 - a)].flatMap((v) => [v, -v]);
  close(featureSurgeryMulti(image, new Float32Array([1, 0, 0, 1]), 2), want);
  // three classes: the weights still sum to K and the class scores of each token sum to zero
  const three = featureSurgeryMulti(image, new Float32Array([1, 0, 0, 1, 0.6, 0.8]), 2);
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(three[3 * i] + three[3 * i + 1] + three[3 * i + 2]) < 1e-6);
});

Deno.test("clip maps: CLS dropped, min-max, bilinear upsample to the image size", () => {
  // tokens: CLS 100 (ignored), grid [[0, 1], [2, 3]] → min-max [0, 1/3, 2/3, 1].
  const m = similarityMap(new Float32Array([100, 0, 1, 2, 3]), 4, 4);
  close(m.grid, [0, 1 / 3, 2 / 3, 1]);
  assert.equal(m.full.length, 16);
  // align_corners = false: output (1, 1) samples source (0.25, 0.25): rows 1/12 and 3/4 → 0.25.
  close([m.full[0], m.full[15], m.full[5]], [0, 1, 0.25]);
  assert.deepEqual(Array.from(minMax(new Float32Array([2, 2]))), [0, 0]);
});

Deno.test("clip maps: map64 on a padded grid covers the image's top-left extent, zeros elsewhere", () => {
  // 32×48 → SAM resizes to 683×1024 (int(32·1024/48 + 0.5)); on 64: 42.69 → 43 columns, 64 rows.
  const ones = new Float32Array([1, 1, 1, 1]);
  const padded = mapOnGrid(ones, 2, 32, 48, true);
  for (let y = 0; y < 64; y++) {
    for (let x = 0; x < 64; x++) assert.equal(padded[y * 64 + x], x < 43 ? 1 : 0, `(${x}, ${y})`);
  }
  assert.deepEqual(new Set(mapOnGrid(ones, 2, 32, 48, false)), new Set([1]));
});

Deno.test("clip points: CLIP Surgery's points from a 4×4 map", () => {
  // 4×4 grid of values 0..15 → ×2 bilinear downsample = 2×2 means [2.5, 4.5, 10.5, 12.5]
  // → min-max [0, 0.2, 0.8, 1]; 2 cells ≥ 0.8, cells/2 = 2 → num 2: positives cells 2, 3,
  // negatives cells 0, 1, at cell centres ×(100/2) in a 100×60 image.
  const grid = Float32Array.from({ length: 16 }, (_, i) => i);
  assert.deepEqual(pointsFromMap(grid, 4, 100, 60), [
    { x: 25, y: 45, label: 1 },
    { x: 75, y: 45, label: 1 },
    { x: 25, y: 15, label: 0 },
    { x: 75, y: 15, label: 0 },
  ]);
});

Deno.test("clip points: SCLIP label reads the full map, else the 64×64 grid", () => {
  const map64 = new Float32Array(64 * 64);
  map64[63] = 0.9; // top-right cell
  const m = { map64, width: 640, height: 320 };
  assert.equal(labelFromMap(m, 639, 0), 1);
  assert.equal(labelFromMap(m, 0, 0), 0);
  // Padded layout (SAM's): the 640×320 image covers grid rows 0..31 only; stretched: all 64.
  map64[31 * 64] = 0.9;
  assert.equal(labelFromMap(m, 0, 319), 1);
  assert.equal(labelFromMap(m, 0, 319, 0.5, false), 0);
  const full = new Float32Array(640 * 320);
  full[5 * 640 + 7] = 0.6;
  assert.equal(labelFromMap({ ...m, full }, 7, 5), 1);
  assert.equal(labelFromMap({ ...m, full }, 639, 0), 0);
});
