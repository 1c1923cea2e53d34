import assert from "node:assert/strict";
import { labelPoint } from "../kernels/agent/label.ts";
import { trainAgent } from "../kernels/agent/train.ts";
import { evaluateAgent } from "../kernels/agent/evaluate.ts";
import { paperTrainHyper } from "../stages/config.ts";
import { discSegmenter, leftGt, randomEmbedding, sampleOf } from "./_agent_fixtures.ts";

Deno.test("labelPoint: srmThreshold moves the srm cut (strict >), default stays 0.5", () => {
  const srm = new Float32Array(64 * 64).fill(0.7);
  const ctx = { x: 30, y: 30, width: 64, height: 64, srm };
  assert.equal(labelPoint("srm", ctx), 1);
  assert.equal(labelPoint("srm", { ...ctx, srmThreshold: 0.6 }), 1);
  assert.equal(labelPoint("srm", { ...ctx, srmThreshold: 0.8 }), 0);
  assert.equal(labelPoint("srm", { ...ctx, srm: srm.fill(0.75), srmThreshold: 0.75 }), 0); // strict (0.75 is exact in f32)
  // only "srm" reads it
  const prevMask = new Float32Array(64 * 64).fill(0.7);
  assert.equal(labelPoint("last", { ...ctx, prevMask, srmThreshold: 0.9 }), 1);
});

Deno.test("evaluateAgent: srmThreshold reaches the labels of every step", async () => {
  const W = 96, H = 64;
  const samples = [0, 1].map((i) => sampleOf(`img${i}`, randomEmbedding(W, H, 3, i), leftGt(W, H, 0.4)));
  const embeddings = new Map(samples.map((s, i) => [s.imageHash, randomEmbedding(W, H, 3, i)]));
  const seg = discSegmenter(10);
  const { weights } = await trainAgent({
    task: "toy",
    samples,
    embeddings,
    segmenter: seg,
    branch: "implicit",
    T: 3,
    E: 1,
    K: 1,
    ...paperTrainHyper(),
    seed: 0,
    episodesPerUpdate: 0,
  });
  const labels = async (srmThreshold: number) => {
    const s = await evaluateAgent({
      samples,
      embeddings,
      segmenter: seg,
      weights,
      policy: "random",
      variant: "srm",
      T: 3,
      seed: 3,
      traceCount: 0,
      srmThreshold,
      metrics: ["miou"],
    });
    return s.images.flatMap((im) => im.steps.slice(1).map((st) => st.point.label));
  };
  // y_r is a sigmoid in (0, 1): a cut near 0 labels all positive, a cut near 1 all negative
  assert.ok((await labels(1e-12)).every((l) => l === 1));
  assert.ok((await labels(1 - 1e-7)).every((l) => l === 0));
});
