/**
 * One trainable 2-D convolution for every tfjs backend (issue 7 item 6). tfjs-wasm runs Conv2D
 * (XNNPACK) but has no Conv2DBackpropFilter, so a model built on `tf.conv2d` cannot learn its
 * kernels there. Three paths compute the same function:
 * - "native": `tf.conv2d`, where the backend has every conv gradient (`hasConvGradient()`).
 * - "hybrid" (default on wasm and cpu): native forward; a custom gradient computes dx as a
 *   native conv of the padded dy with the flipped, in/out-swapped kernel, and dW as one matMul
 *   of the channel-major shifted views with dy. Measured on wasm (3×3, 16→16, 32×32) it is ~4×
 *   faster than differentiating the pure im2col graph, whose slice gradients pad every view back
 *   to full size and whose matMul gradient uses transposed operands (~10× slower on wasm).
 * - "im2col": pad, take the kh·kw shifted views, concatenate them along channels (order
 *   (i, j, cin), matching `w.reshape([kh·kw·cin, cout])`), one matMul. Uses only pad, slice,
 *   concat and matMul, so it trains on any backend; kept as the reference and for tests.
 *
 * @example
 * const y = conv2d(x, w, { pad: "same" }); // x [N, H, W, cin], w [kh, kw, cin, cout] → [N, H, W, cout]
 */
// tfjs-core's node bundle registers no gradient functions (its ESM register_all_gradients
// cannot load under Deno); the union package's bundle registers them all as a side effect.
import "@tensorflow/tfjs";
import { hasConvGradient, tf } from "./backend.ts";

export type ConvPath = "native" | "hybrid" | "im2col";

export interface Conv2dOptions {
  /** "same": output H×W equals the input's (TensorFlow's split: the extra row/column goes after) */
  pad: "same" | "valid";
  /** only stride 1 is supported */
  stride?: 1;
  /** force one implementation (tests, benches); default: native where it trains, else hybrid */
  path?: ConvPath;
}

/**
 * The path `conv2d` takes on the current backend when none is forced: native where the backend
 * trains conv itself, except on tfjs-cpu, whose JS conv gradients are slower than the hybrid
 * (measured, 3×3 16→16 at 32×32: native 710 ms vs hybrid 200 ms CPU per forward+backward).
 */
export function defaultConvPath(): ConvPath {
  return hasConvGradient() && tf.getBackend() !== "cpu" ? "native" : "hybrid";
}

/** x [N, H, W, cin] (NHWC), w [kh, kw, cin, cout] → [N, H', W', cout] */
export function conv2d(x: tf.Tensor4D, w: tf.Tensor4D, opts: Conv2dOptions): tf.Tensor4D {
  const [kh, kw, cin, cout] = w.shape;
  if (x.shape[3] !== cin) {
    throw new Error(`conv2d: input has ${x.shape[3]} channels but the kernel expects ${cin}`);
  }
  if (opts.stride !== undefined && opts.stride !== 1) {
    throw new Error(`conv2d: stride ${opts.stride} is not supported (only 1)`);
  }
  if (opts.pad !== "same" && opts.pad !== "valid") {
    throw new Error(`conv2d: pad "${opts.pad}" is not supported (same | valid)`);
  }
  const [, h, wd] = x.shape;
  if (opts.pad === "valid" && (h < kh || wd < kw)) {
    throw new Error(`conv2d: ${kh}×${kw} kernel is larger than the ${h}×${wd} input`);
  }
  const path = opts.path ?? defaultConvPath();
  if (path === "im2col") {
    return tf.tidy(() => {
      const { cols, ho, wo } = im2col(x, kh, kw, opts.pad);
      const y = tf.matMul(cols, tf.reshape(w, [kh * kw * cin, cout]));
      return tf.reshape(y, [x.shape[0], ho, wo, cout]);
    });
  }
  if (path === "native") return tf.conv2d(x, w, 1, opts.pad);
  return (opts.pad === "same" ? hybridSame : hybridValid)(x, w);
}

/** [top, bottom, left, right] zero padding of the forward pass (TensorFlow's "same" for stride 1). */
function padding(kh: number, kw: number, pad: "same" | "valid"): [number, number, number, number] {
  if (pad === "valid") return [0, 0, 0, 0];
  const top = Math.floor((kh - 1) / 2), left = Math.floor((kw - 1) / 2);
  return [top, kh - 1 - top, left, kw - 1 - left];
}

/** x [N, H, W, cin] → cols [N·H'·W', kh·kw·cin], column order (i, j, cin) */
function im2col(x: tf.Tensor4D, kh: number, kw: number, pad: "same" | "valid") {
  const [n, h, wd, cin] = x.shape;
  const [t, b, l, r] = padding(kh, kw, pad);
  const xp = t + b + l + r > 0 ? tf.pad(x, [[0, 0], [t, b], [l, r], [0, 0]]) : x;
  const ho = h + t + b - kh + 1, wo = wd + l + r - kw + 1;
  const views: tf.Tensor4D[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) views.push(tf.slice(xp, [0, i, j, 0], [n, ho, wo, cin]));
  }
  const stacked = views.length === 1 ? views[0] : tf.concat(views, 3);
  return { cols: tf.reshape(stacked, [n * ho * wo, kh * kw * cin]) as tf.Tensor2D, ho, wo };
}

/** x [1, H, W, cin] → [kh·kw·cin, H'·W']: row (i, j, c) is channel c of the view shifted by (i, j) */
function shiftedRows(x: tf.Tensor4D, kh: number, kw: number, pad: "same" | "valid"): tf.Tensor2D {
  const [n, h, wd, cin] = x.shape;
  if (n !== 1) {
    // Batches: sum the per-image products (rare in this project; keeps the fast path simple).
    const parts = tf.split(x, n, 0).map((xi) => shiftedRows(xi as tf.Tensor4D, kh, kw, pad));
    return tf.concat(parts, 1);
  }
  const [t, b, l, r] = padding(kh, kw, pad);
  const xp = t + b + l + r > 0 ? tf.pad(x, [[0, 0], [t, b], [l, r], [0, 0]]) : x;
  const xt = tf.transpose(tf.reshape(xp, [h + t + b, wd + l + r, cin]), [2, 0, 1]);
  const ho = h + t + b - kh + 1, wo = wd + l + r - kw + 1;
  const rows: tf.Tensor2D[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      rows.push(tf.reshape(tf.slice(xt, [0, i, j], [cin, ho, wo]), [cin, ho * wo]));
    }
  }
  return tf.concat(rows, 0);
}

function makeHybrid(pad: "same" | "valid") {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x4, w4, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    save([x4, w4]);
    return {
      value: tf.conv2d(x4, w4, 1, pad),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
        const [kh, kw, cin, cout] = ws.shape;
        const dy4 = dy as tf.Tensor4D;
        const [t, b, l, r] = padding(kh, kw, pad);
        // dx: "full" correlation of dy with the kernel rotated 180° and in/out swapped.
        const wT = tf.transpose(tf.reverse(ws, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
        const dyp = tf.pad(dy4, [[0, 0], [kh - 1 - t, kh - 1 - b], [kw - 1 - l, kw - 1 - r], [0, 0]]);
        const dx = tf.conv2d(dyp, wT, 1, "valid");
        // dW[(i,j,c), o] = Σ_pixels x_shifted(i,j)[c, pixel] · dy[pixel, o]: the shifted views
        // in channel-major layout concatenate along axis 0 (block copies; wasm's concat along the
        // last axis copies per pixel) and need no transposed matMul.
        const dw = tf.reshape(tf.matMul(shiftedRows(xs, kh, kw, pad), tf.reshape(dy4, [-1, cout])), [
          kh,
          kw,
          cin,
          cout,
        ]);
        return [dx, dw];
      },
    };
  }) as (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D;
}

const hybridSame = makeHybrid("same");
const hybridValid = makeHybrid("valid");
