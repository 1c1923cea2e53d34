/**
 * Every family's interface through the one load-and-decode path, on graphs carrying each
 * export's real input/output names, shapes, dtypes and output order
 * (tests/fixtures/onnx/sam_graphs.ts, efficientsam_graph.ts: the arithmetic each output encodes).
 */
import assert from "node:assert/strict";
import type { Point, RGBImage } from "../core/image.ts";
import { checkSegmenterFiles } from "../kernels/sam/onnx/check.ts";
import { decoderCapabilities } from "../kernels/sam/factory.ts";
import { createOnnxSegmenter, type OnnxSegmenter } from "../kernels/sam/onnx/segmenter.ts";
import { FAMILIES, type FamilySpec } from "../kernels/sam/registry.ts";
import {
  type DecoderGraphOptions,
  edgeSamDecoderGraph,
  FROZEN_CROP,
  samDecoderGraph,
  samEncoderGraph,
} from "./fixtures/onnx/sam_graphs.ts";
import {
  EFFICIENTSAM_LOW_RES_NAME,
  efficientSamDecoderGraph,
  efficientSamEncoderGraph,
} from "./fixtures/onnx/efficientsam_graph.ts";

const dir = await Deno.makeTempDir({ prefix: "alignsam-families-" });
let n = 0;
async function load(family: FamilySpec, encoder: Uint8Array, decoder: Uint8Array): Promise<OnnxSegmenter> {
  const encoderPath = `${dir}/enc${++n}.onnx`, decoderPath = `${dir}/dec${n}.onnx`;
  await Deno.writeFile(encoderPath, encoder);
  await Deno.writeFile(decoderPath, decoder);
  return await createOnnxSegmenter({ family, encoderPath, decoderPath, id: `t${n}` });
}
const sam = (opts: DecoderGraphOptions = {}) =>
  load(FAMILIES["sam-vit-b"], samEncoderGraph(), samDecoderGraph(opts));

function grey(width: number, height: number): RGBImage {
  return { width, height, data: new Uint8Array(width * height * 3).fill(100) };
}
/** Sum of a 0/1 mask. */
const area = (m: Uint8Array) => m.reduce((a, b) => a + b, 0);

/** Capture console.error lines during fn. */
async function stderrOf(fn: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const orig = console.error;
  console.error = (m: string) => lines.push(String(m));
  try {
    await fn();
  } finally {
    console.error = orig;
  }
  return lines;
}

Deno.test("EdgeSAM: scores + masks (= low-res) → 4 masks; single = token 0 upsampled by us; multimask = best score", async () => {
  const seg = await load(FAMILIES.edgesam, samEncoderGraph({ inputName: "image" }), edgeSamDecoderGraph());
  assert.equal(seg.capabilities.masksOut, 4);
  assert.deepEqual(seg.decoderOutputNames, ["scores", "masks"]);
  const emb = await seg.embed(grey(500, 375));
  const single = await seg.decode(emb, [{ x: 250, y: 100, label: 1 }]);
  // mask 0 = (4j + 1.5) − x₀ with x₀ = 512: foreground from x = 250 on, every row
  assert.equal(single.mask[200 * 500 + 249], 0);
  assert.equal(single.mask[200 * 500 + 251], 1);
  assert.equal(single.score, Math.fround(0.2));
  const multi = await seg.decode(emb, [{ x: 250, y: 100, label: 1 }], { multimask: true });
  assert.equal(multi.score, Math.fround(0.8)); // mask 2 = 1 everywhere
  assert.equal(area(multi.mask), 500 * 375);
  // the padding point is fed: mask 3 = Σ labels + 10 N = (1 − 1) + 20
  const planes = await seg.decodePlanes(emb, [{ x: 250, y: 100, label: 1 }]);
  assert.equal(planes.lowRes[3 * 65536], 20);
  assert.equal(planes.full, undefined);
  await seg.dispose?.();
});

Deno.test("EfficientSAM: 3 outputs, the third read by position as onnx::Shape_1830; stretched layout; best IoU", async () => {
  const seg = await load(
    FAMILIES["efficientsam-ti"],
    efficientSamEncoderGraph(),
    efficientSamDecoderGraph({ iou: [0.2, 0.9, 0.5] }),
  );
  assert.deepEqual(seg.decoderOutputNames, ["output_masks", "iou_predictions", EFFICIENTSAM_LOW_RES_NAME]);
  assert.equal(seg.capabilities.masksOut, 3);
  assert.equal(seg.padded, false);
  const emb = await seg.embed(grey(500, 375));
  const r = await seg.decode(emb, [{ x: 100, y: 150, label: 1 }]);
  // best IoU 0.9 = decoder plane 1 = (4i + 1.5) − y·1024/375: foreground from y = 150 down (stretched)
  assert.equal(r.score, Math.fround(0.9));
  assert.equal(r.mask[148 * 500 + 10], 0);
  assert.equal(r.mask[152 * 500 + 10], 1);
  const planes = await seg.decodePlanes(emb, [{ x: 100, y: 150, label: 1 }]);
  assert.deepEqual(planes.order, [1, 2, 0]); // sorted scores 0.9, 0.5, 0.2 ← decoder planes 1, 2, 0
  await seg.dispose?.();
});

Deno.test("EfficientSAM with 15 clicks: 6 reach the graph (first + 5 newest): the newest click moves the mask", async () => {
  const seg = await load(FAMILIES["efficientsam-ti"], efficientSamEncoderGraph(), efficientSamDecoderGraph());
  const emb = await seg.embed(grey(500, 375));
  const clicks: Point[] = [...Array(15).keys()].map((i) => ({ x: 20 + 10 * i, y: 20 + 20 * i, label: 1 }));
  let planes;
  const lines = await stderrOf(async () => {
    planes = await seg.decodePlanes(emb, clicks);
    await seg.decode(emb, clicks);
  });
  // decoder plane 2 = Σ labels + 10 · kept = 6 + 60; plane 1 follows the LAST kept point = click 14
  const p = planes!;
  const code = p.lowRes[p.order.indexOf(2) * 65536];
  assert.equal(code, 66);
  const r = await seg.decode(emb, clicks);
  const yLast = clicks[14].y; // 300
  assert.equal(r.mask[(yLast - 2) * 500 + 5], 0);
  assert.equal(r.mask[(yLast + 2) * 500 + 5], 1);
  assert.equal(lines.filter((l) => l.includes("at most 6 points")).length, 1, lines.join("\n"));
  await seg.dispose?.();
});

Deno.test("labelme-style single-mask SAM decoder: mask count read on load; the graph's own pick; multimask warns", async () => {
  const seg = await sam({ singleMask: true, iou: [0.1, 0.3, 0.9, 0.5] });
  assert.equal(seg.capabilities.masksOut, 1);
  assert.equal(seg.capabilities.picksInside, true);
  assert.equal(seg.capabilities.multimask, false);
  const emb = await seg.embed(grey(500, 375));
  // 1 click + padding = 2 points: the graph picks the best of masks 1–3 (mask 2 = 1 everywhere)
  const one = await seg.decode(emb, [{ x: 250, y: 100, label: 1 }]);
  assert.equal(one.score, Math.fround(0.9));
  assert.equal(area(one.mask), 500 * 375);
  // 2 clicks + padding = 3 points: mask 0, split at the first click's x
  const two = await seg.decode(emb, [{ x: 250, y: 100, label: 1 }, { x: 400, y: 300, label: 0 }]);
  assert.equal(two.score, Math.fround(0.1));
  assert.equal(two.mask[10 * 500 + 249], 0);
  assert.equal(two.mask[10 * 500 + 251], 1);
  const lines = await stderrOf(async () => {
    await seg.decode(emb, [{ x: 250, y: 100, label: 1 }], { multimask: true });
    await seg.decode(emb, [{ x: 250, y: 100, label: 1 }], { multimask: true });
  });
  const warn = lines.filter((l) => l.includes("single-mask export"));
  assert.equal(warn.length, 1, lines.join("\n"));
  assert.match(warn[0], /multimask asked, but .* the graph picks instead/);
  // what PerSAM's record is made from (tests/persam_kernel_test.ts: these give "the export's own pick")
  assert.deepEqual(decoderCapabilities(seg), {
    maskInput: true,
    box: true,
    negativeClicks: true,
    paddingPoint: true,
    masksOut: 1,
    picksInside: true,
    multimask: false,
    scoreKind: "predicted IoU",
  });
  await seg.dispose?.();
});

Deno.test("frozen crop: a portrait click gives the right mask (ours), and the check flags the graph's full-size output", async () => {
  const seg = await sam({ frozenCrop: FROZEN_CROP });
  assert.equal(seg.capabilities.masksOut, 4);
  const emb = await seg.embed(grey(400, 600));
  const r = await seg.decode(emb, [{ x: 150, y: 300, label: 1 }]);
  // mask 0 = (4j + 1.5) − x₀: right = foreground from x = 150 on, on every row of the portrait
  for (const y of [0, 300, 599]) {
    assert.equal(r.mask[y * 400 + 148], 0);
    assert.equal(r.mask[y * 400 + 152], 1);
  }
  assert.equal(area(r.mask), 250 * 600);
  // the graph's own full-size mask 0 puts the boundary elsewhere (crop 683×1024 of a 768×1024 image)
  const planes = await seg.decodePlanes(emb, [{ x: 150, y: 300, label: 1 }]);
  const graphRow = Array.from(planes.full!.data.subarray(300 * 400, 301 * 400)).findIndex((v) => v > 0);
  assert.ok(Math.abs(graphRow - 150) > 20, `graph boundary at ${graphRow}`);

  const check = await checkSegmenterFiles(seg);
  assert.equal(check.flags.length, 1, check.flags.join("\n"));
  assert.match(
    check.flags[0],
    /^portrait 400×600: the graph's full-size mask \d differs from our postprocess/,
  );
  const land = check.images.find((i) => i.name === "landscape")!;
  assert.ok(land.fullSize!.every((c) => c.disagree === 0), JSON.stringify(land.fullSize)); // 3:2, as traced
  await seg.dispose?.();

  const good = await sam();
  const ok = await checkSegmenterFiles(good);
  assert.deepEqual(ok.flags, []);
  assert.ok(ok.images.every((i) => i.fullSize!.every((c) => c.disagree < 1e-3)), JSON.stringify(ok.images));
  await good.dispose?.();
});
