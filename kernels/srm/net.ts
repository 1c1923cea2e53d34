/**
 * The SRM's two branches (paper §3.3, Eq. 12: y_r = K(V(s_c, s_t))). Widths, kernel sizes and the
 * working resolution are NOT IN PAPER; ours are sized for one wasm thread (bench/srm.ts):
 *
 * implicit V(∅, s_t) — "two convolution blocks":
 *   s_t 32×32×C ─1×1 reduce C→F, ReLU─ 3×3 F→F, ReLU (block 1) ─ 3×3 F→F, ReLU (block 2)
 * explicit V(s_c, s_t) — "three convolution layers to aggregate the two states, a self-attention
 * layer, two convolution layers to decode the mask":
 *   [s_c ‖ s_t] ─1×1 2C→F, ReLU─ 3×3 F→F, ReLU ─ 3×3 F→F, ReLU = a
 *   a + up2(attention(avgpool2(a)))  (one head over the 16×16 = 256 tokens)
 *   ─ 3×3 F→F, ReLU ─ 3×3 F→F, ReLU
 * head K: 1×1 F→1 logit map at 32×32, bilinearly upsampled to the 64 grid (y_r's size; the loss
 * compares it with the GT downsampled to 64, Eq. 13).
 * The reduce layer's 1×1 conv on a C-channel state is computed as a matMul (ops.constLinear);
 * the explicit branch's 1×1 over the concatenation is the sum of two such matMuls.
 */
import { tf } from "../tf/backend.ts";
import { conv2d } from "../tf/conv2d.ts";
import { attention, constLinear, convRelu } from "./ops.ts";
import { RES } from "./input.ts";

export type Branch = "implicit" | "explicit";

/** Width F of every hidden layer. */
export const WIDTH = 16;

export interface ParamSpec {
  name: string;
  shape: number[];
  /** standard deviation of the seeded normal init (0: zeros) */
  std: number;
}

const he = (fanIn: number) => Math.sqrt(2 / fanIn);

/** Every learnable tensor of a branch, in a fixed order (the seeded init walks it). */
export function paramSpecs(branch: Branch, channels: number, width = WIDTH): ParamSpec[] {
  const F = width;
  const conv = (name: string): ParamSpec[] => [
    { name: `${name}.w`, shape: [3, 3, F, F], std: he(9 * F) },
    { name: `${name}.b`, shape: [F], std: 0 },
  ];
  const head: ParamSpec[] = [
    { name: "head.w", shape: [1, 1, F, 1], std: 0.1 / Math.sqrt(F) },
    { name: "head.b", shape: [1], std: 0 },
  ];
  if (branch === "implicit") {
    return [
      { name: "reduce.w", shape: [channels, F], std: he(channels) },
      { name: "reduce.b", shape: [F], std: 0 },
      ...conv("block1"),
      ...conv("block2"),
      ...head,
    ];
  }
  const proj = (name: string): ParamSpec => ({ name, shape: [F, F], std: 1 / Math.sqrt(F) });
  return [
    { name: "agg1.wc", shape: [channels, F], std: he(2 * channels) },
    { name: "agg1.wt", shape: [channels, F], std: he(2 * channels) },
    { name: "agg1.b", shape: [F], std: 0 },
    ...conv("agg2"),
    ...conv("agg3"),
    proj("att.q"),
    proj("att.k"),
    proj("att.v"),
    proj("att.o"),
    ...conv("dec1"),
    ...conv("dec2"),
    ...head,
  ];
}

export type Params = Record<string, tf.Variable>;

/** A pooled state s on the 32 grid in both layouts (input.ts), as tensors. */
export interface StateTensors {
  /** [32·32, C] */
  rows: tf.Tensor2D;
  /** [C, 32·32] */
  cols: tf.Tensor2D;
}

/** Logits of y_r on the 64 grid, [1, 64, 64, 1]. sc is required for the explicit branch. */
export function forward(branch: Branch, p: Params, st: StateTensors, sc?: StateTensors): tf.Tensor4D {
  const w2 = (n: string) => p[n] as unknown as tf.Tensor2D;
  const w4 = (n: string) => p[n] as unknown as tf.Tensor4D;
  const b1 = (n: string) => p[n] as unknown as tf.Tensor1D;
  const grid = (t: tf.Tensor2D) => tf.reshape(t, [1, RES, RES, -1]) as tf.Tensor4D;
  let h: tf.Tensor4D;
  if (branch === "implicit") {
    h = grid(tf.relu(tf.add(constLinear(st.rows, st.cols, w2("reduce.w")), b1("reduce.b"))));
    h = convRelu(h, w4("block1.w"), b1("block1.b"));
    h = convRelu(h, w4("block2.w"), b1("block2.b"));
  } else {
    if (!sc) throw new Error("SRM explicit branch: s_c (the CLIP-map state) is missing");
    const agg = tf.add(
      constLinear(sc.rows, sc.cols, w2("agg1.wc")),
      constLinear(st.rows, st.cols, w2("agg1.wt")),
    );
    h = grid(tf.relu(tf.add(agg, b1("agg1.b"))));
    h = convRelu(h, w4("agg2.w"), b1("agg2.b"));
    h = convRelu(h, w4("agg3.w"), b1("agg3.b"));
    const low = tf.avgPool(h, 2, 2, "valid") as tf.Tensor4D;
    const att = attention(low, w2("att.q"), w2("att.k"), w2("att.v"), w2("att.o"));
    h = tf.add(h, tf.image.resizeBilinear(att, [RES, RES], false, true));
    h = convRelu(h, w4("dec1.w"), b1("dec1.b"));
    h = convRelu(h, w4("dec2.w"), b1("dec2.b"));
  }
  const logits = tf.add(conv2d(h, w4("head.w"), { pad: "same" }), b1("head.b")) as tf.Tensor4D;
  return tf.image.resizeBilinear(logits, [2 * RES, 2 * RES], false, true);
}
