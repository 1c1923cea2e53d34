/**
 * The ONNX backend end to end on SAM-signature graphs built by tests/fixtures/onnx/sam_graphs.ts
 * (see there for the arithmetic each output encodes).
 */
import assert from "node:assert/strict";
import { ModelError } from "../core/errors.ts";
import type { RGBImage } from "../core/image.ts";
import { createOnnxSegmenter } from "../kernels/sam/onnx/segmenter.ts";
import { FAMILIES } from "../kernels/sam/registry.ts";
import type { Segmenter } from "../kernels/sam/segmenter.ts";
import { type DecoderGraphOptions, samDecoderGraph, samEncoderGraph } from "./fixtures/onnx/sam_graphs.ts";
import { PIXEL_MEAN, PIXEL_STD } from "../kernels/sam/onnx/preprocess.ts";

const dir = await Deno.makeTempDir({ prefix: "alignsam-onnx-" });
const encPath = `${dir}/enc.onnx`;
await Deno.writeFile(encPath, samEncoderGraph());

async function segmenter(dec: DecoderGraphOptions = {}, name = "dec"): Promise<Segmenter> {
  const decPath = `${dir}/${name}.onnx`;
  await Deno.writeFile(decPath, samDecoderGraph(dec));
  return await createOnnxSegmenter({
    family: FAMILIES["sam-vit-b"],
    encoderPath: encPath,
    decoderPath: decPath,
    id: "t",
  });
}

const W = 500, H = 375;
function flat(r: number, g: number, b: number): RGBImage {
  const data = new Uint8Array(W * H * 3);
  for (let i = 0; i < W * H; i++) data.set([r, g, b], i * 3);
  return { width: W, height: H, data };
}

Deno.test("encoder: 500×375 → resized 1024×768, normalised, zero-padded; the embedding grid shows it", async () => {
  const seg = await segmenter();
  const emb = await seg.embed(flat(200, 100, 50));
  assert.equal(emb.channels, 256);
  assert.equal(emb.data.length, 256 * 64 * 64);
  assert.equal(emb.width, W);
  assert.equal(emb.height, H);
  const r = (200 - PIXEL_MEAN[0]) / PIXEL_STD[0], g = (100 - PIXEL_MEAN[1]) / PIXEL_STD[1];
  const G = 64 * 64;
  assert.ok(Math.abs(emb.data[0] - r) < 1e-5); // channel 0, cell (0,0)
  assert.ok(Math.abs(emb.data[G + 47 * 64 + 63] - g) < 1e-5); // channel 1, last image row of cells
  assert.equal(emb.data[G + 48 * 64], 0); // first padding row of cells (768/16 = 48)
  assert.ok(Math.abs(emb.data[3 * G] - 2 * r) < 1e-5); // channel 3 = colour 0 · 2
  await seg.dispose?.();
});

Deno.test("decoder: point → 1024 frame exactly (x via mask 0, y via mask 1), masks at the original size", async () => {
  const seg = await segmenter();
  const emb = await seg.embed(flat(10, 10, 10));
  const pts = [{ x: 250, y: 100, label: 1 as const }];
  const single = await seg.decode(emb, pts);
  // mask 0 = (4j + 1.5) − x₀: column 0 gives x₀
  assert.equal(1.5 - single.lowRes[0], 512);
  assert.equal(single.score, Math.fround(0.1));
  assert.equal(single.mask.length, W * H);
  // masks = bilinear(mask 0) at 500×375: value 2.048·x − 511.476 > 0 ⇔ x ≥ 250, on every row
  for (const y of [0, 187, 374]) {
    assert.equal(single.mask[y * W + 249], 0);
    assert.equal(single.mask[y * W + 250], 1);
  }
  assert.equal(single.mask.reduce((a, b) => a + b, 0), 250 * H);
  const segY = await segmenter({ iou: [0.1, 0.9, 0.3, 0.5] }, "dec-y");
  const multi = await segY.decode(emb, pts, { multimask: true });
  assert.ok(Math.abs(1.5 - multi.lowRes[0] - 204.8) < 1e-4); // y₀ = 100 · 768/375
  await seg.dispose?.();
  await segY.dispose?.();
});

Deno.test("decoder: the padding point is fed (Σ labels + 10·N = 1 + 0 − 1 + 30)", async () => {
  const seg = await segmenter({ iou: [0, 0.1, 0.2, 0.9] }, "dec-code");
  const emb = await seg.embed(flat(10, 10, 10));
  const r = await seg.decode(emb, [{ x: 1, y: 2, label: 1 }, { x: 3, y: 4, label: 0 }], { multimask: true });
  assert.equal(r.lowRes[0], 30);
  assert.equal(r.score, Math.fround(0.9));
  await seg.dispose?.();
});

Deno.test("decoder: multimask keeps the best of masks 1–3; mask_input is fed only when given", async () => {
  const seg = await segmenter({ iou: [0.99, 0.3, 0.9, 0.5] }, "dec-mm");
  const emb = await seg.embed(flat(10, 10, 10));
  const pts = [{ x: 100, y: 100, label: 1 as const }];
  const prev = new Float32Array(256 * 256).map((_, i) => (i % 7) - 3);
  const fed = await seg.decode(emb, pts, { multimask: true, prevLowRes: prev });
  assert.equal(fed.score, Math.fround(0.9)); // index 2, although token 0 scores 0.99
  for (const i of [0, 1, 2, 3, 65535]) assert.equal(fed.lowRes[i], prev[i] + 1); // mask 2 = m + 1
  // mask 2 > 0 where prev + 1 > 0: the full-size mask follows the fed logits
  const unfed = await seg.decode(emb, pts, { multimask: true });
  assert.ok(unfed.lowRes.every((v) => v === 1)); // has_mask_input = 0, mask_input = zeros
  assert.equal(unfed.mask.reduce((a, b) => a + b, 0), W * H);
  const single = await seg.decode(emb, pts, { prevLowRes: prev });
  assert.equal(single.score, Math.fround(0.99)); // token 0 without multimask
  await seg.dispose?.();
});

async function rejectsModel(p: Promise<unknown>, ...parts: string[]) {
  await assert.rejects(p, (e: Error) => {
    assert.ok(e instanceof ModelError, `expected ModelError, got ${e.name}: ${e.message}`);
    for (const part of parts) assert.ok(e.message.includes(part), `'${part}' not in: ${e.message}`);
    return true;
  });
}

Deno.test("named errors: wrong input name, wrong shape, missing file", async () => {
  const bad = `${dir}/bad-name.onnx`;
  await Deno.writeFile(bad, samDecoderGraph({ rename: { point_coords: "point_coord" } }));
  await rejectsModel(
    createOnnxSegmenter({ family: FAMILIES["sam-vit-b"], encoderPath: encPath, decoderPath: bad, id: "t" }),
    bad,
    "input 'point_coords' missing",
    "point_coord,",
  );
  const badType = `${dir}/bad-type.onnx`;
  await Deno.writeFile(badType, samDecoderGraph({ origType: "int64" }));
  await rejectsModel(
    createOnnxSegmenter({
      family: FAMILIES["sam-vit-b"],
      encoderPath: encPath,
      decoderPath: badType,
      id: "t",
    }),
    badType,
    "input 'orig_im_size' has type int64, expected float32",
  );
  const badEnc = `${dir}/bad-enc.onnx`;
  await Deno.writeFile(badEnc, samEncoderGraph({ side: 512 }));
  await rejectsModel(
    createOnnxSegmenter({
      family: FAMILIES["sam-vit-b"],
      encoderPath: badEnc,
      decoderPath: badType,
      id: "t",
    }),
    badEnc,
    "input 'x' has shape [1,3,512,512], expected [1,3,1024,1024]",
  );
  // MobileSAM's encoder takes input_image [H,W,3]: our x-graph is the wrong file for it
  await rejectsModel(
    createOnnxSegmenter({ family: FAMILIES.mobilesam, encoderPath: encPath, decoderPath: badType, id: "t" }),
    "input 'input_image' missing",
  );
  await rejectsModel(
    createOnnxSegmenter({
      family: FAMILIES["sam-vit-b"],
      encoderPath: `${dir}/nope.onnx`,
      decoderPath: bad,
      id: "t",
    }),
    "model file not found",
    `${dir}/nope.onnx`,
  );
});
