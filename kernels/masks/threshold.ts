/** From SAM's logits to probabilities, binary masks and the 64×64 grid of the RL state. */
import { bilinearSourceTaps, resizeBilinear } from "./resize.ts";

/**
 * Element-wise logistic function.
 * @example
 * sigmoid(new Float32Array([0])); // [0.5]
 */
export function sigmoid(x: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = 1 / (1 + Math.exp(-x[i]));
  return out;
}

/**
 * 1 where x > t, else 0 (strict, as SAM's `masks > mask_threshold` with threshold 0 on logits).
 * @example
 * binarize(new Float32Array([-1, 0, 2]), 0); // [0, 0, 1]
 */
export function binarize(x: ArrayLike<number>, t: number): Uint8Array {
  const out = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] > t ? 1 : 0;
  return out;
}

/**
 * The decoder's low-res logits [256, 256] → a soft mask [size, size] in [0, 1] for the state
 * s_t = E_I(x) ⊙ M_{t−1}. NOT IN PAPER (METHOD-NOTES §1): sigmoid first, then bilinear
 * 256 → 64, so the state mask is a probability, not a clipped logit.
 * @example
 * lowResToGrid(new Float32Array(256 * 256)); // 64×64 array of 0.5
 */
export function lowResToGrid(/** [256, 256] */ lowRes256: Float32Array, size = 64): Float32Array {
  const side = Math.round(Math.sqrt(lowRes256.length));
  if (side * side !== lowRes256.length) {
    throw new RangeError(`lowResToGrid: expected a square map, got ${lowRes256.length} values`);
  }
  // The env calls this at every step: apply the sigmoid only where the resize reads
  // (2 of every 4 rows and columns for 256 → 64), not to all 65k logits.
  const taps = bilinearSourceTaps(side, size);
  const prob = new Float32Array(lowRes256.length);
  for (const r of taps) {
    for (const c of taps) prob[r * side + c] = 1 / (1 + Math.exp(-lowRes256[r * side + c]));
  }
  return resizeBilinear(prob, side, side, size, size);
}
