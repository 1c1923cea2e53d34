/**
 * Adam (Kingma & Ba 2015; PyTorch's defaults β = (0.9, 0.999), ε = 1e-8) over the SRM's small
 * parameter set, in JS. tfjs's optimizer spends ~15 tiny kernels per variable per step, and on
 * wasm each kernel costs ~0.05 ms whatever its size; here one step is one read of each gradient,
 * a loop over ~5k numbers and one upload per variable.
 */
import { tf } from "../tf/backend.ts";

export interface JsAdam {
  /** minimise f over vars; returns f's value before the update */
  step(f: () => tf.Scalar): number;
  /** forget the moments (e.g. after new weights are loaded) */
  reset(): void;
}

export function createAdam(vars: tf.Variable[], lr: number, beta1 = 0.9, beta2 = 0.999, eps = 1e-8): JsAdam {
  const m = vars.map((v) => new Float32Array(v.size));
  const s = vars.map((v) => new Float32Array(v.size));
  let t = 0;
  return {
    step(f) {
      const { value, grads } = tf.variableGrads(f, vars);
      const loss = value.dataSync()[0];
      t++;
      const c1 = 1 - beta1 ** t, c2 = 1 - beta2 ** t;
      const next = vars.map((v, k) => {
        const g = grads[v.name].dataSync(), w = v.dataSync(), mk = m[k], sk = s[k];
        const out = new Float32Array(w.length);
        for (let i = 0; i < w.length; i++) {
          mk[i] = beta1 * mk[i] + (1 - beta1) * g[i];
          sk[i] = beta2 * sk[i] + (1 - beta2) * g[i] * g[i];
          out[i] = w[i] - (lr * (mk[i] / c1)) / (Math.sqrt(sk[i] / c2) + eps);
        }
        return out;
      });
      tf.dispose([value, ...Object.values(grads)]);
      tf.tidy(() => vars.forEach((v, k) => v.assign(tf.tensor(next[k], v.shape))));
      return loss;
    },
    reset() {
      t = 0;
      for (const a of [...m, ...s]) a.fill(0);
    },
  };
}
