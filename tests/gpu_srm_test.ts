/**
 * SRM forward and backward on tfjs WebGPU against the wasm backend (the CPU path), both branches,
 * 16-channel 64×64 embeddings. WebGPU trains conv2d natively; wasm through the hybrid custom
 * gradient (kernels/tf/conv2d.ts), so this also checks the two gradient paths agree.
 * Tolerances (float32, sums reordered on the GPU): probabilities 1e-4 absolute; the loss 1e-4
 * relative; each parameter's gradient 1e-3 of that tensor's largest |gradient|.
 */
import { type Branch, createSrm, SRM_LR } from "../kernels/srm/srm.ts";
import { forward, paramSpecs } from "../kernels/srm/net.ts";
import { diceBce } from "../kernels/srm/loss.ts";
import { embeddingScale, pooledState, RES } from "../kernels/srm/input.ts";
import { tf } from "../kernels/tf/backend.ts";
import { makeRng } from "../core/rng.ts";
import { agreement, assertClose, gpuAgreementTest } from "./gpu_helpers.ts";

const C = 16, N = 64 * 64;

function inputs(seed: number) {
  const rng = makeRng(seed);
  const disc = (p: number, r: number) => Math.hypot((p % 64) - 30, Math.floor(p / 64) - 34) < r ? 1 : 0;
  const gt = Float32Array.from({ length: N }, (_, p) => disc(p, 16));
  const embedding = Float32Array.from(
    { length: C * N },
    (_, i) => (i < 4 * N ? 0.7 * (2 * gt[i % N] - 1) : 0) + rng.normal(),
  );
  const prevMask = Float32Array.from({ length: N }, (_, p) => disc(p, 22) ? 0.8 : 0.3);
  const clipMap = Float32Array.from({ length: N }, () => rng.next());
  return { x: { embedding, channels: C, prevMask, clipMap }, gt };
}

/** Forward (predict), the Dice + BCE loss and its gradient w.r.t. every parameter, on the current backend. */
function forwardBackward(branch: Branch) {
  const { x, gt } = inputs(7);
  const srm = createSrm({ branch, channels: C, seed: 3, lr: SRM_LR, state: "signed" });
  const prob = srm.predict(x);
  const weights = srm.getWeights();
  srm.dispose();
  const scale = embeddingScale(x.embedding);
  const state = (mask: Float32Array) => {
    const { rows, cols } = pooledState(x.embedding, C, mask, scale);
    return { rows: tf.tensor2d(rows, [RES * RES, C]), cols: tf.tensor2d(cols, [C, RES * RES]) };
  };
  const st = state(x.prevMask), sc = branch === "explicit" ? state(x.clipMap) : undefined;
  const names = paramSpecs(branch, C).map((s) => s.name);
  const vars = Object.fromEntries(
    names.map((n) => [n, tf.variable(tf.tensor(weights[n].data, weights[n].shape))]),
  );
  const target = tf.tensor4d(gt, [1, 64, 64, 1]), weight = tf.onesLike(target);
  const { value, grads } = tf.variableGrads(
    () => diceBce(forward(branch, vars, st, sc), target, weight),
    Object.values(vars),
  );
  const out = {
    prob,
    loss: value.dataSync()[0],
    grads: Object.fromEntries(names.map((n) => [n, grads[vars[n].name].dataSync() as Float32Array])),
  };
  tf.dispose([value, ...Object.values(grads), ...Object.values(vars), st.rows, st.cols, target, weight]);
  if (sc) tf.dispose([sc.rows, sc.cols]);
  return out;
}

for (const branch of ["implicit", "explicit"] as Branch[]) {
  gpuAgreementTest(
    `gpu srm ${branch}: WebGPU forward and backward equal wasm's within tolerance`,
    () => forwardBackward(branch),
    (gpu, cpu) => {
      assertClose(`srm ${branch} forward (probabilities)`, gpu.prob, cpu.prob, 0, 1e-4);
      assertClose(`srm ${branch} loss`, [gpu.loss], [cpu.loss], 1e-4);
      let worst = 0;
      for (const [name, g] of Object.entries(cpu.grads)) {
        worst = Math.max(worst, assertClose(`srm ${branch} ∂L/∂${name}`, gpu.grads[name], g, 1e-3, 0, false));
      }
      const n = Object.keys(cpu.grads).length;
      agreement(
        `srm ${branch} ∂L/∂θ (${n} tensors, relative to each max |∂L/∂θ|)`,
        worst,
        "1.00e-3 relative",
      );
    },
  );
}
