/**
 * tfjs building blocks shared by CLIP's text and image transformers (inference only):
 * pre-LN residual attention blocks with QuickGELU MLPs, as OpenAI CLIP / HF `CLIPEncoderLayer`.
 * Shapes: activations are [B, N, W]; heads split to [B·H, N, W/H].
 */
import { tf } from "../tf/backend.ts";
import type { Block, ClipWeights, Linear, Norm } from "./weights.ts";

/** Linear layer on the device, weight transposed once to [in, out] for x·W. */
export interface TfLinear {
  w: tf.Tensor2D;
  b?: tf.Tensor1D;
}
export interface TfNorm {
  g: tf.Tensor1D;
  b: tf.Tensor1D;
}
export interface TfBlock {
  ln1: TfNorm;
  q: TfLinear;
  k: TfLinear;
  v: TfLinear;
  o: TfLinear;
  ln2: TfNorm;
  fc1: TfLinear;
  fc2: TfLinear;
}

export function tfLinear(l: Linear): TfLinear {
  return tf.tidy(() => ({
    w: tf.keep(tf.transpose(tf.tensor2d(l.w, [l.out, l.in]))),
    b: l.b ? tf.keep(tf.tensor1d(l.b)) : undefined,
  }));
}
export function tfNorm(n: Norm): TfNorm {
  return { g: tf.tensor1d(n.g), b: tf.tensor1d(n.b) };
}
export function tfBlock(b: Block): TfBlock {
  return {
    ln1: tfNorm(b.ln1),
    q: tfLinear(b.q),
    k: tfLinear(b.k),
    v: tfLinear(b.v),
    o: tfLinear(b.o),
    ln2: tfNorm(b.ln2),
    fc1: tfLinear(b.fc1),
    fc2: tfLinear(b.fc2),
  };
}

/** LayerNorm over the last axis, eps 1e-5 (torch's and HF CLIP's default). */
export function layerNorm(x: tf.Tensor, n: TfNorm, eps = 1e-5): tf.Tensor {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), n.g), n.b);
  });
}

/** x [..., in] · W [in, out] + b. */
export function linear(x: tf.Tensor, l: TfLinear): tf.Tensor {
  return tf.tidy(() => {
    const shape = x.shape;
    const y = tf.matMul(tf.reshape(x, [-1, shape[shape.length - 1]]) as tf.Tensor2D, l.w);
    const out = l.b ? tf.add(y, l.b) : y;
    return tf.reshape(out, [...shape.slice(0, -1), l.w.shape[1]]);
  });
}

/** CLIP's QuickGELU: x·σ(1.702x). */
export function quickGelu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(x, tf.sigmoid(tf.mul(x, 1.702))));
}

/** [B, N, W] → [B·H, N, W/H] */
function splitHeads(x: tf.Tensor, heads: number): tf.Tensor3D {
  const [b, n, w] = x.shape;
  return tf.reshape(tf.transpose(tf.reshape(x, [b, n, heads, w / heads]), [0, 2, 1, 3]), [
    b * heads,
    n,
    w / heads,
  ]);
}

/** [B·H, N, d] → [B, N, H·d] */
function mergeHeads(x: tf.Tensor, heads: number): tf.Tensor3D {
  const [bh, n, d] = x.shape;
  return tf.reshape(tf.transpose(tf.reshape(x, [bh / heads, heads, n, d]), [0, 2, 1, 3]), [
    bh / heads,
    n,
    heads * d,
  ]);
}

/**
 * From this many tokens on, attention runs as 2-D matMuls per (item, head): tfjs-wasm's batched
 * matMul (and any transposeB) is 3–10× slower than its 2-D kernel on 197- and 1025-token images;
 * short text sequences stay batched, where per-head op overhead would dominate.
 */
export const PER_HEAD_MIN_TOKENS = 64;

/**
 * Multi-head attention softmax(q·kᵀ/√d + mask)·v with q, k, v [B, N, W] already projected;
 * mask [N, N] additive. Returns the heads concatenated, [B, N, W] (before out_proj).
 */
export function attention(
  q: tf.Tensor,
  k: tf.Tensor,
  v: tf.Tensor,
  heads: number,
  mask?: tf.Tensor2D,
  perHead = q.shape[1]! >= PER_HEAD_MIN_TOKENS,
): tf.Tensor3D {
  return tf.tidy(() => {
    const [b, n, w] = q.shape as number[];
    const d = w / heads;
    const scale = 1 / Math.sqrt(d);
    if (!perHead) {
      let logits: tf.Tensor = tf.matMul(
        splitHeads(tf.mul(q, scale), heads),
        splitHeads(k, heads),
        false,
        true,
      );
      if (mask) logits = tf.add(logits, mask);
      return mergeHeads(tf.matMul(tf.softmax(logits) as tf.Tensor3D, splitHeads(v, heads)), heads);
    }
    const items: tf.Tensor2D[] = [];
    for (let i = 0; i < b; i++) {
      const pick = (t: tf.Tensor) => tf.reshape(tf.slice(t, [i, 0, 0], [1, n, w]), [n, w]) as tf.Tensor2D;
      const qi = tf.mul(pick(q), scale) as tf.Tensor2D, kT = tf.transpose(pick(k)), vi = pick(v);
      const out: tf.Tensor2D[] = [];
      for (let h = 0; h < heads; h++) {
        let logits: tf.Tensor2D = tf.matMul(
          tf.slice(qi, [0, h * d], [n, d]),
          tf.slice(kT, [h * d, 0], [d, n]),
        );
        if (mask) logits = tf.add(logits, mask);
        out.push(tf.matMul(tf.softmax(logits) as tf.Tensor2D, tf.slice(vi, [0, h * d], [n, d])));
      }
      items.push(tf.concat(out, 1));
    }
    return tf.stack(items) as tf.Tensor3D;
  });
}

/** The block's MLP: fc2(QuickGELU(fc1(x))). */
export function mlp(x: tf.Tensor, blk: TfBlock): tf.Tensor {
  return tf.tidy(() => linear(quickGelu(linear(x, blk.fc1)), blk.fc2));
}

/** One standard residual block: x + attn(ln1 x); then + mlp(ln2 x). */
export function residualBlock(x: tf.Tensor, blk: TfBlock, heads: number, mask?: tf.Tensor2D): tf.Tensor {
  return tf.tidy(() => {
    const h = layerNorm(x, blk.ln1);
    const [q, k, v] = [blk.q, blk.k, blk.v].map((l) => linear(h, l));
    const x1 = tf.add(x, linear(attention(q, k, v, heads, mask), blk.o));
    return tf.add(x1, mlp(layerNorm(x1, blk.ln2), blk));
  });
}

/** Causal mask [n, n]: 0 on and below the diagonal, −1e9 above (CLIP's text transformer). */
export function causalMask(n: number): tf.Tensor2D {
  const m = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) m[i * n + j] = -1e9;
  return tf.tensor2d(m, [n, n]);
}

/** Every weight of a CLIP model on the device. Dispose with `disposeTfClip`. */
export interface TfClip {
  weights: ClipWeights;
  vision: {
    patch: tf.Tensor2D;
    cls: tf.Tensor1D;
    lnPre: TfNorm;
    blocks: TfBlock[];
    lnPost: TfNorm;
    proj: TfLinear;
  };
  text: { token: tf.Tensor2D; pos: tf.Tensor2D; blocks: TfBlock[]; lnFinal: TfNorm; proj: TfLinear };
}

/** Upload the weights once; the patch conv kernel becomes a [3·P·P, W] matrix (c, y, x order). */
export function toTf(w: ClipWeights): TfClip {
  const { vision: v, text: t } = w.config;
  const pp = 3 * v.patch * v.patch;
  return {
    weights: w,
    vision: {
      patch: tf.tidy(() => tf.transpose(tf.tensor2d(w.vision.patch, [v.width, pp]))),
      cls: tf.tensor1d(w.vision.cls),
      lnPre: tfNorm(w.vision.lnPre),
      blocks: w.vision.blocks.map(tfBlock),
      lnPost: tfNorm(w.vision.lnPost),
      proj: tfLinear(w.vision.proj),
    },
    text: {
      token: tf.tensor2d(w.text.token, [t.vocab, t.width]),
      pos: tf.tensor2d(w.text.pos, [t.context, t.width]),
      blocks: w.text.blocks.map(tfBlock),
      lnFinal: tfNorm(w.text.lnFinal),
      proj: tfLinear(w.text.proj),
    },
  };
}

export function disposeTfClip(m: TfClip): void {
  const all: tf.Tensor[] = [];
  const walk = (o: unknown) => {
    if (o instanceof tf.Tensor) all.push(o);
    else if (o && typeof o === "object" && !ArrayBuffer.isView(o)) {
      for (const v of Object.values(o)) {
        walk(v);
      }
    }
  };
  walk(m.vision);
  walk(m.text);
  tf.dispose(all);
}
