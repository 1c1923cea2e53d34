/**
 * CS-ViT image encoder (METHOD-NOTES.md §3): CLIP's ViT with positional embeddings resized to
 * the input's token grid and the dual (surgery) path on the last blocks; ln_post and the
 * projection are applied to every token, not only CLS.
 */
import { tf } from "../tf/backend.ts";
import { ModelError } from "../../core/errors.ts";
import { resizeBilinear } from "../masks/resize.ts";
import { layerNorm, linear, residualBlock, type TfClip } from "./layers.ts";
import { SURGERY_BLOCKS, surgeryBlock } from "./surgery.ts";
import type { ClipWeights } from "./weights.ts";

/**
 * Positional embeddings for a grid×grid input: the CLS row unchanged, the patch rows reshaped
 * to the training grid and bilinearly resized (align_corners = false, as CLIP Surgery's
 * `F.interpolate(..., mode='bilinear')`). [grid² + 1, W]
 */
export function positionEmbedding(w: ClipWeights, grid: number): Float32Array {
  const { width, imageSize, patch } = w.config.vision;
  const g0 = imageSize / patch;
  if (grid === g0) return w.vision.pos;
  const out = new Float32Array((grid * grid + 1) * width);
  out.set(w.vision.pos.subarray(0, width));
  const plane = new Float32Array(g0 * g0);
  for (let c = 0; c < width; c++) {
    for (let i = 0; i < g0 * g0; i++) plane[i] = w.vision.pos[(i + 1) * width + c];
    const r = resizeBilinear(plane, g0, g0, grid, grid);
    for (let i = 0; i < grid * grid; i++) out[(i + 1) * width + c] = r[i];
  }
  return out;
}

/**
 * Image tokens after CLIP Surgery: [grid² + 1, D], row 0 the original path's CLS, rows 1.. the
 * surgery path's patch tokens (row-major over the grid), projected to the joint space.
 * `pixels` is CLIP's normalised input [3, S, S] with S a multiple of the patch size.
 */
export function encodeImageTokens(m: TfClip, pixels: Float32Array, size: number): Float32Array {
  const { width, patch, heads, layers } = m.weights.config.vision;
  if (size % patch !== 0 || pixels.length !== 3 * size * size) {
    throw new ModelError(`CLIP input must be [3, S, S] with S a multiple of ${patch}; got S=${size}`);
  }
  const grid = size / patch;
  const n = grid * grid + 1;
  const pos = positionEmbedding(m.weights, grid);
  const surgeryFrom = Math.max(layers - SURGERY_BLOCKS, 0);
  let x = tf.tidy(() => {
    // The stride-P conv is a matMul over flattened (c, y, x) patches.
    const cols = tf.transpose(tf.tensor(pixels, [3, grid, patch, grid, patch]), [1, 3, 0, 2, 4]);
    const emb = tf.matMul(tf.reshape(cols, [grid * grid, 3 * patch * patch]) as tf.Tensor2D, m.vision.patch);
    const tokens = tf.add(
      tf.concat([tf.reshape(m.vision.cls, [1, width]), emb], 0),
      tf.tensor2d(pos, [n, width]),
    );
    return layerNorm(tf.reshape(tokens, [1, n, width]), m.vision.lnPre);
  });
  for (let i = 0; i < surgeryFrom; i++) {
    const next = residualBlock(x, m.vision.blocks[i], heads);
    x.dispose();
    x = next;
  }
  let xNew = x, xOri = x;
  for (let i = surgeryFrom; i < layers; i++) {
    const r = surgeryBlock(xNew, xOri, m.vision.blocks[i], heads);
    if (xNew !== xOri) xNew.dispose();
    xOri.dispose();
    xNew = r.xNew;
    xOri = r.xOri;
  }
  const out = tf.tidy(() => {
    // CLIP Surgery: the CLS token comes from the original path, the patches from the new one.
    const joined = tf.concat(
      [tf.slice(xOri, [0, 0, 0], [1, 1, width]), tf.slice(xNew, [0, 1, 0], [1, n - 1, width])],
      1,
    );
    return tf.reshape(linear(layerNorm(joined, m.vision.lnPost), m.vision.proj), [n, -1]);
  });
  if (xNew !== xOri) xNew.dispose();
  xOri.dispose();
  const data = out.dataSync() as Float32Array;
  out.dispose();
  return data;
}
