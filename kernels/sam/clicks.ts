/**
 * The simulated-click protocol of interactive segmentation (issue 5's quality bar; the usual
 * NoC protocol of Xu et al. 2016 / RITM): the first click is a positive one at the ground
 * truth's most interior point (the maximum of its Euclidean distance transform); every next
 * click goes to the most interior point of the largest error region, positive inside a false
 * negative region, negative inside a false positive one. IoU is recorded after each click.
 */
import type { Point } from "../../core/image.ts";
import { edt } from "../masks/distance.ts";
import { connectedComponents } from "../masks/components.ts";
import type { Embedding, Segmenter } from "./segmenter.ts";

/**
 * The most interior pixel of a mask: argmax of its EDT (outside the image counts as
 * background); ties go to the first pixel in raster order. null for an empty mask.
 * @example
 * interiorPoint(new Uint8Array([0, 1, 1, 1, 0]), 5, 1); // { x: 2, y: 0 }
 */
export function interiorPoint(
  /** [h, w] */ mask: Uint8Array,
  w: number,
  h: number,
): { x: number; y: number } | null {
  // The EDT runs on the mask's bounding box only: outside it nothing is foreground, and
  // edt() treats outside-the-array as background, so the crop changes no distance.
  let x0 = w, y0 = h, x1 = -1, y1 = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!mask[y * w + x]) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  if (x1 < 0) return null;
  const cw = x1 - x0 + 1, ch = y1 - y0 + 1;
  const crop = new Uint8Array(cw * ch);
  for (let y = 0; y < ch; y++) crop.set(mask.subarray((y + y0) * w + x0, (y + y0) * w + x0 + cw), y * cw);
  const d = edt(crop, cw, ch);
  let best = 0;
  for (let i = 1; i < d.length; i++) if (d[i] > d[best]) best = i;
  return { x: x0 + (best % cw), y: y0 + Math.floor(best / cw) };
}

/**
 * The next corrective click: the largest 4-connected error region (false negatives and false
 * positives compete on size; a tie goes to the false negatives), clicked at its most interior
 * point. Ignored pixels (`ignore` = 1) are errors of neither kind. null when there is no error.
 */
export function nextClick(
  /** [h, w] */ pred: Uint8Array,
  /** [h, w] */ gt: Uint8Array,
  w: number,
  h: number,
  /** [h, w] */ ignore?: Uint8Array,
): Point | null {
  const fn = new Uint8Array(w * h), fp = new Uint8Array(w * h);
  for (let i = 0; i < fn.length; i++) {
    if (ignore?.[i]) continue;
    if (gt[i] && !pred[i]) fn[i] = 1;
    else if (!gt[i] && pred[i]) fp[i] = 1;
  }
  const largest = (m: Uint8Array) => {
    const { labels, sizes } = connectedComponents(m, w, h);
    let k = 0;
    for (let j = 1; j < sizes.length; j++) if (sizes[j] > sizes[k]) k = j;
    return { labels, label: k, size: sizes[k] };
  };
  const a = largest(fn), b = largest(fp);
  if (a.size === 0 && b.size === 0) return null;
  const pick = a.size >= b.size ? a : b;
  const region = new Uint8Array(w * h);
  for (let i = 0; i < region.length; i++) region[i] = pick.labels[i] === pick.label ? 1 : 0;
  const p = interiorPoint(region, w, h)!;
  return { x: p.x, y: p.y, label: pick === a ? 1 : 0 };
}

/**
 * Intersection over union of two 0/1 masks, skipping ignored pixels; 1 when both are empty.
 * @example
 * maskIou(new Uint8Array([1, 1, 0]), new Uint8Array([0, 1, 1])); // 1/3
 */
export function maskIou(pred: Uint8Array, gt: Uint8Array, ignore?: Uint8Array): number {
  let inter = 0, union = 0;
  for (let i = 0; i < gt.length; i++) {
    if (ignore?.[i]) continue;
    const p = pred[i] !== 0, g = gt[i] !== 0;
    if (p && g) inter++;
    if (p || g) union++;
  }
  return union === 0 ? 1 : inter / union;
}

export interface ClickRun {
  /** IoU after 1..maxClicks clicks (index k−1 = after k clicks) */
  ious: number[];
  /** the clicks, in order */
  points: Point[];
  /** wall time of every decode call, ms */
  decodeMs: number[];
}

/**
 * Run the protocol for one image: up to `maxClicks` clicks, decoding after each with all clicks
 * so far. Once the mask is perfect no click is left to place; the IoU then stays as it is.
 */
export async function simulateClicks(
  segmenter: Segmenter,
  embedding: Embedding,
  /** [h, w] 0/1 */ gt: Uint8Array,
  maxClicks: number,
  /** [h, w] */ ignore?: Uint8Array,
): Promise<ClickRun> {
  const { width: w, height: h } = embedding;
  if (gt.length !== w * h) throw new RangeError(`simulateClicks: mask has ${gt.length} values for ${w}×${h}`);
  const first = interiorPoint(gt, w, h);
  const run: ClickRun = { ious: [], points: [], decodeMs: [] };
  if (!first) {
    // An empty ground truth: no positive click exists; an empty prediction is exact.
    run.ious = new Array(maxClicks).fill(1);
    return run;
  }
  let click: Point | null = { ...first, label: 1 };
  let iou = 0;
  let prevLowRes: Float32Array | undefined;
  for (let k = 0; k < maxClicks; k++) {
    if (click) {
      run.points.push(click);
      const t0 = performance.now();
      const out = await segmenter.decode(embedding, run.points, { prevLowRes });
      run.decodeMs.push(performance.now() - t0);
      prevLowRes = out.lowRes;
      iou = maskIou(out.mask, gt, ignore);
      click = k + 1 < maxClicks ? nextClick(out.mask, gt, w, h, ignore) : null;
    }
    run.ious.push(iou);
  }
  return run;
}
