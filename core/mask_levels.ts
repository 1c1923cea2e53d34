/**
 * How an 8-bit mask file stores its two classes, and where to split it: read by data/validate.ts
 * when a dataset is checked and by cli/eval_masks.ts for a user's predicted masks. It lives in
 * core/ because it is about files on disk, not about SAM's logits (kernels/masks/threshold.ts).
 */

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
