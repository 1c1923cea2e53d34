/**
 * SRM's training objective (paper §3.3, Eq. 13): L_seg = L_dice(y_r, y*) + L_bce(y_r, y*), y* the
 * GT downsampled to y_r's size. Both terms are weighted per pixel so that VOC's ignore band and
 * the padding of SAM's frame do not count. Dice smoothing 1 (NOT IN PAPER).
 */
import { tf } from "../tf/backend.ts";

/** logits, target, weight: same shape; returns a scalar. */
export function diceBce(logits: tf.Tensor, target: tf.Tensor, weight: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const z = tf.reshape(logits, [-1]), g = tf.reshape(target, [-1]), w = tf.reshape(weight, [-1]);
    const wsum = tf.maximum(tf.sum(w), 1);
    // Stable BCE with logits: max(z, 0) − z·g + log(1 + e^{−|z|})
    const bce = tf.add(tf.sub(tf.relu(z), tf.mul(z, g)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
    const lBce = tf.div(tf.sum(tf.mul(w, bce)), wsum);
    const p = tf.sigmoid(z);
    const inter = tf.sum(tf.mul(w, tf.mul(p, g)));
    const denom = tf.add(tf.sum(tf.mul(w, p)), tf.sum(tf.mul(w, g)));
    const lDice = tf.sub(1, tf.div(tf.add(tf.mul(2, inter), 1), tf.add(denom, 1)));
    return tf.add(lBce, lDice) as tf.Scalar;
  });
}

/**
 * The same loss and its gradient w.r.t. the logits, in JS (one pass over 4096 values instead of
 * ~60 tiny tfjs kernels, each ~0.05 ms on wasm). With p = σ(z), W = Σw, I = Σ w·p·g,
 * S = Σ w·p + Σ w·g: ∂BCE/∂z = w(p − g)/max(W, 1); ∂Dice/∂z = −w·p(1−p)·(2g(S+1) − (2I+1))/(S+1)².
 */
export function diceBceGrad(
  logits: ArrayLike<number>,
  target: ArrayLike<number>,
  weight: ArrayLike<number>,
): { loss: number; dz: Float32Array } {
  const n = logits.length;
  const p = new Float32Array(n);
  let wsum = 0, bce = 0, inter = 0, sp = 0, sg = 0;
  for (let i = 0; i < n; i++) {
    const z = logits[i], g = target[i], w = weight[i];
    p[i] = 1 / (1 + Math.exp(-z));
    wsum += w;
    bce += w * (Math.max(z, 0) - z * g + Math.log1p(Math.exp(-Math.abs(z))));
    inter += w * p[i] * g;
    sp += w * p[i];
    sg += w * g;
  }
  const W = Math.max(wsum, 1), S1 = sp + sg + 1, num = 2 * inter + 1;
  const dz = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const w = weight[i], g = target[i], pi = p[i];
    dz[i] = (w * (pi - g)) / W - (w * pi * (1 - pi) * (2 * g * S1 - num)) / (S1 * S1);
  }
  return { loss: bce / W + 1 - num / S1, dz };
}
