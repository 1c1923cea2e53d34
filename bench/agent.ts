/**
 * Agent benchmarks (issue 7): one env step (decode + state rebuild + SRM label + SRM update),
 * one PPO update per 750 transitions, trainAgent's wall time on glass at the quick schedule
 * (E = 10 over 50 training images; timed at E = 1 and extrapolated ×10 when that alone passes
 * 18 s, i.e. the extrapolation passes 3 min — the row says which), and the peak RSS of that run.
 * Weight-free segmenter on ../shared/data/glass.
 */
import type { BenchRow } from "./row.ts";
import { getTask } from "../data/tasks.ts";
import { findTaskIn, listTaskPairs } from "../data/root.ts";
import { loadPairs } from "../data/validate.ts";
import { SHARED_DATA } from "../tests/_shared.ts";
import { createWeightFreeSegmenter } from "../kernels/sam/weightfree/segmenter.ts";
import type { Embedding } from "../kernels/sam/segmenter.ts";
import type { Sample } from "../core/records.ts";
import { initTf } from "../kernels/tf/backend.ts";
import { makeRng } from "../core/rng.ts";
import { trainAgent } from "../kernels/agent/train.ts";
import { PromptEnv, trainingP0 } from "../kernels/agent/env.ts";
import { attachFeatures, prepareImages, stateFeatures } from "../kernels/agent/train.ts";
import { CELL_FEATURES, fitFeatureSpec } from "../kernels/agent/features.ts";
import { act, createActorCritic, snapshot } from "../kernels/agent/policy.ts";
import { labelFor, srmInput } from "../kernels/agent/labeller.ts";
import { createSrm, SRM_LR } from "../kernels/srm/srm.ts";
import { createOptimizer, PPO_DEFAULTS, ppoUpdate } from "../kernels/agent/ppo.ts";
import { paperTrainHyper } from "../stages/config.ts";

async function glassTrain(n: number): Promise<Sample[]> {
  const td = await findTaskIn({ path: SHARED_DATA, source: "--data / ALIGNSAM_DATA" }, getTask("glass"));
  if (!td) throw new Error(`bench agent: no glass task under ${SHARED_DATA}`);
  const list = await listTaskPairs(td, "train");
  return (await loadPairs(list.pairs.slice(0, n), "glass train", { keep: true })).samples;
}

export async function bench(): Promise<BenchRow[]> {
  await initTf();
  const rows: BenchRow[] = [];
  const seg = createWeightFreeSegmenter();
  const samples = await glassTrain(50);
  const embeddings = new Map<string, Embedding>();
  for (const s of samples) embeddings.set(s.imageHash, await seg.embed(s.image));

  // --- one env step, as the training rollout does it ---------------------------------------
  const { images, pooledE } = prepareImages(samples, embeddings, undefined, false);
  const spec = fitFeatureSpec(pooledE, images[0].emb.channels, 0);
  attachFeatures(images, pooledE, spec);
  const agent = createActorCritic({ features: CELL_FEATURES, seed: 0 });
  const policy = snapshot(agent);
  const srm = createSrm({
    branch: "implicit",
    channels: images[0].emb.channels,
    seed: 0,
    lr: SRM_LR,
    state: "signed",
  });
  const rng = makeRng(0);
  const parts = { decode: 0, policy: 0, srm: 0 };
  let steps = 0;
  for (let i = 0; i < 4; i++) {
    const im = images[i];
    const env = new PromptEnv(seg, im.emb, samples[i].gt, { T: 15, feedMask: true, multimask: false });
    await env.reset(trainingP0(samples[i].gt, rng));
    for (let t = 1; t <= 15; t++) {
      const t0 = performance.now();
      const mask = env.mask64;
      const a = act(policy, stateFeatures(spec, im, env, 15), env.chosen, "sample", rng);
      const t1 = performance.now();
      const x = srmInput(im.emb, mask);
      const { x: px, y: py } = env.cellPoint(a.action);
      const label = labelFor("srm", px, py, im.emb, { yr: srm.predict(x) });
      srm.train(x, im.gt64, 1, im.ignore64);
      const t2 = performance.now();
      await env.step(a.action, label);
      const t3 = performance.now();
      parts.policy += t1 - t0;
      parts.srm += t2 - t1;
      parts.decode += t3 - t2;
      steps++;
    }
  }
  const total = parts.decode + parts.policy + parts.srm;
  rows.push({
    area: "agent",
    what: "env step total (decode + state/features + policy + SRM label & q=1 update)",
    value: total / steps,
    unit: "ms",
  });
  rows.push({
    area: "agent",
    what: "  of which decode (weight-free) + M_t to 64×64",
    value: parts.decode / steps,
    unit: "ms",
  });
  rows.push({
    area: "agent",
    what: "  of which state features + policy act (JS snapshot)",
    value: parts.policy / steps,
    unit: "ms",
  });
  rows.push({
    area: "agent",
    what: "  of which SRM predict + label + 1 train step",
    value: parts.srm / steps,
    unit: "ms",
  });
  srm.dispose();

  // --- one PPO update on 750 transitions ------------------------------------------------------
  const N = 750, F = CELL_FEATURES;
  const batch = {
    obs: Float32Array.from({ length: N * 100 * F }, () => rng.normal()),
    chosen: new Float32Array(N * 100),
    actions: Int32Array.from({ length: N }, () => rng.int(100)),
    logprobs: new Float32Array(N).fill(Math.log(0.01)),
    values: new Float32Array(N),
    advantages: Float32Array.from({ length: N }, () => rng.normal()),
    returns: Float32Array.from({ length: N }, () => rng.normal()),
  };
  const optimizer = createOptimizer(PPO_DEFAULTS);
  const K = 2;
  const t0 = performance.now();
  ppoUpdate(agent, optimizer, batch, { ...PPO_DEFAULTS, updateEpochs: K }, rng);
  const epochMs = (performance.now() - t0) / K;
  rows.push({
    area: "agent",
    what: "PPO: one epoch over 750 transitions (4 minibatches, measured at K = 2)",
    value: epochMs,
    unit: "ms",
  });
  rows.push({
    area: "agent",
    what: "PPO: one update of 750 transitions at K = 20 (= 20 × the epoch above)",
    value: epochMs * 20,
    unit: "ms",
  });
  agent.dispose();
  optimizer.dispose();

  // --- trainAgent wall time and peak RSS ---------------------------------------------------------
  let peak = Deno.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, Deno.memoryUsage().rss)), 100);
  const run = async (E: number) => {
    const s = performance.now();
    await trainAgent({
      samples,
      embeddings,
      segmenter: seg,
      branch: "implicit",
      T: 15,
      E,
      K: 20,
      ...paperTrainHyper(),
      seed: 0,
    });
    return (performance.now() - s) / 1000;
  };
  try {
    const one = await run(1);
    if (one * 10 > 180) {
      rows.push({
        area: "agent",
        what: "trainAgent glass quick (E = 10, 50 images, K = 20): E = 1 timed ×10 (extrapolated)",
        value: one * 10,
        unit: "s",
        target: "< 180 s",
        ok: false,
      });
    } else {
      const ten = await run(10);
      rows.push({
        area: "agent",
        what: "trainAgent glass quick (E = 10, 50 images, K = 20), measured",
        value: ten,
        unit: "s",
        target: "< 180 s",
        ok: ten < 180,
      });
    }
  } finally {
    clearInterval(timer);
  }
  peak = Math.max(peak, Deno.memoryUsage().rss);
  rows.push({
    area: "agent",
    what: "peak RSS during trainAgent (sampled every 100 ms)",
    value: peak / 2 ** 20,
    unit: "MiB",
    target: "< 2048 MiB",
    ok: peak < 2 ** 31,
  });
  return rows;
}
