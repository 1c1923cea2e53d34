/**
 * The backbone's input, [1, 3, S, S]: what encoderInput(image, "sam-pad-1024", S)
 * (../onnx/preprocess.ts) gives, bit for bit, in fewer passes. That one splits the image into
 * three float planes, resizes each, then normalises and pads: ≈ 3 ms for a 500×375 image and
 * ≈ 21 ms for a 1280×1024 glass image (measured), all on the embed's critical path before the
 * backbone. Here the resize reads the interleaved bytes directly and writes normalised values
 * straight into the padded frame; every value goes through the same float operations in the
 * same order (the resized value rounded to float32, then (v − mean) / std), hence the same bits.
 */
import type { RGBImage } from "../../../core/image.ts";
import { areaWeights, axisTaps } from "../../masks/resize.ts";
import { PIXEL_MEAN, PIXEL_STD } from "../onnx/preprocess.ts";
import { resizedSize } from "../transform.ts";

const [M0, M1, M2] = PIXEL_MEAN, [S0, S1, S2] = PIXEL_STD;

/** [1, 3, S, S] float32: the image resized so its long side is S, normalised, zero-padded. */
export function backboneInput(img: RGBImage, S: number): Float32Array {
  const { width: W, height: H } = img, r = resizedSize(W, H, S);
  const out = new Float32Array(3 * S * S);
  // as encoderInput: area means when either side shrinks, else bilinear (equal sizes included:
  // its taps are then the pixels themselves, weight 0 on the neighbour)
  if (r.width < W || r.height < H) areaInto(img, r.width, r.height, S, out);
  else bilinearInto(img, r.width, r.height, S, out);
  return out;
}

/** Bilinear (align_corners = false) w × h from the interleaved bytes, as resizeBilinear per channel. */
function bilinearInto(img: RGBImage, w: number, h: number, S: number, out: Float32Array): void {
  const { width: W, height: H, data } = img, f32 = Math.fround;
  const x0 = new Int32Array(w), x1 = new Int32Array(w), fx = new Float32Array(w);
  axisTaps(W, w, x0, x1, fx);
  const y0 = new Int32Array(h), y1 = new Int32Array(h), fy = new Float32Array(h);
  axisTaps(H, h, y0, y1, fy);
  const plane = S * S;
  for (let y = 0; y < h; y++) {
    const r0 = y0[y] * W, r1 = y1[y] * W, wy = fy[y];
    for (let x = 0, o = y * S; x < w; x++, o++) {
      // byte offsets of the four taps; channel c is at offset + c
      const p00 = (r0 + x0[x]) * 3, p01 = (r0 + x1[x]) * 3, p10 = (r1 + x0[x]) * 3, p11 = (r1 + x1[x]) * 3;
      const wx = fx[x];
      // the three channels written out: a loop over c reading PIXEL_MEAN[c] took ≈ 1.4× as long
      out[o] = (f32(lerp2(data[p00], data[p01], data[p10], data[p11], wx, wy)) - M0) / S0;
      out[plane + o] = (f32(lerp2(data[p00 + 1], data[p01 + 1], data[p10 + 1], data[p11 + 1], wx, wy)) - M1) /
        S1;
      out[2 * plane + o] =
        (f32(lerp2(data[p00 + 2], data[p01 + 2], data[p10 + 2], data[p11 + 2], wx, wy)) - M2) / S2;
    }
  }
}

/** resizeBilinear's arithmetic for one value: a–b the top taps, c–d the bottom ones. */
function lerp2(a: number, b: number, c: number, d: number, wx: number, wy: number): number {
  const top = a + (b - a) * wx;
  const bot = c + (d - c) * wx;
  return top + (bot - top) * wy;
}

/** Area means w × h from the interleaved bytes, as resizeAreaF32 per channel (rows, then columns). */
function areaInto(img: RGBImage, w: number, h: number, S: number, out: Float32Array): void {
  const { width: W, height: H, data } = img, f32 = Math.fround;
  const wx = areaWeights(W, w), wy = areaWeights(H, h);
  // [3, H, w] the row pass, the three channels' sums each in resizeAreaF32's order
  const n = H * w, tmp = new Float64Array(3 * n);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < w; x++) {
      const { start, w: k } = wx[x];
      let a0 = 0, a1 = 0, a2 = 0;
      for (let j = 0, p = (y * W + start) * 3; j < k.length; j++, p += 3) {
        a0 += k[j] * data[p];
        a1 += k[j] * data[p + 1];
        a2 += k[j] * data[p + 2];
      }
      const i = y * w + x;
      tmp[i] = a0;
      tmp[n + i] = a1;
      tmp[2 * n + i] = a2;
    }
  }
  for (let c = 0; c < 3; c++) {
    const m = PIXEL_MEAN[c], s = PIXEL_STD[c], base = c * S * S, t = c * n;
    for (let y = 0; y < h; y++) {
      const { start, w: k } = wy[y], o = base + y * S;
      for (let x = 0; x < w; x++) {
        let acc = 0;
        for (let j = 0; j < k.length; j++) acc += k[j] * tmp[t + (start + j) * w + x];
        out[o + x] = (f32(acc) - m) / s;
      }
    }
  }
}
