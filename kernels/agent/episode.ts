/**
 * One test-time episode of a trained agent on one image (paper §4.1 evaluation; also
 * `deno task segment`). P_0 = the SRM's highest- and lowest-scoring locations on y_r of the
 * initial state s_0 = E (M_{−1} = 1), positive and negative; then T steps of the policy.
 *
 * Policies: "rl" takes the greedy action (argmax over untaken cells; NOT IN PAPER);
 * "random" draws uniformly over untaken cells with the same labels (w/o RL, supp. Table 4);
 * "single" (w/o MSI) picks the top-T cells of π(s_1) at once, labels them all on s_1 and
 * decodes once — every step record then carries that one final mask.
 */
import type { Embedding, Segmenter } from "../sam/segmenter.ts";
import type { GroundTruth, Point } from "../../core/image.ts";
import type { ClipMap } from "../../core/records.ts";
import { createSrm, type Srm } from "../srm/srm.ts";
import { act, type ActorCritic, createActorCritic, type PolicySnapshot, snapshot } from "./policy.ts";
import { CELL_FEATURES, type FeatureSpec, imageFeatures } from "./features.ts";
import { CELLS, extremePoints, layoutOf, poolCells } from "./grid64.ts";
import { PromptEnv } from "./env.ts";
import { initialSrmInput, labelFor, type LabelVariant, needsSrm, srmInput } from "./labeller.ts";
import { stateFeatures, type TrainImage } from "./train.ts";
import type { AgentWeights } from "./weights_io.ts";
import type { DecodeResult } from "../sam/segmenter.ts";
import type { Rng } from "../../core/rng.ts";
import { isPadded } from "../sam/layout.ts";

export type EvalPolicy = "rl" | "random" | "single";

/** A trained agent ready to act: actor-critic, its feature projection and the SRM. */
export interface LoadedAgent {
  agent: ActorCritic;
  /** the actor-critic's weights in plain JS, for acting */
  policy: PolicySnapshot;
  spec: FeatureSpec;
  srm: Srm;
  dispose(): void;
}

export function restoreAgent(w: AgentWeights): LoadedAgent {
  const agent = createActorCritic({ features: CELL_FEATURES, seed: 0 });
  agent.setWeights(w.actorCritic);
  const srm = createSrm({
    branch: w.srm.branch,
    channels: w.srm.channels,
    seed: 0,
    lr: 0,
    state: w.srm.state ?? "masked",
  });
  // deno-lint-ignore no-explicit-any
  srm.setWeights(w.srm.weights as any);
  return {
    agent,
    policy: snapshot(agent),
    spec: w.featureSpec,
    srm,
    dispose() {
      agent.dispose();
      srm.dispose();
    },
  };
}

/** What happened after each step t = 0..T (0 = after P_0). */
export interface EpisodeStep {
  t: number;
  action: number;
  point: Point;
  fg: boolean;
  points: Point[];
  decoded: DecodeResult;
}

export interface EpisodeOptions {
  segmenter: Segmenter;
  emb: Embedding;
  gt?: GroundTruth;
  clipMap?: ClipMap;
  loaded: LoadedAgent;
  policy: EvalPolicy;
  variant: LabelVariant;
  T: number;
  feedMask: boolean;
  multimask: boolean;
  rng: Rng;
  /** y_r threshold of the "srm" label (default 0.5, kernels/agent/label.ts) */
  srmThreshold?: number;
  onStep?: (s: EpisodeStep) => void;
}

export async function runEpisode(o: EpisodeOptions): Promise<EpisodeStep[]> {
  const { emb, loaded } = o;
  const layout = layoutOf(emb);
  const im = {
    emb,
    layout,
    source: {
      embedding: emb.data,
      channels: emb.channels,
      layout,
      img: imageFeatures(loaded.spec, poolCells(emb.data, emb.channels, layout)),
    },
  } as TrainImage;
  const env = new PromptEnv(o.segmenter, emb, o.gt, { T: o.T, feedMask: o.feedMask, multimask: o.multimask });
  const { hi, lo } = extremePoints(
    loaded.srm.predict(initialSrmInput(emb, o.clipMap)),
    emb.width,
    emb.height,
    isPadded(emb),
  );
  const p0: Point[] = [{ ...hi, label: 1 }, { ...lo, label: 0 }];
  const steps: EpisodeStep[] = [];
  const record = (s: EpisodeStep) => {
    steps.push(s);
    o.onStep?.(s);
  };
  record({ t: 0, action: -1, point: p0[0], fg: false, points: p0.slice(), decoded: await env.reset(p0) });
  const labelAt = (action: number, mask: Float32Array, yr?: Float32Array) => {
    const { x, y } = env.cellPoint(action);
    return labelFor(o.variant, x, y, emb, {
      yr,
      prevMask: mask,
      clipMap: o.clipMap,
      srmThreshold: o.srmThreshold,
      gt: o.gt,
    });
  };
  const predict = (mask: Float32Array) =>
    needsSrm(o.variant) ? loaded.srm.predict(srmInput(emb, mask, o.clipMap)) : undefined;

  if (o.policy === "single") {
    const mask = env.mask64;
    const { probs } = act(
      loaded.policy,
      stateFeatures(loaded.spec, im, env, o.T),
      env.chosen,
      "greedy",
      o.rng,
    );
    const order = Array.from({ length: CELLS }, (_, k) => k).sort((a, b) => probs[b] - probs[a]);
    const yr = predict(mask);
    const picks = order.slice(0, o.T).map((a) => ({ action: a, label: labelAt(a, mask, yr) }));
    const outs = await env.stepMany(picks);
    outs.forEach((out, i) =>
      record({
        t: i + 1,
        action: picks[i].action,
        point: out.point,
        fg: out.fg,
        points: env.points.slice(0, 3 + i),
        decoded: out.decoded,
      })
    );
    return steps;
  }
  for (let t = 1; t <= o.T; t++) {
    const mask = env.mask64;
    let action: number;
    if (o.policy === "rl") {
      action =
        act(loaded.policy, stateFeatures(loaded.spec, im, env, o.T), env.chosen, "greedy", o.rng).action;
    } else {
      const free = [];
      for (let k = 0; k < CELLS; k++) if (!env.chosen[k]) free.push(k);
      action = free[o.rng.int(free.length)];
    }
    const out = await env.step(action, labelAt(action, mask, predict(mask)));
    record({ t, action, point: out.point, fg: out.fg, points: env.points.slice(), decoded: out.decoded });
  }
  return steps;
}
