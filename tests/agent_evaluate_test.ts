import assert from "node:assert/strict";
import { trainAgent } from "../kernels/agent/train.ts";
import { evaluateAgent } from "../kernels/agent/evaluate.ts";
import { decodeWeights, encodeWeights } from "../kernels/agent/weights_io.ts";
import type { EvalSummary } from "../core/records.ts";
import { discSegmenter, leftGt, randomEmbedding, sampleOf } from "./_agent_fixtures.ts";
import { paperTrainHyper } from "../stages/config.ts";

const W = 96, H = 64;
const samples = [0, 1, 2].map((i) =>
  sampleOf(`img${i}`, randomEmbedding(W, H, 3, i), leftGt(W, H, 0.3 + 0.2 * i))
);
const embeddings = new Map(samples.map((s, i) => [s.imageHash, randomEmbedding(W, H, 3, i)]));

function checkSummary(s: EvalSummary, T: number, n: number): void {
  assert.equal(s.images.length, n);
  assert.equal(s.perStep.length, T + 1);
  assert.deepEqual(s.perStep.map((p) => p.t), Array.from({ length: T + 1 }, (_, t) => t));
  for (const k of ["miou", "iou_pooled", "fr", "fbeta"]) {
    assert.ok(s.metrics[k] >= 0 && s.metrics[k] <= 1, `${k} = ${s.metrics[k]}`);
  }
  for (const im of s.images) {
    assert.equal(im.steps.length, T + 1);
    assert.equal(im.steps[0].action, -1);
    const acts = im.steps.slice(1).map((st) => st.action);
    assert.equal(new Set(acts).size, T, "each cell at most once");
    assert.equal(im.fr, im.steps.slice(1).filter((st) => st.fg).length / T);
    assert.equal(im.final.iou, im.steps[T].iou);
  }
  // FR over all images equals the last per-step cumulative FR (same T per image)
  assert.ok(Math.abs(s.perStep[T].fr - s.metrics.fr) < 1e-9);
  JSON.parse(JSON.stringify(s));
}

Deno.test("train + evaluate: a tiny run gives weights that round-trip and valid EvalSummaries", async () => {
  const seg = discSegmenter(10);
  const logs: number[] = [];
  const { weights, summary } = await trainAgent({
    task: "toy",
    samples,
    embeddings,
    segmenter: seg,
    branch: "implicit",
    T: 3,
    E: 2,
    K: 1,
    ...paperTrainHyper(),
    seed: 0,
    episodesPerUpdate: 0,
    onUpdate: (u) => logs.push(u.update),
  });
  assert.deepEqual(logs, [1, 2]); // one update per pass
  assert.equal(summary.updates.length, 2);
  for (const u of summary.updates) {
    assert.ok(u.fr >= 0 && u.fr <= 1 && Number.isFinite(u.pg_loss) && u.srm_loss > 0);
    assert.ok(Number.isFinite(u.mean_return) && Math.abs(u.mean_return) <= 3);
  }
  assert.equal(seg.calls, 2 * 3 * (1 + 3)); // E × images × (P_0 + T decodes)
  const { json, bin } = encodeWeights(weights);
  const back = decodeWeights(json, bin);
  assert.equal(back.srm.state, "signed"); // the schema default, saved with the SRM
  const { restoreAgent } = await import("../kernels/agent/episode.ts");
  const { state: _, ...old } = back.srm; // an agent saved before the field existed
  const restored = restoreAgent({ ...back, srm: old });
  assert.equal(restored.srm.state, "masked");
  restored.dispose();
  const written = new Map<string, number>();
  for (const policy of ["rl", "random", "single"] as const) {
    const s = await evaluateAgent({
      samples,
      embeddings,
      segmenter: seg,
      weights: back,
      policy,
      variant: "srm",
      T: 4,
      seed: 1,
      traceCount: policy === "rl" ? 1 : 0,
      metrics: ["miou", "fbeta"],
      writeFile: (name, bytes) => Promise.resolve(void written.set(name, bytes.length)),
    });
    checkSummary(s, 4, 3);
    assert.equal(s.policy, policy);
    if (policy === "single") {
      // w/o MSI: one decode for all T points, so every step carries the final IoU
      for (const im of s.images) assert.ok(im.steps.slice(1).every((st) => st.iou === im.final.iou));
    }
    if (policy === "rl") {
      assert.equal(s.traces.length, 1);
      assert.equal(s.traces[0].steps.length, 5);
      assert.equal(s.traces[0].steps[4].points.length, 2 + 4);
      for (const f of [s.traces[0].image, s.traces[0].gt, ...s.traces[0].steps.map((x) => x.mask)]) {
        assert.ok((written.get(f) ?? 0) > 0, `trace file ${f} written`);
      }
    }
  }
  // the "none" variant labels every point positive
  const none = await evaluateAgent({
    samples,
    embeddings,
    segmenter: seg,
    weights: back,
    policy: "random",
    variant: "none",
    T: 3,
    seed: 2,
    traceCount: 0,
    metrics: ["miou"],
  });
  assert.ok(none.images.every((im) => im.steps.slice(1).every((st) => st.point.label === 1)));
});
