import assert from "node:assert/strict";
import { initTf, tf } from "../kernels/tf/backend.ts";
import { type Branch, createSrm, SRM_LR, type SrmInput } from "../kernels/srm/srm.ts";
import { diceBce, diceBceGrad } from "../kernels/srm/loss.ts";
import { makeRng } from "../core/rng.ts";

const N = 64 * 64;

/** Channels 0–3 carry ±0.7 inside/outside a disc under unit noise; the rest is noise. GT = the disc. */
function synthetic(channels: number, seed: number) {
  const rng = makeRng(seed);
  const embedding = new Float32Array(channels * N), gt = new Float32Array(N);
  const prevMask = new Float32Array(N), clipMap = new Float32Array(N);
  for (let y = 0; y < 64; y++) {
    for (let x = 0; x < 64; x++) {
      const p = y * 64 + x, d = Math.hypot(x - 30, y - 34), inside = d < 16 ? 1 : 0;
      gt[p] = inside;
      prevMask[p] = d < 22 ? 0.8 : 0.3; // a coarse, too-large previous mask
      clipMap[p] = Math.exp(-(d * d) / 600);
      for (let c = 0; c < channels; c++) {
        embedding[c * N + p] = (c < 4 ? (inside ? 0.7 : -0.7) : 0) + rng.normal();
      }
    }
  }
  return { x: { embedding, channels, prevMask, clipMap } as SrmInput, gt };
}

function iou(prob: Float32Array, gt: Float32Array): number {
  let inter = 0, union = 0;
  for (let i = 0; i < prob.length; i++) {
    const a = prob[i] > 0.5, b = gt[i] > 0.5;
    if (a && b) inter++;
    if (a || b) union++;
  }
  return inter / union;
}

for (const [branch, steps] of [["implicit", 200], ["explicit", 100]] as [Branch, number][]) {
  Deno.test(`srm ${branch}: training drives the loss down and predicts the disc (IoU > 0.7) on unseen noise`, async () => {
    await initTf();
    const C = 16, { x, gt } = synthetic(C, 1);
    const srm = createSrm({ branch, channels: C, seed: 0, lr: SRM_LR, state: "signed" });
    const losses: number[] = [];
    for (let i = 0; i < steps; i++) losses.push(srm.train(x, gt, 1));
    const first = losses[0], last = losses.slice(-10).reduce((a, b) => a + b) / 10;
    assert.ok(last < 0.2 * first, `${branch}: loss ${first} → ${last}`);
    const fresh = synthetic(C, 2); // same disc, new noise
    const score = iou(srm.predict(fresh.x), fresh.gt);
    assert.ok(score > 0.7, `${branch}: IoU ${score}`);
    srm.dispose();
  });
}

Deno.test("srm: same seed → same predictions; weights round-trip into another SRM exactly", async () => {
  await initTf();
  for (const branch of ["implicit", "explicit"] as Branch[]) {
    const { x, gt } = synthetic(8, 3);
    const a = createSrm({ branch, channels: 8, seed: 5, lr: SRM_LR, state: "signed" });
    const b = createSrm({ branch, channels: 8, seed: 5, lr: SRM_LR, state: "signed" });
    assert.deepEqual(a.train(x, gt, 3), b.train(x, gt, 3));
    assert.deepEqual(a.predict(x), b.predict(x));
    const c = createSrm({ branch, channels: 8, seed: 6, lr: SRM_LR, state: "signed" });
    assert.notDeepEqual(c.predict(x), a.predict(x));
    c.setWeights(a.getWeights());
    assert.deepEqual(c.predict(x), a.predict(x));
    for (const s of [a, b, c]) s.dispose();
  }
});

Deno.test("srm: explicit branch needs a clip map; bad inputs and weights are named", async () => {
  await initTf();
  const { x, gt } = synthetic(8, 4);
  const srm = createSrm({ branch: "explicit", channels: 8, seed: 0, lr: SRM_LR, state: "signed" });
  assert.throws(
    () => srm.predict({ ...x, clipMap: undefined }),
    /explicit branch needs the CLIP-Surgery map/,
  );
  assert.throws(() => srm.train({ ...x, clipMap: undefined }, gt, 1), /SrmInput\.clipMap/);
  assert.throws(() => srm.predict({ ...x, channels: 4 }), /4 channels, this SRM was built for 8/);
  assert.throws(() => srm.train(x, new Float32Array(10), 1), /gt64 has 10 values/);
  const w = srm.getWeights();
  assert.throws(
    () => srm.setWeights({ ...w, "head.w": { shape: [2], data: new Float32Array(2) } }),
    /"head\.w"/,
  );
  const { ["att.q"]: _drop, ...missing } = w;
  assert.throws(() => srm.setWeights(missing), /missing "att\.q"/);
  const implicit = createSrm({ branch: "implicit", channels: 8, seed: 0, lr: SRM_LR, state: "signed" });
  assert.throws(() => implicit.setWeights(w), /unknown tensors/);
  srm.dispose();
  implicit.dispose();
  assert.throws(() => srm.predict(x), /after dispose/);
});

Deno.test("srm: no tensors leak across predict/train calls or after dispose", async () => {
  await initTf();
  const base = tf.memory().numTensors;
  for (const branch of ["implicit", "explicit"] as Branch[]) {
    const { x, gt } = synthetic(8, 5);
    const srm = createSrm({ branch, channels: 8, seed: 0, lr: SRM_LR, state: "signed" });
    srm.train(x, gt, 1);
    srm.predict(x);
    const after = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      srm.predict({ ...x, prevMask: x.prevMask.map((v) => v * 0.9) }); // a new state each time
      srm.train(x, gt, 2, new Uint8Array(N));
      assert.equal(tf.memory().numTensors, after, `${branch}: call ${i}`);
    }
    srm.dispose();
    assert.equal(tf.memory().numTensors, base, `${branch}: after dispose`);
  }
});

Deno.test("srm loss: hand-computed Dice + BCE at zero logits, with and without ignored pixels", async () => {
  await initTf();
  // 4 pixels, logits 0 (p = 0.5), target [1, 1, 0, 0]: BCE = ln 2;
  // Dice = 1 − (2·Σpg + 1)/(Σp + Σg + 1) = 1 − (2·1 + 1)/(2 + 2 + 1) = 0.4
  const z = tf.zeros([4]), g = tf.tensor1d([1, 1, 0, 0]);
  const all = diceBce(z, g, tf.ones([4])).dataSync()[0];
  assert.ok(Math.abs(all - (Math.LN2 + 0.4)) < 1e-5, `${all}`);
  // ignore the last two: BCE still ln 2; Dice = 1 − (2·1 + 1)/(1 + 2 + 1) = 0.25
  const part = diceBce(z, g, tf.tensor1d([1, 1, 0, 0])).dataSync()[0];
  assert.ok(Math.abs(part - (Math.LN2 + 0.25)) < 1e-5, `${part}`);
  // SRM.train(steps = 0) with everything ignored: both terms vanish
  const { x, gt } = synthetic(8, 6);
  const srm = createSrm({ branch: "implicit", channels: 8, seed: 0, lr: SRM_LR, state: "signed" });
  assert.equal(srm.train(x, gt, 0, new Uint8Array(N).fill(1)), 0);
  srm.dispose();
});

Deno.test("srm loss: the JS loss and logit gradient match tfjs autodiff of diceBce", async () => {
  await initTf();
  const rng = makeRng(9), n = 300;
  const z = Float32Array.from({ length: n }, () => 3 * rng.normal());
  const g = Float32Array.from({ length: n }, () => rng.next()); // soft targets
  const w = Float32Array.from({ length: n }, () => (rng.next() < 0.2 ? 0 : 1));
  const { loss, dz } = diceBceGrad(z, g, w);
  const [gt, wt] = [tf.tensor1d(g), tf.tensor1d(w)];
  const ref = diceBce(tf.tensor1d(z), gt, wt).dataSync()[0];
  assert.ok(Math.abs(loss - ref) < 1e-5, `${loss} vs ${ref}`);
  const dref = tf.grad((t: tf.Tensor) => diceBce(t, gt, wt))(tf.tensor1d(z)).dataSync();
  for (let i = 0; i < n; i++) assert.ok(Math.abs(dz[i] - dref[i]) < 1e-6, `dz[${i}] ${dz[i]} vs ${dref[i]}`);
});
