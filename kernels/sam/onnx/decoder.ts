/**
 * Prompt → decoder feeds and decoder outputs → one DecodeResult, per decoder kind. Pure
 * functions over typed arrays, so the exact tensors can be tested without a model.
 */
import type { Point } from "../../../core/image.ts";
import { binarize } from "../../masks/threshold.ts";
import type { DecodeOptions, DecodeResult, Embedding } from "../segmenter.ts";
import { LOW_RES } from "../segmenter.ts";
import type { DecoderKind } from "../registry.ts";
import { gridToImage, toModelFrame } from "../transform.ts";

export interface Feed {
  type: "float32" | "int64";
  dims: number[];
  data: Float32Array | BigInt64Array;
}

/**
 * SAM's point prompt in the 1024 frame: coords [1, N+1, 2], labels [1, N+1]. Without a box,
 * SamPredictor adds a (0, 0) point labelled −1 (the prompt encoder's "not a point" embedding);
 * with a box, its corners follow the points labelled 2 (top-left) and 3 (bottom-right).
 */
export function samPointFeeds(
  points: Point[],
  width: number,
  height: number,
  pad: boolean,
  box?: DecodeOptions["box"],
) {
  const all: { x: number; y: number; label: number }[] = points.slice();
  if (box) all.push({ x: box.x0, y: box.y0, label: 2 }, { x: box.x1, y: box.y1, label: 3 });
  const n = all.length + (pad && !box ? 1 : 0);
  const coords = new Float32Array(n * 2);
  const labels = new Float32Array(n);
  all.forEach((p, i) => {
    const q = toModelFrame(p, width, height);
    coords[2 * i] = q.x;
    coords[2 * i + 1] = q.y;
    labels[i] = p.label;
  });
  if (n > all.length) labels[n - 1] = -1;
  return {
    point_coords: { type: "float32" as const, dims: [1, n, 2], data: coords },
    point_labels: { type: "float32" as const, dims: [1, n], data: labels },
  };
}

let warnedNegatives = false;

/** The decoder's feeds for one prompt set. */
export function decoderFeeds(
  kind: DecoderKind,
  emb: Embedding,
  points: Point[],
  options: DecodeOptions = {},
): Record<string, Feed> {
  const image_embeddings: Feed = { type: "float32", dims: [1, emb.channels, 64, 64], data: emb.data };
  if (kind === "efficientsam") {
    // EfficientSAM takes original-pixel points and rescales inside; MODELS.md: no negative clicks.
    const pos = points.filter((p) => p.label === 1);
    if (pos.length < points.length && !warnedNegatives) {
      warnedNegatives = true;
      console.error("[alignsam] efficientsam: negative clicks are not supported by this export; dropped");
    }
    if (pos.length === 0) throw new RangeError("efficientsam: a prompt needs at least one positive click");
    const coords = new Float32Array(pos.length * 2);
    pos.forEach((p, i) => {
      coords[2 * i] = p.x;
      coords[2 * i + 1] = p.y;
    });
    return {
      image_embeddings,
      batched_point_coords: { type: "float32", dims: [1, 1, pos.length, 2], data: coords },
      batched_point_labels: {
        type: "float32",
        dims: [1, 1, pos.length],
        data: new Float32Array(pos.length).fill(1),
      },
      orig_im_size: {
        type: "int64",
        dims: [2],
        data: BigInt64Array.from([BigInt(emb.height), BigInt(emb.width)]),
      },
    };
  }
  const pts = samPointFeeds(points, emb.width, emb.height, true, options.box);
  if (kind === "edgesam") return { image_embeddings, ...pts };
  const prev = options.prevLowRes;
  if (prev && prev.length !== LOW_RES * LOW_RES) {
    throw new RangeError(`prevLowRes must have ${LOW_RES * LOW_RES} values, got ${prev.length}`);
  }
  return {
    image_embeddings,
    ...pts,
    mask_input: {
      type: "float32",
      dims: [1, 1, LOW_RES, LOW_RES],
      data: prev ?? new Float32Array(LOW_RES * LOW_RES),
    },
    has_mask_input: { type: "float32", dims: [1], data: new Float32Array([prev ? 1 : 0]) },
    orig_im_size: { type: "float32", dims: [2], data: new Float32Array([emb.height, emb.width]) },
  };
}

/**
 * Which of M masks to keep. SAM's decoder emits 4 (token 0 = the single-mask answer, 1–3 =
 * the multimask answers); SamPredictor keeps 0 without multimask, else the best of 1–3 by
 * predicted IoU. With 3 masks (EfficientSAM) the best; with 1, that one.
 */
export function selectMask(iou: ArrayLike<number>, m: number, multimask: boolean): number {
  if (m === 1) return 0;
  const from = m === 4 ? 1 : 0;
  if (m === 4 && !multimask) return 0;
  let best = from;
  for (let k = from + 1; k < m; k++) if (iou[k] > iou[best]) best = k;
  return best;
}

/** SAM's postprocess_masks on one low-res map (padded layout). Returns logits [h, w]. */
export function upsampleLowRes(lowRes: Float32Array, width: number, height: number): Float32Array {
  return gridToImage(lowRes, LOW_RES, width, height, true);
}

export interface RawOutputs {
  [name: string]: { dims: readonly number[]; data: Float32Array };
}

/** The decoder's outputs → mask at the original size, the kept low-res logits and its score. */
export function readDecoderOutputs(
  kind: DecoderKind,
  out: RawOutputs,
  width: number,
  height: number,
  multimask: boolean,
): DecodeResult {
  const iou = kind === "edgesam" ? out.scores : out.iou_predictions;
  const low = out.low_res_masks;
  const m = low.dims[1];
  const k = selectMask(iou.data, m, multimask);
  const plane = LOW_RES * LOW_RES;
  const lowRes = low.data.slice(k * plane, (k + 1) * plane);
  let logits: Float32Array;
  if (kind === "edgesam") {
    logits = upsampleLowRes(lowRes, width, height);
  } else {
    const full = kind === "efficientsam" ? out.output_masks : out.masks;
    const dims = full.dims;
    const [h, w] = [dims[dims.length - 2], dims[dims.length - 1]];
    if (h !== height || w !== width) {
      throw new RangeError(`decoder returned masks of ${w}×${h}, expected the original ${width}×${height}`);
    }
    logits = full.data.subarray(k * w * h, (k + 1) * w * h);
  }
  return { mask: binarize(logits, 0), lowRes, score: iou.data[k] };
}
