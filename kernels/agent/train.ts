/**
 * Training (paper Alg. 1): E passes over the training images, one episode per image per pass;
 * the actor-critic learns by PPO (ppo.ts) and the SRM online, q updates after every action
 * (q = 1 implicit, 5 explicit; §4.1) against the GT area-averaged to 64×64.
 *
 * Rollout size (NOT IN PAPER): one PPO update per `episodesPerUpdate` episodes (default 10, i.e.
 * 150 transitions at T = 15; 0 = one update per pass, 50 × 15 = 750). One update per pass gives
 * only E = 10 updates in the quick schedule, too few at the paper's lr 1e-4 for the policy to
 * move; five smaller updates per pass cost the same compute (∝ transitions × K).
 */
import { initTf } from "../tf/backend.ts";
import { makeRng } from "../../core/rng.ts";
import type { Embedding, Segmenter } from "../sam/segmenter.ts";
import type { ClipMap, Sample, TrainSummary, UpdateLog } from "../../core/records.ts";
import { createSrm, type Srm, SRM_LR, type SrmState } from "../srm/srm.ts";
import { type GridLayout, gtToGrid, layoutOf, poolCells, poolMap } from "./grid64.ts";
import { CELL_FEATURES, cellFeatures, type FeatureSpec, fitFeatureSpec, imageFeatures } from "./features.ts";
import { act, createActorCritic, snapshot } from "./policy.ts";
import { type ImageSource, RolloutBuffer } from "./buffer.ts";
import { computeAdvantages, createOptimizer, PPO_DEFAULTS, type PpoConfig, ppoUpdate } from "./ppo.ts";
import { PromptEnv, trainingP0 } from "./env.ts";
import { labelFor, type LabelVariant, needsSrm, srmInput } from "./labeller.ts";
import type { AgentWeights } from "./weights_io.ts";
import { DataError } from "../../core/errors.ts";
import { isPadded } from "../sam/layout.ts";

export const DEFAULT_EPISODES_PER_UPDATE = 10;

export interface TrainOptions {
  task?: string;
  samples: Sample[];
  embeddings: Map<string, Embedding>;
  clipMaps?: Map<string, ClipMap>;
  segmenter: Segmenter;
  branch: "implicit" | "explicit";
  T: number;
  E: number;
  K: number;
  lr: number;
  gamma: number;
  clipEps: number;
  qImplicit: number;
  qExplicit: number;
  feedMask: boolean;
  multimask?: boolean;
  /** how the SRM's state reads M_{t−1} (kernels/srm/input.ts SrmState) */
  srmState: SrmState;
  seed: number;
  /** labelling during training (default srm, as Alg. 1 with §3.3) */
  variant?: LabelVariant;
  /** PPO knobs beyond the paper's (ppo.ts PPO_DEFAULTS) */
  ppo?: Partial<PpoConfig>;
  /**
   * SRM Adam learning rate; default SRM_LR (1e-3, kernels/srm/srm.ts): the paper's 1e-4 (§4.1)
   * is too slow for an SRM trained from scratch with q = 1 step per action.
   */
  srmLr?: number;
  /** episodes per PPO update (default DEFAULT_EPISODES_PER_UPDATE); 0 = one pass over the images */
  episodesPerUpdate?: number;
  onUpdate?: (log: UpdateLog) => void;
  progress?: (done: number, total: number, label?: string) => void;
  signal?: AbortSignal;
}

/** Per-image data the rollout and the update share. */
export interface TrainImage {
  emb: Embedding;
  layout: GridLayout;
  source: ImageSource;
  gt64: Float32Array;
  ignore64: Uint8Array;
  clipMap?: ClipMap;
}

export function prepareImages(
  samples: Sample[],
  embeddings: Map<string, Embedding>,
  clipMaps: Map<string, ClipMap> | undefined,
  needClip: boolean,
): { images: TrainImage[]; pooledE: Float32Array[] } {
  const pooledE: Float32Array[] = [];
  const images = samples.map((s) => {
    const emb = embeddings.get(s.imageHash);
    if (!emb) throw new DataError(`no embedding for image ${s.stem} (hash ${s.imageHash.slice(0, 12)})`);
    const clipMap = clipMaps?.get(s.imageHash);
    if (needClip && !clipMap) {
      throw new DataError(`no CLIP map for image ${s.stem}: the explicit branch needs one`);
    }
    const layout = layoutOf(emb);
    pooledE.push(poolCells(emb.data, emb.channels, layout));
    return { emb, layout, clipMap, ...gtToGrid(s.gt, isPadded(emb)) } as Omit<TrainImage, "source">;
  });
  return { images: images as TrainImage[], pooledE };
}

export function attachFeatures(images: TrainImage[], pooledE: Float32Array[], spec: FeatureSpec): void {
  images.forEach((im, i) => {
    im.source = {
      embedding: im.emb.data,
      channels: im.emb.channels,
      layout: im.layout,
      img: imageFeatures(spec, pooledE[i]),
    };
  });
}

/** Policy features of the env's current state. */
export function stateFeatures(spec: FeatureSpec, im: TrainImage, env: PromptEnv, T: number): Float32Array {
  const pooledS = poolCells(im.emb.data, im.emb.channels, im.layout, env.mask64);
  return cellFeatures(spec, im.source.img, pooledS, poolMap(env.mask64, im.layout), env.chosen, env.t, T);
}

/**
 * Train one agent. `wallSeconds` is returned beside the summary, not in it: train.json feeds
 * downstream cache keys, which must not depend on timing (issue 13).
 */
export async function trainAgent(
  o: TrainOptions,
): Promise<{ weights: AgentWeights; summary: TrainSummary; wallSeconds: number }> {
  const started = performance.now();
  await initTf();
  if (o.samples.length === 0) throw new DataError("trainAgent: no training samples");
  const variant = o.variant ?? "srm";
  const cfg: PpoConfig = {
    ...PPO_DEFAULTS,
    ...o.ppo,
    lr: o.lr,
    gamma: o.gamma,
    clipEps: o.clipEps,
    updateEpochs: o.K,
  };
  const rng = makeRng(o.seed);
  const { images, pooledE } = prepareImages(o.samples, o.embeddings, o.clipMaps, o.branch === "explicit");
  const channels = images[0].emb.channels;
  const spec = fitFeatureSpec(pooledE, channels, o.seed);
  attachFeatures(images, pooledE, spec);

  const agent = createActorCritic({ features: CELL_FEATURES, seed: o.seed });
  const optimizer = createOptimizer(cfg);
  const srm: Srm = createSrm({
    branch: o.branch,
    channels,
    seed: o.seed,
    lr: o.srmLr ?? SRM_LR,
    state: o.srmState,
  });
  const q = o.branch === "explicit" ? o.qExplicit : o.qImplicit;
  const epu = o.episodesPerUpdate ?? DEFAULT_EPISODES_PER_UPDATE;
  const perUpdate = epu > 0 ? Math.min(epu, images.length) : images.length;
  const buffer = new RolloutBuffer();
  const updates: UpdateLog[] = [];
  const totalEpisodes = o.E * images.length;
  let episodes = 0, fgCount = 0, stepCount = 0, srmLoss = 0, srmCalls = 0, returnSum = 0, episodeCount = 0;

  const update = () => {
    const N = buffer.length;
    const rewards = new Float32Array(N), values = new Float32Array(N), dones = new Float32Array(N);
    const actions = new Int32Array(N), logprobs = new Float32Array(N);
    buffer.items.forEach((tr, i) => {
      rewards[i] = tr.reward;
      values[i] = tr.value;
      dones[i] = tr.done;
      actions[i] = tr.action;
      logprobs[i] = tr.logp;
    });
    const { advantages, returns } = computeAdvantages(rewards, values, dones, cfg.gamma, cfg.gaeLambda);
    const { feats, chosen } = buffer.features(spec, o.T, (i) => images[i].source);
    const stats = ppoUpdate(
      agent,
      optimizer,
      {
        obs: feats,
        chosen,
        actions,
        logprobs,
        values,
        advantages,
        returns,
      },
      cfg,
      rng,
    );
    const log: UpdateLog = {
      update: updates.length + 1,
      ...stats,
      mean_return: returnSum / Math.max(episodeCount, 1),
      fr: fgCount / Math.max(stepCount, 1),
      srm_loss: srmLoss / Math.max(srmCalls, 1),
    };
    updates.push(log);
    o.onUpdate?.(log);
    buffer.clear();
    policy = snapshot(agent);
    fgCount =
      stepCount =
      srmLoss =
      srmCalls =
      returnSum =
      episodeCount =
        0;
  };

  // The policy acts from a plain-JS copy of its weights, refreshed after every update.
  let policy = snapshot(agent);
  try {
    for (let e = 0; e < o.E; e++) {
      const order = rng.shuffle(images.map((_, i) => i));
      for (const i of order) {
        if (o.signal?.aborted) throw o.signal.reason ?? new Error("training aborted");
        const im = images[i];
        const env = new PromptEnv(o.segmenter, im.emb, o.samples[i].gt, {
          T: o.T,
          feedMask: o.feedMask,
          multimask: o.multimask ?? false,
        });
        await env.reset(trainingP0(o.samples[i].gt, rng));
        let ret = 0;
        for (let t = 1; t <= o.T; t++) {
          const mask = env.mask64;
          const x = srmInput(im.emb, mask, im.clipMap);
          const { action, logp, value } = act(
            policy,
            stateFeatures(spec, im, env, o.T),
            env.chosen,
            "sample",
            rng,
          );
          const { x: px, y: py } = env.cellPoint(action);
          const yr = needsSrm(variant) ? srm.predict(x) : undefined;
          const label = labelFor(variant, px, py, im.emb, {
            yr,
            prevMask: mask,
            clipMap: im.clipMap,
            gt: o.samples[i].gt,
          });
          const chosenBefore = env.chosen.slice();
          const out = await env.step(action, label);
          buffer.push({
            image: i,
            mask64: mask,
            chosen: chosenBefore,
            t,
            action,
            logp,
            value,
            reward: out.reward,
            done: out.done ? 1 : 0,
          });
          // §3.3: q SRM updates after each action, on the state the action was taken in.
          srmLoss += srm.train(x, im.gt64, q, im.ignore64);
          srmCalls++;
          ret += out.reward;
          fgCount += out.fg ? 1 : 0;
          stepCount++;
        }
        returnSum += ret;
        episodeCount++;
        episodes++;
        o.progress?.(episodes, totalEpisodes, `pass ${e + 1}/${o.E}`);
        if (episodeCount >= perUpdate) update();
      }
      if (buffer.length > 0) update();
    }
    const weights: AgentWeights = {
      version: 1,
      featureSpec: spec,
      actorCritic: agent.getWeights(),
      srm: { branch: o.branch, channels, state: o.srmState, weights: srm.getWeights() },
      meta: {
        task: o.task ?? "",
        T: o.T,
        E: o.E,
        branch: o.branch,
        variant,
        seed: o.seed,
        segmenter: o.segmenter.id,
      },
    };
    const summary: TrainSummary = {
      task: o.task ?? "",
      variant,
      branch: o.branch,
      seed: o.seed,
      T: o.T,
      E: o.E,
      updates,
    };
    return { weights, summary, wallSeconds: (performance.now() - started) / 1000 };
  } finally {
    agent.dispose();
    optimizer.dispose();
    srm.dispose();
  }
}
