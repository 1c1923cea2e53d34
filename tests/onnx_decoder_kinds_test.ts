/** Feeds and output handling of the EdgeSAM and EfficientSAM decoder kinds (pure functions). */
import assert from "node:assert/strict";
import { decoderFeeds, readDecoderOutputs } from "../kernels/sam/onnx/decoder.ts";
import type { Embedding } from "../kernels/sam/segmenter.ts";

const emb: Embedding = {
  data: new Float32Array(256 * 64 * 64),
  channels: 256,
  width: 500,
  height: 375,
  segmenter: "t",
};

Deno.test("efficientsam feeds: original-pixel points [1,1,N,2], negatives dropped, orig_im_size int64 (h, w)", () => {
  const f = decoderFeeds("efficientsam", emb, [
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
  assert.throws(() => decoderFeeds("efficientsam", emb, [{ x: 1, y: 1, label: 0 }]), /at least one positive/);
});

Deno.test("edgesam feeds: 1024-frame points + padding, no mask_input or orig_im_size", () => {
  const f = decoderFeeds("edgesam", emb, [{ x: 250, y: 100, label: 1 }], {
    prevLowRes: new Float32Array(65536),
  });
  assert.deepEqual(Object.keys(f).sort(), ["image_embeddings", "point_coords", "point_labels"]);
  assert.deepEqual(Array.from(f.point_labels.data as Float32Array), [1, -1]);
  assert.equal((f.point_coords.data as Float32Array)[0], 512);
});

Deno.test("sam-official feeds: mask_input zeros + has_mask_input 0 without prevLowRes; orig_im_size float (h, w)", () => {
  const f = decoderFeeds("sam-official", emb, [{ x: 1, y: 2, label: 1 }]);
  assert.deepEqual(Array.from(f.has_mask_input.data as Float32Array), [0]);
  assert.ok((f.mask_input.data as Float32Array).every((v) => v === 0));
  assert.deepEqual(Array.from(f.orig_im_size.data as Float32Array), [375, 500]);
  assert.throws(() => decoderFeeds("sam-official", emb, [], { prevLowRes: new Float32Array(10) }), /65536/);
});

Deno.test("edgesam outputs: best score's low-res logits, upsampled outside the graph to the original size", () => {
  const plane = 256 * 256;
  const low = new Float32Array(4 * plane);
  // mask 2: positive on the left half of the image part (low-res columns < 128 of 256 = 512 of 1024 px)
  for (let i = 0; i < 256; i++) for (let j = 0; j < 256; j++) low[2 * plane + i * 256 + j] = j < 128 ? 4 : -4;
  const r = readDecoderOutputs(
    "edgesam",
    {
      scores: { dims: [1, 4], data: new Float32Array([0.2, 0.1, 0.8, 0.3]) },
      low_res_masks: { dims: [1, 4, 256, 256], data: low },
    },
    500,
    375,
    true,
  );
  assert.equal(r.score, Math.fround(0.8));
  assert.equal(r.mask.length, 500 * 375);
  assert.equal(r.lowRes[0], 4);
  // 1024-frame column 512 is original x 250: the boundary lands there
  assert.equal(r.mask[100 * 500 + 248], 1);
  assert.equal(r.mask[100 * 500 + 252], 0);
});

Deno.test("efficientsam outputs: output_masks [1,1,3,H,W] at the original size, best IoU even without multimask", () => {
  const hw = 500 * 375;
  const masks = new Float32Array(3 * hw);
  masks.fill(1, hw, 2 * hw); // mask 1 all foreground
  const r = readDecoderOutputs(
    "efficientsam",
    {
      output_masks: { dims: [1, 1, 3, 375, 500], data: masks },
      iou_predictions: { dims: [1, 1, 3], data: new Float32Array([0.1, 0.7, 0.2]) },
      low_res_masks: { dims: [1, 3, 256, 256], data: new Float32Array(3 * 65536) },
    },
    500,
    375,
    false,
  );
  assert.equal(r.score, Math.fround(0.7));
  assert.equal(r.mask.reduce((a, b) => a + b, 0), hw);
  assert.throws(
    () =>
      readDecoderOutputs(
        "efficientsam",
        {
          output_masks: { dims: [1, 1, 3, 10, 10], data: new Float32Array(300) },
          iou_predictions: { dims: [1, 1, 3], data: new Float32Array(3) },
          low_res_masks: { dims: [1, 3, 256, 256], data: new Float32Array(3 * 65536) },
        },
        500,
        375,
        false,
      ),
    /10×10, expected the original 500×375/,
  );
});
