/**
 * Prompt → decoder feeds and decoder outputs → one DecodeResult, for every family through one
 * path: the mask is always made from the low-res logits by our SamPredictor-style postprocess
 * (kernels/sam/transform.ts gridToImage); a graph's own full-size output is read only for the
 * consistency check (kernels/sam/onnx/check.ts). Pure functions over typed arrays, so the exact
 * tensors can be tested without a model.
 */
import type { Point } from "../../../core/image.ts";
import { ModelError } from "../../../core/errors.ts";
import { binarize } from "../../masks/threshold.ts";
import type { DecodeOptions, DecodeResult, Embedding } from "../segmenter.ts";
import { LOW_RES } from "../segmenter.ts";
import type { FamilySpec } from "../registry.ts";
import { gridToImage, imageExtentOnGrid, toModelFrame } from "../transform.ts";

export interface Feed {
  type: "float32" | "int64";
  dims: number[];
  data: Float32Array | BigInt64Array;
}

/** What feeding and reading need of a family. */
export type DecoderSpec = Pick<
  FamilySpec,
  "name" | "decoderKind" | "paddingPoint" | "maxPoints" | "lowResOrder"
>;

const warned = new Set<string>();
/** Print `message` once per process per `key` (a family's limits are worth one line, not one per click). */
export function warnOnce(key: string, message: string): void {
  if (warned.has(key)) return;
  warned.add(key);
  console.error(`[alignsam] ${message}`);
}

/**
 * SAM's point prompt in the 1024 frame: coords [1, N(+1), 2], labels [1, N(+1)]. Without a box,
 * SamPredictor adds a (0, 0) point labelled −1 (the prompt encoder's "not a point" embedding)
 * where `pad`; with a box, its corners follow the points labelled 2 (top-left) and 3 (bottom-right).
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

/**
 * At most `max` clicks: past it, the first positive click (the episode's anchor: AlignSAM's
 * first action, PerSAM's location prior) and the `max − 1` most recent ones, in click order.
 * EfficientSAM's export would otherwise keep the FIRST 6 silently, so later clicks would change
 * nothing. Returns the points kept and how many were dropped.
 */
export function limitPoints(points: Point[], max: number | undefined): { points: Point[]; dropped: number } {
  if (max === undefined || points.length <= max) return { points, dropped: 0 };
  const first = Math.max(0, points.findIndex((p) => p.label === 1));
  const recent = points.slice(-(max - 1));
  const kept = first < points.length - (max - 1) ? [points[first], ...recent] : points.slice(-max);
  return { points: kept, dropped: points.length - kept.length };
}

/** The decoder's feeds for one prompt set. */
export function decoderFeeds(
  spec: DecoderSpec,
  emb: Embedding,
  points: Point[],
  options: DecodeOptions = {},
): Record<string, Feed> {
  const image_embeddings: Feed = { type: "float32", dims: [1, emb.channels, 64, 64], data: emb.data };
  if (spec.decoderKind === "efficientsam") {
    // EfficientSAM takes original-pixel points and rescales inside; MODELS.md: no negative clicks.
    const pos = points.filter((p) => p.label === 1);
    if (pos.length < points.length) {
      warnOnce(
        `${spec.name}:negatives`,
        `${spec.name}: negative clicks are not supported by this export; dropped`,
      );
    }
    if (pos.length === 0) throw new RangeError(`${spec.name}: a prompt needs at least one positive click`);
    const { points: kept, dropped } = limitPoints(pos, spec.maxPoints);
    if (dropped) {
      warnOnce(
        `${spec.name}:limit`,
        `${spec.name}: the export takes at most ${spec.maxPoints} points (decoder_max_num_input_points); ` +
          `past that the first positive click and the ${spec.maxPoints! - 1} most recent are fed ` +
          `(here ${kept.length} of ${pos.length})`,
      );
    }
    const coords = new Float32Array(kept.length * 2);
    kept.forEach((p, i) => {
      coords[2 * i] = p.x;
      coords[2 * i + 1] = p.y;
    });
    return {
      image_embeddings,
      batched_point_coords: { type: "float32", dims: [1, 1, kept.length, 2], data: coords },
      batched_point_labels: {
        type: "float32",
        dims: [1, 1, kept.length],
        data: new Float32Array(kept.length).fill(1),
      },
      orig_im_size: {
        type: "int64",
        dims: [2],
        data: BigInt64Array.from([BigInt(emb.height), BigInt(emb.width)]),
      },
    };
  }
  const limited = limitPoints(points, spec.maxPoints).points;
  const pts = samPointFeeds(limited, emb.width, emb.height, spec.paddingPoint, options.box);
  if (spec.decoderKind === "edgesam") return { image_embeddings, ...pts };
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
 * score. With 3 masks (EfficientSAM) the best; with 1 (single-mask export), that one.
 */
export function selectMask(iou: ArrayLike<number>, m: number, multimask: boolean): number {
  if (m === 1) return 0;
  const from = m === 4 ? 1 : 0;
  if (m === 4 && !multimask) return 0;
  let best = from;
  for (let k = from + 1; k < m; k++) if (iou[k] > iou[best]) best = k;
  return best;
}

export interface RawOutput {
  dims: readonly number[];
  data: Float32Array;
}

/** The decoder's outputs by role (kernels/sam/registry.ts DecoderOutputRoles, resolved on load). */
export interface RoleOutputs {
  lowRes: RawOutput;
  scores: RawOutput;
  full?: RawOutput;
}

/** One decode's masks, all in the scores' order. */
export interface DecoderPlanes {
  /** masks returned: 4 (SAM tokens), 3 (EfficientSAM), 1 (single-mask export: the graph chose) */
  m: number;
  /** [m, 256, 256] */
  lowRes: Float32Array;
  /** [m] */
  scores: Float32Array;
  /** the graph's own full-size masks [m, h, w], where it has them */
  full?: { data: Float32Array; width: number; height: number };
  /** the graph's low-res plane behind each score (identity unless the graph sorted only the scores) */
  order: number[];
}

const PLANE = LOW_RES * LOW_RES;

/**
 * For each full-size mask, the low-res plane whose sign agrees with it at most low-res cell
 * centres inside the image (greedy, best first). For exports that sort scores and full-size
 * masks but not the low-res output (EfficientSAM's predict_masks).
 */
export function matchPlanes(
  full: NonNullable<DecoderPlanes["full"]>,
  low: Float32Array,
  m: number,
  padded: boolean,
): number[] {
  const { width: W, height: H } = full;
  const e = imageExtentOnGrid(W, H, LOW_RES, padded);
  const agree = (k: number, p: number) => {
    let n = 0;
    for (let i = 0; i < Math.floor(e.h); i++) {
      const y = Math.min(H - 1, Math.floor(((i + 0.5) / e.h) * H));
      for (let j = 0; j < Math.floor(e.w); j++) {
        const x = Math.min(W - 1, Math.floor(((j + 0.5) / e.w) * W));
        if ((full.data[k * W * H + y * W + x] > 0) === (low[p * PLANE + i * LOW_RES + j] > 0)) n++;
      }
    }
    return n;
  };
  const pairs: { k: number; p: number; n: number }[] = [];
  for (let k = 0; k < m; k++) for (let p = 0; p < m; p++) pairs.push({ k, p, n: agree(k, p) });
  pairs.sort((a, b) => b.n - a.n || a.k - b.k || a.p - b.p);
  const order = new Array<number>(m).fill(-1), used = new Set<number>();
  for (const { k, p } of pairs) {
    if (order[k] >= 0 || used.has(p)) continue;
    order[k] = p;
    used.add(p);
  }
  return order;
}

/** The decoder's outputs → planes in the scores' order, checked for consistent mask counts. */
export function decoderPlanes(
  spec: DecoderSpec,
  out: RoleOutputs,
  padded: boolean,
  file = spec.name,
): DecoderPlanes {
  const ld = out.lowRes.dims;
  const m = out.lowRes.data.length / PLANE;
  if (ld[ld.length - 1] !== LOW_RES || ld[ld.length - 2] !== LOW_RES || !Number.isInteger(m) || m < 1) {
    throw new ModelError(
      `${file}: low-res masks came out as [${ld}], expected [..,M,${LOW_RES},${LOW_RES}]`,
      file,
    );
  }
  if (out.scores.data.length !== m) {
    throw new ModelError(`${file}: ${out.scores.data.length} scores for ${m} low-res masks`, file);
  }
  let full: DecoderPlanes["full"];
  if (out.full) {
    const d = out.full.dims, height = d[d.length - 2], width = d[d.length - 1];
    if (out.full.data.length !== m * width * height) {
      throw new ModelError(`${file}: full-size masks [${d}] do not hold ${m} masks`, file);
    }
    full = { data: out.full.data, width, height };
  }
  let lowRes = out.lowRes.data;
  let order = [...Array(m).keys()];
  if (spec.lowResOrder === "match-full-size" && full && m > 1) {
    order = matchPlanes(full, lowRes, m, padded);
    const sorted = new Float32Array(m * PLANE);
    order.forEach((p, k) => sorted.set(lowRes.subarray(p * PLANE, (p + 1) * PLANE), k * PLANE));
    lowRes = sorted;
  }
  return { m, lowRes, scores: out.scores.data, full, order };
}

/**
 * SAM's postprocess_masks on one low-res map: padded layout = bilinear to 1024, crop the resized
 * region, bilinear to the original size; stretched (EfficientSAM) = one bilinear resize (upstream
 * resizes bicubically: the two differ only along edges, `models --check` measures by how much).
 * Returns logits [h, w].
 */
export function upsampleLowRes(
  lowRes: Float32Array,
  width: number,
  height: number,
  padded = true,
): Float32Array {
  return gridToImage(lowRes, LOW_RES, width, height, padded);
}

/** The kept mask of a decode (selectMask's choice), at the original size, with its low-res logits and score. */
export function keptMask(
  planes: DecoderPlanes,
  multimask: boolean,
  width: number,
  height: number,
  padded: boolean,
): DecodeResult {
  const k = selectMask(planes.scores, planes.m, multimask);
  const lowRes = planes.lowRes.slice(k * PLANE, (k + 1) * PLANE);
  return {
    mask: binarize(upsampleLowRes(lowRes, width, height, padded), 0),
    lowRes,
    score: planes.scores[k],
  };
}

/** The decoder's outputs → the mask at the original size, the kept low-res logits and its score. */
export function readDecoderOutputs(
  spec: DecoderSpec,
  out: RoleOutputs,
  width: number,
  height: number,
  multimask: boolean,
  padded: boolean,
): DecodeResult {
  return keptMask(decoderPlanes(spec, out, padded), multimask, width, height, padded);
}
