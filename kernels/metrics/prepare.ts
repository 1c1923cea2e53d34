/**
 * From 8-bit images on disk to metric inputs, as PySODMetrics' `prepare_data` does (its
 * MATLAB origin: `mapminmax(im2double(pred))`, `gt > 128`).
 */
import type { Pred } from "./common.ts";

/**
 * GT pixels above 128 are foreground (0/255 masks, and JPEG-ish ones, binarise the same way).
 * @example
 * gtFromGray(new Uint8Array([0, 128, 129, 255])); // [0, 0, 1, 1]
 */
export function gtFromGray(gray: Uint8Array): Uint8Array {
  const out = new Uint8Array(gray.length);
  for (let i = 0; i < gray.length; i++) out[i] = gray[i] > 128 ? 1 : 0;
  return out;
}

/**
 * A soft map: v/255, then min-max stretched to [0, 1] unless constant (PySODMetrics does this to
 * every prediction, so a map that never reaches 255 is still judged on its full range).
 * @example
 * softFromGray(new Uint8Array([51, 102, 153])); // [0, 0.5, 1]
 */
export function softFromGray(gray: Uint8Array): Float32Array {
  let lo = 255, hi = 0;
  for (let i = 0; i < gray.length; i++) {
    if (gray[i] < lo) lo = gray[i];
    if (gray[i] > hi) hi = gray[i];
  }
  const out = new Float32Array(gray.length);
  if (hi === lo) {
    for (let i = 0; i < gray.length; i++) out[i] = gray[i] / 255;
  } else {
    // In float64 as the reference, then stored: (v/255 − lo/255) / (hi/255 − lo/255).
    for (let i = 0; i < gray.length; i++) out[i] = (gray[i] / 255 - lo / 255) / (hi / 255 - lo / 255);
  }
  return out;
}

/**
 * A prediction image as a metric input: only 0 and 255 present → binary mask (0/1), so F_β and
 * E_φ take their plain single values; anything else → `softFromGray`.
 * @example
 * predFromGray(new Uint8Array([0, 255])); // Uint8Array [0, 1]
 */
export function predFromGray(gray: Uint8Array): Pred {
  for (let i = 0; i < gray.length; i++) {
    if (gray[i] !== 0 && gray[i] !== 255) return softFromGray(gray);
  }
  return gtFromGray(gray);
}
