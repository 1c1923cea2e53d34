/**
 * Point traces of a few test images for supp. Fig. 1: the image, its GT and the mask after each
 * step as small PNGs (long side ≤ 256), with the points so far (Trace in core/records.ts).
 */
import type { BinaryMask, Point, RGBImage } from "../../core/image.ts";
import type { Trace } from "../../core/records.ts";
import { resizeBilinear, resizeNearest } from "../masks/resize.ts";
import { encodeMaskPng, encodeRgbPng } from "../../core/image_io.ts";

export const TRACE_SIDE = 256;

/** Size of an image scaled so its long side is at most `side`. */
export function thumbSize(width: number, height: number, side = TRACE_SIDE): { w: number; h: number } {
  const s = Math.min(1, side / Math.max(width, height));
  return { w: Math.max(1, Math.round(width * s)), h: Math.max(1, Math.round(height * s)) };
}

/** Bilinear per channel. */
export function resizeRgb(img: RGBImage, w: number, h: number): RGBImage {
  const n = img.width * img.height;
  const out = new Uint8Array(w * h * 3);
  for (let c = 0; c < 3; c++) {
    const plane = new Float32Array(n);
    for (let i = 0; i < n; i++) plane[i] = img.data[i * 3 + c];
    const r = resizeBilinear(plane, img.width, img.height, w, h);
    for (let i = 0; i < w * h; i++) out[i * 3 + c] = Math.max(0, Math.min(255, Math.round(r[i])));
  }
  return { width: w, height: h, data: out };
}

export function resizeMask(mask: BinaryMask, w: number, h: number): BinaryMask {
  return { width: w, height: h, data: resizeNearest(mask.data, mask.width, mask.height, w, h) };
}

/** Collects one image's trace and writes its PNGs through `write` (entry-relative names). */
export class TraceRecorder {
  readonly trace: Trace;
  private readonly w: number;
  private readonly h: number;
  private readonly pending: Promise<void>[] = [];

  constructor(
    readonly stem: string,
    image: RGBImage,
    gt: BinaryMask,
    private readonly write: (name: string, bytes: Uint8Array) => Promise<void>,
  ) {
    ({ w: this.w, h: this.h } = thumbSize(image.width, image.height));
    const base = `traces/${safe(stem)}`;
    this.trace = { stem, image: `${base}/image.png`, gt: `${base}/gt.png`, steps: [] };
    this.pending.push(encodeRgbPng(resizeRgb(image, this.w, this.h)).then((b) => write(this.trace.image, b)));
    this.pending.push(encodeMaskPng(resizeMask(gt, this.w, this.h)).then((b) => write(this.trace.gt, b)));
  }

  step(t: number, points: Point[], mask: BinaryMask): void {
    const name = `traces/${safe(this.stem)}/mask_t${String(t).padStart(2, "0")}.png`;
    this.trace.steps.push({ t, points: points.map((p) => ({ ...p })), mask: name });
    this.pending.push(encodeMaskPng(resizeMask(mask, this.w, this.h)).then((b) => this.write(name, b)));
  }

  async done(): Promise<Trace> {
    await Promise.all(this.pending);
    return this.trace;
  }
}

function safe(stem: string): string {
  return stem.replace(/[^A-Za-z0-9._-]/g, "_");
}
