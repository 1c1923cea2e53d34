/**
 * Differentiable building blocks for the SRM whose gradients avoid tfjs-wasm's slow paths:
 * tfjs differentiates matMul with transposed-operand matMuls, ~10× slower than plain ones on
 * wasm (measured: [1024,256]ᵀ·[1024,16] 10.7 ms vs 0.45 ms pre-transposed), so these ops build
 * their gradients from explicitly transposed (or precomputed channel-major) operands.
 */
import { tf } from "../tf/backend.ts";
import { conv2d } from "../tf/conv2d.ts";

/**
 * x·w for a constant input given in both layouts: forward rows [P, C] · w [C, F]; the weight
 * gradient is cols [C, P] · dy with no transpose. No gradient flows to the (constant) input.
 */
export function constLinear(rows: tf.Tensor2D, cols: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const wt = args[0] as tf.Tensor2D;
    return {
      value: tf.matMul(rows, wt),
      gradFunc: (dy: tf.Tensor) => [tf.matMul(cols, dy as tf.Tensor2D)],
    };
  });
  return f(w) as tf.Tensor2D;
}

/** a [M, K] · b [K, N] with gradients da = dy·bᵀ, db = aᵀ·dy from explicit transposes. */
export const matMul = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [a, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
      const d = dy as tf.Tensor2D;
      return [tf.matMul(d, tf.transpose(sb)), tf.matMul(tf.transpose(sa), d)];
    },
  };
}) as (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D;

/** relu(conv(x, w) + b), "same" padding; x [1, H, W, cin], w [k, k, cin, cout], b [cout]. */
export function convRelu(x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D): tf.Tensor4D {
  return tf.relu(tf.add(conv2d(x, w, { pad: "same" }), b));
}

/**
 * Single-head self-attention over the H·W tokens of x [1, H, W, F]: softmax(Q Kᵀ/√F) V Wo with
 * Q = X Wq, K = X Wk, V = X Wv (paper §3.3's "self-attention layer"; one head and the
 * projections are our choice, NOT IN PAPER). Returns the update; the caller adds the residual.
 */
export function attention(
  x: tf.Tensor4D,
  wq: tf.Tensor2D,
  wk: tf.Tensor2D,
  wv: tf.Tensor2D,
  wo: tf.Tensor2D,
): tf.Tensor4D {
  const [, h, w, f] = x.shape;
  const tokens = tf.reshape(x, [h * w, f]) as tf.Tensor2D;
  const q = matMul(tokens, wq), k = matMul(tokens, wk), v = matMul(tokens, wv);
  const att = tf.softmax(tf.mul(matMul(q, tf.transpose(k)), 1 / Math.sqrt(f)) as tf.Tensor2D);
  return tf.reshape(matMul(matMul(att, v), wo), [1, h, w, f]);
}
