/**
 * The persam stage end to end on synthetic images with the weight-free segmenter (fake run
 * context): references drawn with the seed, every test image segmented, summary.json written
 * with metrics from kernels/metrics and the parts that ran on this decoder.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { embedCacheStage } from "../stages/embed_cache.ts";
import { persamStage, readPersamSummary } from "../stages/persam.ts";
import { drawReferences } from "../stages/references.ts";
import { fakeContext, fakeMemo, rectImage, writePreprocessEntry } from "./fixtures/onnx/stage_ctx.ts";

const root = await Deno.makeTempDir({ prefix: "alignsam-persam-" });
const ORANGE = [240, 140, 20], TEAL = [20, 120, 130], GREY = [120, 120, 120];

Deno.test("persam stage: k-shot references → test masks, metrics and parts in summary.json", async () => {
  const train = [
    { stem: "r0", imageHash: "r0", ...rectImage(96, 72, TEAL, ORANGE, [10, 10, 50, 40]) },
    { stem: "r1", imageHash: "r1", ...rectImage(96, 72, GREY, ORANGE, [40, 20, 90, 70]) },
    { stem: "r2", imageHash: "r2", ...rectImage(96, 72, TEAL, ORANGE, [0, 0, 0, 0]) }, // empty mask
  ];
  const test = [
    { stem: "t0", imageHash: "t0", ...rectImage(120, 90, TEAL, ORANGE, [60, 40, 110, 85]) },
    { stem: "t1", imageHash: "t1", ...rectImage(120, 90, GREY, ORANGE, [5, 30, 50, 80]) },
  ];
  const pre = await writePreprocessEntry(join(root, "pre"), "synthetic", { train, test });
  const memo = fakeMemo();
  const params = { segmenter: "weight-free" };
  const embCtx = await fakeContext({
    item: { task: "synthetic" },
    params,
    inputs: { preprocess: pre },
    memo,
    root,
  });
  await embedCacheStage.run(embCtx);

  const ctx = await fakeContext({
    item: { task: "synthetic", shots: 2, seed: 0 },
    params,
    inputs: { preprocess: pre, "embed-cache": embCtx.outDir },
    memo,
    root,
  });
  await persamStage.run(ctx);
  const s = await readPersamSummary(ctx.outDir);
  assert.equal(s.task, "synthetic");
  assert.equal(s.shots, 2);
  assert.equal(s.segmenter, "weight-free (not SAM)");
  const used = drawReferences(train, 2, 0).filter((r) => r.mask.some((v) => v)).length;
  assert.ok(s.parts.includes(`references: ${used} of 2 requested`), s.parts.join("\n"));
  assert.ok(s.parts.includes("not run: cascade 1 (the decoder takes no mask_input)"));
  for (const k of ["miou", "iou_pooled", "fbeta", "ephi", "mae", "ber"]) {
    assert.ok(s.metrics[k] >= 0 && s.metrics[k] <= 1.01, `${k} = ${s.metrics[k]}`);
  }
  // An orange box on a flat background: the location prior lands in it and the geodesic decoder fills it.
  assert.ok(s.metrics.miou > 0.8, `miou ${s.metrics.miou}`);
  assert.deepEqual(ctx.progressed, [1, 2]);
});

Deno.test("persam items: tasks × persamShots × seeds; references are a seeded draw", () => {
  const items = persamStage.items({ tasks: ["glass"], persamShots: [1, 5], seeds: [0, 1] });
  assert.deepEqual(items, [
    { task: "glass", shots: 1, seed: 0 },
    { task: "glass", shots: 1, seed: 1 },
    { task: "glass", shots: 5, seed: 0 },
    { task: "glass", shots: 5, seed: 1 },
  ]);
  const xs = Array.from({ length: 10 }, (_, i) => i);
  assert.deepEqual(drawReferences(xs, 3, 7), drawReferences(xs, 3, 7));
  assert.notDeepEqual(drawReferences(xs, 3, 7), drawReferences(xs, 3, 8));
  assert.equal(drawReferences(xs, 20, 0).length, 10);
});
