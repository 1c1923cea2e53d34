/**
 * Image → encoder input tensor, per preprocessing kind (kernels/sam/registry.ts). SAM resizes
 * with PIL (antialiased bilinear); we resample with area averaging when shrinking and bilinear
 * (align_corners = false) when enlarging: the same footprint, not bit-identical to PIL.
 */
import type { RGBImage } from "../../../core/image.ts";
import { resizeAreaF32, resizeBilinear } from "../../masks/resize.ts";
import type { PreprocessKind } from "../registry.ts";
import { resizedSize, SAM_FRAME } from "../transform.ts";

/** segment-anything's pixel_mean / pixel_std (RGB, 0–255). */
export const PIXEL_MEAN = [123.675, 116.28, 103.53] as const;
export const PIXEL_STD = [58.395, 57.12, 57.375] as const;

export interface EncoderInput {
  dims: number[];
  data: Float32Array;
}

/** One channel of an RGB image as float [H, W]. */
function channel(img: RGBImage, c: number): Float32Array {
  const out = new Float32Array(img.width * img.height);
  for (let i = 0; i < out.length; i++) out[i] = img.data[i * 3 + c];
  return out;
}

/** Channel c resized to w × h: area mean when shrinking (like PIL's antialias), else bilinear. */
function resizedChannel(img: RGBImage, c: number, w: number, h: number): Float32Array {
  const src = channel(img, c);
  if (w === img.width && h === img.height) return src;
  return w < img.width || h < img.height
    ? resizeAreaF32(src, img.width, img.height, w, h)
    : resizeBilinear(src, img.width, img.height, w, h);
}

/**
 * `frame` (default SAM's 1024) is the long side; the stand-in's MobileNetV2 takes 512 (its
 * ImageNet mean/std are SAM's pixel_mean/pixel_std).
 * @example
 * encoderInput({ width: 500, height: 375, data }, "sam-pad-1024").dims; // [1, 3, 1024, 1024]
 */
export function encoderInput(img: RGBImage, kind: PreprocessKind, frame = SAM_FRAME): EncoderInput {
  if (kind === "rgb01-original") {
    // EfficientSAM: [1, 3, H, W] RGB / 255; the export resizes and normalises inside.
    const hw = img.width * img.height;
    const data = new Float32Array(3 * hw);
    for (let i = 0; i < hw; i++) {
      for (let c = 0; c < 3; c++) data[c * hw + i] = img.data[i * 3 + c] / 255;
    }
    return { dims: [1, 3, img.height, img.width], data };
  }
  const r = resizedSize(img.width, img.height, frame);
  const chans = [0, 1, 2].map((c) => resizedChannel(img, c, r.width, r.height));
  if (kind === "hwc-resized") {
    // Acly/MobileSAM: [H', W', 3] float RGB 0–255; normalise + pad happen in the graph.
    const n = r.width * r.height;
    const data = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) data[i * 3 + c] = chans[c][i];
    return { dims: [r.height, r.width, 3], data };
  }
  // sam-pad-1024: normalise, then zero-pad bottom/right (padding is 0 after normalisation).
  const S = frame;
  const data = new Float32Array(3 * S * S);
  for (let c = 0; c < 3; c++) {
    const src = chans[c], base = c * S * S, m = PIXEL_MEAN[c], s = PIXEL_STD[c];
    for (let y = 0; y < r.height; y++) {
      for (let x = 0; x < r.width; x++) data[base + y * S + x] = (src[y * r.width + x] - m) / s;
    }
  }
  return { dims: [1, 3, S, S], data };
}
