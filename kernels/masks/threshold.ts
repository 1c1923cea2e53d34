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

/** Counts of each 8-bit value. */
export function histogram256(values: Uint8Array): Uint32Array {
  const hist = new Uint32Array(256);
  for (let i = 0; i < values.length; i++) hist[values[i]]++;
  return hist;
}

/**
 * How a mask image stores its two classes: values ⊆ {0, 255}, values ⊆ {0, 1} (other tools'
 * label maps; all-zero counts as 0/255), or anything else (soft, JPEG-compressed, multi-level).
 * @example
 * maskEncoding(histogram256(new Uint8Array([0, 1, 1]))); // "0/1"
 */
export function maskEncoding(hist: Uint32Array): "0/255" | "0/1" | "other" {
  let other = false;
  for (let v = 2; v < 255 && !other; v++) other = hist[v] > 0;
  if (other || (hist[1] > 0 && hist[255] > 0)) return "other";
  return hist[1] > 0 ? "0/1" : "0/255";
}

/**
 * The threshold t (foreground = value > t) that splits an 8-bit mask into two classes: Otsu's,
 * the middle of its plateau, so a two-level mask {a < b} gets t in [a, b) and can never be
 * erased (the old fixed 128 turned 0/1 masks all-background). For JPEG-compressed 0/255 masks
 * this lands near mid-gray, where the fixed rule was. A one-level mask gets 127.
 * @example
 * twoClassThreshold(histogram256(new Uint8Array([0, 1, 1]))); // 0
 */
export function twoClassThreshold(hist: Uint32Array): number {
  let total = 0, sum = 0;
  for (let v = 0; v < 256; v++) {
    total += hist[v];
    sum += v * hist[v];
  }
  let best = -1, first = -1, last = -1, wB = 0, sumB = 0;
  for (let t = 0; t < 255; t++) {
    wB += hist[t];
    sumB += t * hist[t];
    const wF = total - wB;
    if (wB === 0 || wF === 0) continue;
    const d = sumB / wB - (sum - sumB) / wF;
    const between = wB * wF * d * d;
    // ties within rounding extend the plateau
    if (between > best * (1 + 1e-12)) {
      best = between;
      first = last = t;
    } else if (between >= best * (1 - 1e-12)) last = t;
  }
  return first < 0 ? 127 : Math.floor((first + last) / 2);
}
