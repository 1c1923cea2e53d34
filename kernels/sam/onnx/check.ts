/**
 * The first-use check of a SAM-family file pair (issue 12): decode a built-in portrait and a
 * landscape image with one click, and compare the graph's own full-size masks (where it has
 * them) with our postprocess of its low-res logits. A crop frozen at export time (the first
 * segment-anything onnx.py, before PR #58) shows up as disagreement on the aspect ratio it was
 * not traced with; our masks are unaffected because we never use the graph's full-size output.
 * Also measured: how many masks the decoder returns, whether the scores are stability scores,
 * and whether the low-res planes come in the scores' order.
 *
 * Results are cached in `<model cache>/checks.json` keyed by the files' sha256, so a file is
 * checked once, the first time a run uses it (kernels/sam/factory.ts), or on `models --check`.
 */
import { join } from "node:path";
import type { Point, RGBImage } from "../../../core/image.ts";
import { modelCacheDir, readCacheJson, writeCacheJson } from "../../models/resolve.ts";
import { iou } from "../../metrics/iou.ts";
import { LOW_RES } from "../segmenter.ts";
import type { DecoderPlanes } from "./decoder.ts";
import { keptMask, upsampleLowRes } from "./decoder.ts";
import type { OnnxSegmenter } from "./segmenter.ts";

/** Bump when what the check measures changes: older cached results are then redone. */
export const CHECK_VERSION = 1;
/** Largest share of pixels where the graph's full-size mask and ours may differ (edges, bicubic vs bilinear). */
export const MAX_DISAGREEMENT = 0.01;

export interface BuiltinImage {
  name: string;
  image: RGBImage;
  /** the disc a real segmenter should return for the click */
  disc: { cx: number; cy: number; r: number };
  click: Point;
}

/**
 * A red disc on a smooth blue-grey gradient, clicked at its centre; off-centre so a frozen crop
 * moves or cuts it. 600×400 has the aspect of the old exporter's dummy 2250×1500 input (its
 * frozen crop is right there), 400×600 is the portrait it gets wrong.
 */
export function builtinImage(name: string, width: number, height: number): BuiltinImage {
  const disc = { cx: 0.4 * width, cy: 0.55 * height, r: 0.2 * Math.min(width, height) };
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const inside = (x - disc.cx) ** 2 + (y - disc.cy) ** 2 <= disc.r ** 2;
      const g = 90 + Math.round((60 * (x + y)) / (width + height));
      data.set(inside ? [220, 40, 30] : [g - 20, g, g + 30], i);
    }
  }
  return { name, image: { width, height, data }, disc, click: { x: disc.cx, y: disc.cy, label: 1 } };
}

export const BUILTIN_IMAGES = () => [builtinImage("portrait", 400, 600), builtinImage("landscape", 600, 400)];

export interface PlaneComparison {
  /** mask index in the scores' order */
  k: number;
  /** share of pixels where graph and ours disagree on foreground */
  disagree: number;
  iou: number;
}

export interface ImageCheck {
  name: string;
  width: number;
  height: number;
  masksOut: number;
  /** per mask: the graph's full-size mask vs our postprocess; undefined without a full-size output */
  fullSize?: PlaneComparison[];
  /** IoU of our kept mask (multimask choice) with the disc: near 1 with real weights, meaningless with test graphs */
  discIou: number;
  /** the low-res plane behind each score (identity = in the scores' order) */
  lowResOrder: number[];
  /** per mask: |score − stability score of its low-res logits| (offset 1, threshold 0) */
  stabilityGap: number[];
}

export interface FileCheck {
  version: number;
  family: string;
  encoderSha?: string;
  decoderSha?: string;
  masksOut: number;
  /** measured where the scores may be either; else the registry's word */
  scoreKind: "predicted IoU" | "stability score";
  images: ImageCheck[];
  /** what needs a human's eye; empty = consistent */
  flags: string[];
}

/** Our postprocess vs the graph's own full-size output, mask by mask. */
export function compareFullSize(planes: DecoderPlanes, width: number, height: number, padded: boolean) {
  const full = planes.full;
  if (!full) return undefined;
  const hw = width * height, out: PlaneComparison[] = [];
  for (let k = 0; k < planes.m; k++) {
    const ours = upsampleLowRes(
      planes.lowRes.subarray(k * LOW_RES * LOW_RES, (k + 1) * LOW_RES * LOW_RES),
      width,
      height,
      padded,
    );
    const a = new Uint8Array(hw), b = new Uint8Array(hw);
    let diff = 0;
    for (let p = 0; p < hw; p++) {
      a[p] = ours[p] > 0 ? 1 : 0;
      b[p] = full.data[k * hw + p] > 0 ? 1 : 0;
      diff += a[p] ^ b[p];
    }
    out.push({ k, disagree: diff / hw, iou: iou(a, b) });
  }
  return out;
}

/** EdgeSAM's `--use-stability-score`: #(logit > 1) / #(logit > −1) on the low-res plane. */
export function stabilityScore(low: Float32Array): number {
  let inter = 0, union = 0;
  for (const v of low) {
    if (v > 1) inter++;
    if (v > -1) union++;
  }
  return union === 0 ? 0 : inter / union;
}

function discMask(b: BuiltinImage): Uint8Array {
  const { width, height } = b.image, out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      out[y * width + x] = (x - b.disc.cx) ** 2 + (y - b.disc.cy) ** 2 <= b.disc.r ** 2 ? 1 : 0;
    }
  }
  return out;
}

/** Run the check on a loaded segmenter (no cache). */
export async function checkSegmenterFiles(
  seg: OnnxSegmenter,
  hashes: { encoder?: string; decoder?: string } = {},
): Promise<FileCheck> {
  const images: ImageCheck[] = [];
  const flags: string[] = [];
  for (const b of BUILTIN_IMAGES()) {
    const { width, height } = b.image;
    const emb = await seg.embed(b.image);
    const planes = await seg.decodePlanes(emb, [b.click]);
    const fullSize = compareFullSize(planes, width, height, seg.padded);
    const kept = keptMask(planes, true, width, height, seg.padded);
    const plane = LOW_RES * LOW_RES;
    const stabilityGap = [...Array(planes.m).keys()].map((k) =>
      Math.abs(planes.scores[k] - stabilityScore(planes.lowRes.subarray(k * plane, (k + 1) * plane)))
    );
    images.push({
      name: b.name,
      width,
      height,
      masksOut: planes.m,
      fullSize,
      discIou: iou(kept.mask, discMask(b)),
      lowResOrder: planes.order,
      stabilityGap,
    });
    const worst = fullSize?.reduce((a, c) => (c.disagree > a.disagree ? c : a));
    if (worst && worst.disagree > MAX_DISAGREEMENT) {
      flags.push(
        `${b.name} ${width}×${height}: the graph's full-size mask ${worst.k} differs from our postprocess of its ` +
          `low-res logits on ${(100 * worst.disagree).toFixed(1)}% of pixels (IoU ${
            worst.iou.toFixed(3)
          }): ` +
          `its full-size output is not SAM's postprocess for this aspect ratio (a crop frozen at export?). ` +
          `Our masks come from the low-res logits and are not affected.`,
      );
    }
  }
  const m = images[0].masksOut;
  if (images.some((i) => i.masksOut !== m)) {
    flags.push(`mask count differs between images: ${images.map((i) => i.masksOut)}`);
  }
  // Stability scores are exact functions of the low-res logits: a gap under 1e-3 on every mask of
  // both images cannot be a coincidence of predicted IoUs.
  const stable = images.every((i) => i.stabilityGap.every((g) => g < 1e-3));
  const scoreKind = seg.family.scoreKind === "predicted-iou-or-stability" && stable
    ? "stability score"
    : "predicted IoU";
  if (seg.family.scoreKind === "predicted-iou" && stable && m > 1) {
    flags.push("the scores equal the masks' stability scores, although the registry expects predicted IoU");
  }
  return {
    version: CHECK_VERSION,
    family: seg.family.name,
    encoderSha: hashes.encoder,
    decoderSha: hashes.decoder,
    masksOut: m,
    scoreKind,
    images,
    flags,
  };
}

const CHECKS = "checks.json";
const readChecks = () => readCacheJson<FileCheck>(CHECKS);

/** The cache key of a file pair: family and both sha256. */
export function checkKey(family: string, encoderSha: string, decoderSha: string): string {
  return `${family}:${encoderSha}:${decoderSha}`;
}

/**
 * The check of this file pair from the cache, or run now (and cached, with one line on stderr
 * and one per flag). `fresh` = it ran now.
 */
export async function cachedFileCheck(
  seg: OnnxSegmenter,
  hashes: { encoder: string; decoder: string },
): Promise<{ check: FileCheck; fresh: boolean }> {
  const key = checkKey(seg.family.name, hashes.encoder, hashes.decoder);
  const hit = (await readChecks())[key];
  if (hit && hit.version === CHECK_VERSION) return { check: hit, fresh: false };
  const check = await checkSegmenterFiles(seg, hashes);
  const all = await readChecks(); // another process may have added entries meanwhile
  all[key] = check;
  await writeCacheJson(CHECKS, all);
  console.error(
    `[alignsam] first use of ${seg.decoderPath}: ${check.masksOut} mask(s) per decode, scores = ${check.scoreKind}; ` +
      (check.flags.length
        ? `${check.flags.length} flag(s):`
        : `consistent (cached in ${join(modelCacheDir(), CHECKS)})`),
  );
  for (const f of check.flags) console.error(`[alignsam]   ${f}`);
  return { check, fresh: true };
}
