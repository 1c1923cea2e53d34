/**
 * CLIP Surgery (xmed-lab/CLIP_Surgery; METHOD-NOTES.md §3): the v–v attention path added to
 * the last blocks of the image transformer, and feature surgery between image tokens and text.
 */
import { tf } from "../tf/backend.ts";
import { attention, layerNorm, linear, mlp, type TfBlock } from "./layers.ts";

/** CS-ViT: the last 6 blocks get the second path ("surgery 7" in the official loop 1..6). */
export const SURGERY_BLOCKS = 6;

/**
 * One block's two attentions from the same h = ln_1(input), heads split, scale 1/√d:
 * original `softmax(q kᵀ/√d) v`, surgery `softmax(v vᵀ/√d) v` (q = k = v); both through the
 * same out_proj. [B, N, W] → { res (surgery), oriRes (original) }, each [B, N, W].
 */
export function dualAttention(
  h: tf.Tensor,
  blk: TfBlock,
  heads: number,
  perHead?: boolean,
): { res: tf.Tensor; oriRes: tf.Tensor } {
  return tf.tidy(() => {
    const [q, k, v] = [blk.q, blk.k, blk.v].map((l) => linear(h, l));
    return {
      res: linear(attention(v, v, v, heads, undefined, perHead), blk.o),
      oriRes: linear(attention(q, k, v, heads, undefined, perHead), blk.o),
    };
  });
}

/**
 * One dual-path block. Both paths read the ORIGINAL path's input (x_ori; at the first surgery
 * block x_new = x_ori = x): x_ori += attn_ori(ln_1 x_ori), then x_ori += mlp(ln_2 x_ori);
 * x_new += attn_vv(ln_1 x_ori) with no MLP on the new path.
 */
export function surgeryBlock(
  xNew: tf.Tensor,
  xOri: tf.Tensor,
  blk: TfBlock,
  heads: number,
): { xNew: tf.Tensor; xOri: tf.Tensor } {
  return tf.tidy(() => {
    const { res, oriRes } = dualAttention(layerNorm(xOri, blk.ln1), blk, heads);
    const o1 = tf.add(xOri, oriRes);
    const o2 = tf.add(o1, mlp(layerNorm(o1, blk.ln2), blk));
    return { xNew: tf.add(xNew, res), xOri: o2 };
  });
}

/**
 * L2-normalise each row of [n, d] (a copy). On image tokens [N, D] that is per token, over
 * channels: the current CLIP Surgery demo's `image_features / image_features.norm(dim=-1)`. Its
 * demo before 2025-03 wrote norm(dim=1) on [B, N, D], i.e. along the token axis (each channel
 * normalised over the tokens); we follow the current, per-token form.
 */
export function normalizeRows(x: Float32Array, d: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let r = 0; r < x.length / d; r++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += x[r * d + j] ** 2;
    const inv = 1 / Math.max(Math.sqrt(s), 1e-12);
    for (let j = 0; j < d; j++) out[r * d + j] = x[r * d + j] * inv;
  }
  return out;
}

/**
 * Single-text feature surgery: sim[i] = F_i · (t − r), with F the L2-normalised image tokens
 * [N, D], t the text's ensembled embedding and r the ensembled embedding of "" (the redundant
 * feature shared by all texts). Returns [N].
 */
export function featureSurgery(
  image: Float32Array,
  d: number,
  text: Float32Array,
  redundant: Float32Array,
): Float32Array {
  const n = image.length / d;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += image[i * d + j] * (text[j] - redundant[j]);
    out[i] = s;
  }
  return out;
}

/**
 * Multi-class feature surgery (CLIP Surgery's `clip_feature_surgery` without a redundant text,
 * clip/clip.py ~l.294): class weights from the CLS token once, p = softmax(2·F_cls·Tᵀ) over
 * classes, w = p / mean(p); then per token the element-wise products F_i ⊙ T_k weighted by w_k,
 * minus their mean over classes, summed over channels. image [N, D] with the CLS token first
 * (row 0), each row L2-normalised per token (over channels); texts [K, D] → [N, K].
 */
export function featureSurgeryMulti(image: Float32Array, texts: Float32Array, d: number): Float32Array {
  const n = image.length / d, k = texts.length / d;
  const out = new Float32Array(n * k);
  // w from the CLS token only (the reference's image_features[:, :1, :] @ text_features.t())
  const w = new Float64Array(k);
  let max = -Infinity;
  for (let c = 0; c < k; c++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += image[j] * texts[c * d + j];
    w[c] = 2 * s;
    max = Math.max(max, w[c]);
  }
  let z = 0;
  for (let c = 0; c < k; c++) z += w[c] = Math.exp(w[c] - max);
  // w = p / mean(p) = softmax · K
  for (let c = 0; c < k; c++) w[c] = (w[c] / z) * k;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    mean.fill(0);
    for (let c = 0; c < k; c++) {
      for (let j = 0; j < d; j++) mean[j] += (w[c] * image[i * d + j] * texts[c * d + j]) / k;
    }
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += w[c] * image[i * d + j] * texts[c * d + j] - mean[j];
      out[i * k + c] = s;
    }
  }
  return out;
}
