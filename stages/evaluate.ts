/**
 * evaluate: a trained agent's T-step episodes on the test split (paper §4.1; supp. Tables 3–4,
 * Fig. 1). One item per train item × {rl, random} with SRM labels; aggregator stages (ablate,
 * sweep, baselines) request items with other policies, variants, T or E. Writes summary.json
 * (EvalSummary) and traces/ (PNGs of the first `fig1Examples` test images).
 */
import { dirname, join } from "node:path";
import type { Item, Stage } from "../pipeline/stage.ts";
import type { EvalSummary } from "../core/records.ts";
import { getTask } from "../data/tasks.ts";
import { readPreprocessed } from "./preprocess.ts";
import { readEmbeddings } from "./embed_cache.ts";
import { readClipMaps } from "./clip_maps.ts";
import { sharedSegmenter } from "../kernels/sam/factory.ts";
import { evaluateAgent } from "../kernels/agent/evaluate.ts";
import type { EvalPolicy } from "../kernels/agent/episode.ts";
import { LABEL_VARIANTS, type LabelVariant } from "../kernels/agent/labeller.ts";
import { loadAgentWeights } from "../kernels/agent/weights_io.ts";
import { agentInputs, trainItems } from "./train_agent.ts";
import { AGENT_CODE, METRICS_CODE } from "./code.ts";
import { DataError } from "../core/errors.ts";

const POLICIES: readonly EvalPolicy[] = ["rl", "random", "single"];

/** The train-agent item an evaluate item reads. */
export function trainItemOf(item: Item): Item {
  const train: Item = { task: item.task, branch: item.branch, seed: item.seed, T: item.T, E: item.E };
  if (item.shots !== undefined) train.shots = item.shots; // supp. Table 5: trained on k images
  return train;
}

export const evaluateStage: Stage = {
  name: "evaluate",
  doc: "greedy T-step episodes of a trained agent (or random / single-step) on the test split",
  code: [
    "stages/evaluate.ts",
    "stages/train_agent.ts",
    ...AGENT_CODE, // kernels/agent (episodes, traces) and data/tasks.ts (metrics, SRM threshold)
    ...METRICS_CODE,
  ],
  params: ["segmenter", "feedMask", "multimask", "fig1Examples"],
  items: (params) =>
    trainItems(params).flatMap((t) => [
      { ...t, policy: "rl", variant: "srm" },
      { ...t, policy: "random", variant: "srm" },
    ]),
  inputs: (item: Item) => [
    { stage: "train-agent", item: trainItemOf(item) },
    ...agentInputs(String(item.task), item.variant === "sclip" || item.branch === "explicit"),
  ],
  after: ["train-agent", "preprocess", "embed-cache", "clip-maps"],
  outputs: ["summary.json"],
  async run(ctx) {
    const task = String(ctx.item.task);
    const policy = String(ctx.item.policy) as EvalPolicy;
    const variant = String(ctx.item.variant) as LabelVariant;
    if (!POLICIES.includes(policy)) {
      throw new DataError(`evaluate: unknown policy '${policy}' (accepted: ${POLICIES.join(", ")})`);
    }
    if (!LABEL_VARIANTS.includes(variant)) {
      throw new DataError(`evaluate: unknown variant '${variant}' (accepted: ${LABEL_VARIANTS.join(", ")})`);
    }
    const spec = getTask(task);
    const weights = await loadAgentWeights(ctx.input({ stage: "train-agent", item: trainItemOf(ctx.item) }));
    const pre = await readPreprocessed(ctx.input({ stage: "preprocess", item: { task } }));
    const embeddings = await readEmbeddings(ctx.input({ stage: "embed-cache", item: { task } }));
    const needClip = variant === "sclip" || ctx.item.branch === "explicit";
    const clipMaps = needClip
      ? await readClipMaps(ctx.input({ stage: "clip-maps", item: { task } }), { full: false })
      : undefined;
    const segmenter = await sharedSegmenter(String(ctx.params.segmenter));
    const summary = await evaluateAgent({
      task,
      dataset: pre.dataset,
      samples: pre.test,
      embeddings,
      clipMaps,
      segmenter,
      weights,
      policy,
      variant,
      T: Number(ctx.item.T),
      E: Number(ctx.item.E),
      seed: Number(ctx.item.seed),
      traceCount: Number(ctx.params.fig1Examples ?? 0),
      metrics: spec.metrics,
      srmThreshold: spec.srmThreshold,
      feedMask: Boolean(ctx.params.feedMask),
      multimask: Boolean(ctx.params.multimask),
      writeFile: async (name, bytes) => {
        const path = join(ctx.outDir, name);
        await Deno.mkdir(dirname(path), { recursive: true });
        await Deno.writeFile(path, bytes);
      },
      progress: (d, n) => ctx.progress(d, n, `${task} ${policy}/${variant} test`),
      signal: ctx.signal,
    });
    ctx.log(
      `${task} seed ${ctx.item.seed} ${policy}/${variant}: ${
        Object.entries(summary.metrics).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(" ")
      }`,
    );
    await Deno.writeTextFile(join(ctx.outDir, "summary.json"), JSON.stringify(summary) + "\n");
  },
};

/** summary.json of an evaluate entry. */
export async function readEvalSummary(dir: string): Promise<EvalSummary> {
  const path = join(dir, "summary.json");
  try {
    return JSON.parse(await Deno.readTextFile(path)) as EvalSummary;
  } catch (e) {
    throw new DataError(`cannot read evaluation summary ${path}: ${(e as Error).message}`, path);
  }
}
