/** Feeds and output handling of every decoder kind (pure functions over the registry's specs). */
import assert from "node:assert/strict";
import {
  decoderFeeds,
  decoderPlanes,
  limitPoints,
  matchPlanes,
  readDecoderOutputs,
} from "../kernels/sam/onnx/decoder.ts";
import { FAMILIES } from "../kernels/sam/registry.ts";
import type { Point } from "../core/image.ts";
import type { Embedding } from "../kernels/sam/segmenter.ts";

const emb: Embedding = {
  data: new Float32Array(256 * 64 * 64),
  channels: 256,
  width: 500,
  height: 375,
  segmenter: "t",
};
const EFF = FAMILIES["efficientsam-ti"], EDGE = FAMILIES.edgesam, SAM = FAMILIES["sam-vit-b"];
const PLANE = 256 * 256;

Deno.test("efficientsam feeds: original-pixel points [1,1,N,2], negatives dropped, orig_im_size int64 (h, w)", () => {
  const f = decoderFeeds(EFF, emb, [
    { x: 250, y: 100, label: 1 },
    { x: 10, y: 10, label: 0 },
    { x: 400, y: 300, label: 1 },
  ]);
  assert.deepEqual(Object.keys(f).sort(), [
    "batched_point_coords",
    "batched_point_labels",
    "image_embeddings",
    "orig_im_size",
  ]);
  assert.deepEqual(f.batched_point_coords.dims, [1, 1, 2, 2]);
  assert.deepEqual(Array.from(f.batched_point_coords.data as Float32Array), [250, 100, 400, 300]);
  assert.deepEqual(Array.from(f.batched_point_labels.data as Float32Array), [1, 1]);
  assert.equal(f.orig_im_size.type, "int64");
  assert.deepEqual(Array.from(f.orig_im_size.data as BigInt64Array), [375n, 500n]);
  assert.throws(() => decoderFeeds(EFF, emb, [{ x: 1, y: 1, label: 0 }]), /at least one positive/);
});

Deno.test("limitPoints: past the limit, the first positive click and the most recent ones, in click order", () => {
  const pts: Point[] = [...Array(15).keys()].map((i) => ({ x: i, y: 0, label: i === 0 ? 0 : 1 }));
  const r = limitPoints(pts, 6);
  assert.deepEqual(r.points.map((p) => p.x), [1, 10, 11, 12, 13, 14]); // click 0 is negative
  assert.equal(r.dropped, 9);
  assert.deepEqual(limitPoints(pts.slice(0, 6), 6).points, pts.slice(0, 6));
  assert.deepEqual(limitPoints(pts, undefined).points, pts);
  // the first positive already among the most recent: simply the last `max`
  const late: Point[] = [...Array(8).keys()].map((i) => ({ x: i, y: 0, label: i < 5 ? 0 : 1 }));
  assert.deepEqual(limitPoints(late, 6).points.map((p) => p.x), [2, 3, 4, 5, 6, 7]);
});

Deno.test("efficientsam feeds 6 of 15 clicks: the first and the 5 newest, with a one-time warning naming the limit", () => {
  const msgs: string[] = [];
  const orig = console.error;
  console.error = (m: string) => msgs.push(m);
  try {
    const pts: Point[] = [...Array(15).keys()].map((i) => ({ x: 10 + i, y: 20 + i, label: 1 }));
    const f = decoderFeeds(EFF, emb, pts);
    decoderFeeds(EFF, emb, pts);
    assert.deepEqual(f.batched_point_coords.dims, [1, 1, 6, 2]);
    assert.deepEqual(Array.from(f.batched_point_coords.data as Float32Array).filter((_, i) => i % 2 === 0), [
      10,
      20,
      21,
      22,
      23,
      24,
    ]);
  } finally {
    console.error = orig;
  }
  const limit = msgs.filter((m) => m.includes("at most 6 points"));
  assert.equal(limit.length, 1, msgs.join("\n"));
  assert.match(limit[0], /decoder_max_num_input_points.*first positive click and the 5 most recent/);
});

Deno.test("edgesam feeds: 1024-frame points + padding (registry choice), no mask_input or orig_im_size", () => {
  const f = decoderFeeds(EDGE, emb, [{ x: 250, y: 100, label: 1 }], { prevLowRes: new Float32Array(65536) });
  assert.deepEqual(Object.keys(f).sort(), ["image_embeddings", "point_coords", "point_labels"]);
  assert.deepEqual(Array.from(f.point_labels.data as Float32Array), [1, -1]);
  assert.equal((f.point_coords.data as Float32Array)[0], 512);
  const unpadded = decoderFeeds({ ...EDGE, paddingPoint: false }, emb, [{ x: 250, y: 100, label: 1 }]);
  assert.deepEqual(Array.from(unpadded.point_labels.data as Float32Array), [1]);
});

Deno.test("sam-official feeds: mask_input zeros + has_mask_input 0 without prevLowRes; orig_im_size float (h, w)", () => {
  const f = decoderFeeds(SAM, emb, [{ x: 1, y: 2, label: 1 }]);
  assert.deepEqual(Array.from(f.has_mask_input.data as Float32Array), [0]);
  assert.ok((f.mask_input.data as Float32Array).every((v) => v === 0));
  assert.deepEqual(Array.from(f.orig_im_size.data as Float32Array), [375, 500]);
  assert.throws(() => decoderFeeds(SAM, emb, [], { prevLowRes: new Float32Array(10) }), /65536/);
});

Deno.test("edgesam outputs: `masks` is the low-res logits; best score's plane upsampled outside the graph", () => {
  const low = new Float32Array(4 * PLANE);
  // mask 2: positive on the left half of the image part (low-res columns < 128 of 256 = 512 of 1024 px)
  for (let i = 0; i < 256; i++) for (let j = 0; j < 256; j++) low[2 * PLANE + i * 256 + j] = j < 128 ? 4 : -4;
  const r = readDecoderOutputs(
    EDGE,
    {
      scores: { dims: [1, 4], data: new Float32Array([0.2, 0.1, 0.8, 0.3]) },
      lowRes: { dims: [1, 4, 256, 256], data: low },
    },
    500,
    375,
    true,
    true,
  );
  assert.equal(r.score, Math.fround(0.8));
  assert.equal(r.mask.length, 500 * 375);
  assert.equal(r.lowRes[0], 4);
  // 1024-frame column 512 is original x 250: the boundary lands there
  assert.equal(r.mask[100 * 500 + 248], 1);
  assert.equal(r.mask[100 * 500 + 252], 0);
});

/** Three full-size masks (h×w) each positive on one third of the columns, and low-res planes likewise. */
function thirds(w: number, h: number, order: number[]) {
  const full = new Float32Array(3 * w * h), low = new Float32Array(3 * PLANE);
  for (let k = 0; k < 3; k++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) full[k * w * h + y * w + x] = Math.floor((3 * x) / w) === k ? 5 : -5;
    }
    const p = order[k]; // full mask k sits in low-res plane p
    for (let i = 0; i < 256; i++) {
      for (let j = 0; j < 256; j++) low[p * PLANE + i * 256 + j] = Math.floor((3 * j) / 256) === k ? 5 : -5;
    }
  }
  return { full, low };
}

Deno.test("efficientsam outputs by role: low-res planes matched to the sorted scores; mask from our postprocess", () => {
  const { full, low } = thirds(500, 375, [2, 0, 1]);
  const out = {
    full: { dims: [1, 1, 3, 375, 500], data: full },
    scores: { dims: [1, 1, 3], data: new Float32Array([0.9, 0.5, 0.2]) },
    lowRes: { dims: [1, 3, 256, 256], data: low },
  };
  const planes = decoderPlanes(EFF, out, false);
  assert.deepEqual(planes.order, [2, 0, 1]);
  assert.deepEqual(matchPlanes(planes.full!, low, 3, false), [2, 0, 1]);
  const r = readDecoderOutputs(EFF, out, 500, 375, false, false);
  assert.equal(r.score, Math.fround(0.9));
  assert.equal(r.mask[100 * 500 + 50], 1); // first third of the columns: full mask 0 = low-res plane 2
  assert.equal(r.mask[100 * 500 + 250], 0);
  assert.equal(r.lowRes[0], 5);
  // a registry that trusts the order reads plane 0 (the middle third) instead
  assert.deepEqual(decoderPlanes({ ...EFF, lowResOrder: "as-scores" }, out, false).order, [0, 1, 2]);
});

Deno.test("inconsistent outputs are named: scores vs masks, low-res shape", () => {
  assert.throws(
    () =>
      decoderPlanes(
        SAM,
        {
          scores: { dims: [1, 3], data: new Float32Array(3) },
          lowRes: { dims: [1, 4, 256, 256], data: new Float32Array(4 * PLANE) },
        },
        true,
        "dec.onnx",
      ),
    /dec\.onnx: 3 scores for 4 low-res masks/,
  );
  assert.throws(
    () =>
      decoderPlanes(
        SAM,
        {
          scores: { dims: [1, 1], data: new Float32Array(1) },
          lowRes: { dims: [1, 1, 128, 128], data: new Float32Array(128 * 128) },
        },
        true,
        "dec.onnx",
      ),
    /low-res masks came out as \[1,1,128,128\]/,
  );
});
