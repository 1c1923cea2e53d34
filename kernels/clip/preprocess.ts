/**
 * CLIP Surgery's image preprocessing (its demo: `Resize((S, S), BICUBIC)`, no centre crop,
 * `ToTensor`, `Normalize(mean, std)`), as pure functions over RGB arrays.
 */
import type { RGBImage } from "../../core/image.ts";

export const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
export const CLIP_STD = [0.26862954, 0.26130258, 0.27577711] as const;

/** Keys' bicubic kernel with a = −0.5 (PIL's BICUBIC). */
function cubic(x: number): number {
  const a = -0.5;
  x = Math.abs(x);
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

/**
 * PIL's resampling taps for one axis: the kernel is stretched by the scale when shrinking
 * (antialiasing), which torchvision's Resize on a PIL image inherits.
 */
function taps(inSize: number, outSize: number): { start: number; w: Float64Array }[] {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 2 * filterScale;
  const out = [];
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    const start = Math.max(Math.trunc(center - support + 0.5), 0);
    const end = Math.min(Math.trunc(center + support + 0.5), inSize);
    const w = new Float64Array(end - start);
    let total = 0;
    for (let j = 0; j < w.length; j++) total += w[j] = cubic((j + start - center + 0.5) / filterScale);
    for (let j = 0; j < w.length; j++) w[j] = total !== 0 ? w[j] / total : 0;
    out.push({ start, w });
  }
  return out;
}

const clampByte = (v: number) => Math.min(255, Math.max(0, Math.round(v)));

/**
 * Bicubic resize of an 8-bit RGB image to `width`×`height`, horizontal pass then vertical, each
 * rounded to 8 bits as PIL does for 8-bit images.
 */
export function resizeBicubicRgb(img: RGBImage, width: number, height: number): RGBImage {
  const tx = taps(img.width, width), ty = taps(img.height, height);
  const mid = new Uint8Array(img.height * width * 3);
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < width; x++) {
      const { start, w } = tx[x];
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let k = 0; k < w.length; k++) s += w[k] * img.data[(y * img.width + start + k) * 3 + c];
        mid[(y * width + x) * 3 + c] = clampByte(s);
      }
    }
  }
  const out = new Uint8Array(height * width * 3);
  for (let y = 0; y < height; y++) {
    const { start, w } = ty[y];
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let k = 0; k < w.length; k++) s += w[k] * mid[((start + k) * width + x) * 3 + c];
        out[(y * width + x) * 3 + c] = clampByte(s);
      }
    }
  }
  return { width, height, data: out };
}

/** The image as CLIP's input: resized to size×size, scaled to [0, 1], normalised. [3, S, S] */
export function clipInput(img: RGBImage, size: number): Float32Array {
  const r = img.width === size && img.height === size ? img : resizeBicubicRgb(img, size, size);
  const n = size * size;
  const out = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) out[c * n + i] = (r.data[i * 3 + c] / 255 - CLIP_MEAN[c]) / CLIP_STD[c];
  }
  return out;
}
