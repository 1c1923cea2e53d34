import assert from "node:assert/strict";
import { initTf, tf } from "../kernels/tf/backend.ts";
import { conv2d, type ConvPath, defaultConvPath } from "../kernels/tf/conv2d.ts";
import { makeRng } from "../core/rng.ts";

function randn(shape: number[], seed: number, scale = 1): tf.Tensor {
  const rng = makeRng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = rng.normal() * scale;
  return tf.tensor(data, shape);
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  assert.deepEqual(a.shape, b.shape);
  const x = a.dataSync(), y = b.dataSync();
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  return m;
}

const CASES: { x: number[]; w: number[]; pad: "same" | "valid" }[] = [
  { x: [2, 6, 7, 3], w: [3, 3, 3, 4], pad: "same" },
  { x: [2, 6, 7, 3], w: [3, 3, 3, 4], pad: "valid" },
  { x: [1, 5, 6, 2], w: [2, 3, 2, 3], pad: "same" }, // even kernel height: asymmetric padding
  { x: [1, 8, 8, 5], w: [1, 1, 5, 2], pad: "same" },
];

Deno.test("conv2d: im2col and hybrid forward equal tf.conv2d on the picked backend", async () => {
  await initTf();
  tf.tidy(() => {
    for (const [k, c] of CASES.entries()) {
      const x = randn(c.x, 10 + k) as tf.Tensor4D, w = randn(c.w, 20 + k, 0.3) as tf.Tensor4D;
      const ref = tf.conv2d(x, w, 1, c.pad);
      for (const path of ["im2col", "hybrid"] as ConvPath[]) {
        const d = maxAbsDiff(conv2d(x, w, { pad: c.pad, path }), ref);
        assert(d < 1e-4, `${path} ${JSON.stringify(c)}: max diff ${d}`);
      }
    }
  });
});

Deno.test("conv2d: gradients w.r.t. x and w agree across paths on the cpu backend", async () => {
  const before = await initTf();
  await tf.setBackend("cpu"); // the only backend here with every native conv gradient
  try {
    tf.tidy(() => {
      for (const [k, c] of CASES.entries()) {
        const x = randn(c.x, 30 + k), w = randn(c.w, 40 + k, 0.3);
        const grads = (path: ConvPath) =>
          tf.grads((a: tf.Tensor, b: tf.Tensor) => {
            const y = conv2d(a as tf.Tensor4D, b as tf.Tensor4D, { pad: c.pad, path });
            return tf.sum(tf.mul(y, randn(y.shape, 50 + k))); // a fixed random linear read-out
          })([x, w]);
        const [dxRef, dwRef] = grads("native");
        for (const path of ["im2col", "hybrid"] as ConvPath[]) {
          const [dx, dw] = grads(path);
          const ex = maxAbsDiff(dx, dxRef), ew = maxAbsDiff(dw, dwRef);
          assert(ex < 1e-4 && ew < 1e-4, `${path} ${JSON.stringify(c)}: |dx| ${ex}, |dw| ${ew}`);
        }
      }
    });
  } finally {
    await tf.setBackend(before);
  }
});

Deno.test("conv2d: a kernel learns through the default path and through im2col (loss decreases)", async () => {
  const backend = await initTf();
  if (backend === "wasm") {
    // The premise: tf.conv2d alone cannot learn a kernel on wasm (no Conv2DBackpropFilter).
    assert.equal(defaultConvPath(), "hybrid");
    tf.tidy(() => {
      const x = tf.ones([1, 4, 4, 1]) as tf.Tensor4D;
      assert.throws(() =>
        tf.grad((w) => tf.sum(tf.conv2d(x, w as tf.Tensor4D, 1, "same")))(tf.ones([3, 3, 1, 1]))
      );
    });
  }
  for (const path of [undefined, "im2col"] as (ConvPath | undefined)[]) {
    const x = randn([1, 12, 12, 4], 1) as tf.Tensor4D;
    const target = tf.tidy(() => tf.conv2d(x, randn([3, 3, 4, 2], 2, 0.5) as tf.Tensor4D, 1, "same"));
    const w = tf.variable(randn([3, 3, 4, 2], 3, 0.1));
    const opt = tf.train.adam(0.05);
    const losses: number[] = [];
    for (let i = 0; i < 60; i++) {
      const l = opt.minimize(
        () =>
          tf.mean(tf.square(tf.sub(conv2d(x, w as unknown as tf.Tensor4D, { pad: "same", path }), target))),
        true,
      )!;
      losses.push(l.dataSync()[0]);
      l.dispose();
    }
    assert(
      losses[59] < losses[0] * 0.1,
      `${backend} path ${path ?? "default"}: ${losses[0]} → ${losses[59]}`,
    );
    opt.dispose();
    tf.dispose([x, target, w]);
  }
});

Deno.test("conv2d: errors name the mismatch", async () => {
  await initTf();
  tf.tidy(() => {
    const x = tf.zeros([1, 4, 4, 3]) as tf.Tensor4D;
    assert.throws(() => conv2d(x, tf.zeros([3, 3, 2, 1]) as tf.Tensor4D, { pad: "same" }), /3 channels/);
    assert.throws(() => conv2d(x, tf.zeros([5, 5, 3, 1]) as tf.Tensor4D, { pad: "valid" }), /larger/);
  });
});
