/**
 * train-agent: PPO actor-critic + SRM on one task's training images (paper Alg. 1, §3.3;
 * kernels/agent/train.ts), one item per task × seed. Writes the weights (agent.json + agent.bin)
 * and train.json (TrainSummary: one UpdateLog per PPO update).
 *
 * The branch is the task's (data/tasks.ts, paper Table 1), except that without CLIP weights
 * (`clip: none`) an explicit-branch task trains the implicit branch: the report marks such
 * cells "explicit needs CLIP".
 */
import { join } from "node:path";
import type { InputRef, Item, Params, Stage } from "../pipeline/stage.ts";
import type { TrainSummary } from "../core/records.ts";
import { expandTasks, getTask } from "../data/tasks.ts";
import { readPreprocessed } from "./preprocess.ts";
import { readEmbeddings } from "./embed_cache.ts";
import { readClipMaps } from "./clip_maps.ts";
import { sharedSegmenter } from "../kernels/sam/factory.ts";
import { trainAgent } from "../kernels/agent/train.ts";
import type { SrmState } from "../kernels/srm/input.ts";
import { loadAgentWeights, saveAgentWeights } from "../kernels/agent/weights_io.ts";
import { DataError } from "../core/errors.ts";
import { drawReferences } from "./references.ts";
import { AGENT_CODE } from "./code.ts";

export { loadAgentWeights };

/** The SRM branch a train item uses: the task's, or implicit when explicit lacks CLIP. */
export function trainBranch(task: string, params: Params): "implicit" | "explicit" {
  const b = getTask(task).branch;
  return b === "explicit" && params.clip === "none" ? "implicit" : b;
}

/** Inputs of a train-agent or evaluate item on `task` (CLIP maps only where read). */
export function agentInputs(task: string, needClip: boolean): InputRef[] {
  const refs: InputRef[] = [
    { stage: "preprocess", item: { task } },
    { stage: "embed-cache", item: { task } },
  ];
  if (needClip) refs.push({ stage: "clip-maps", item: { task } });
  return refs;
}

/** Train items of the run: tasks × seeds at the run's T and E. */
export function trainItems(params: Params): Item[] {
  const seeds = (params.seeds as number[] | undefined) ?? [0];
  return expandTasks((params.tasks as string[] | undefined) ?? []).flatMap((t) =>
    seeds.map((seed) => ({
      task: t.id,
      branch: trainBranch(t.id, params),
      seed,
      T: Number(params.T),
      E: Number(params.E),
    }))
  );
}

export const trainAgentStage: Stage = {
  name: "train-agent",
  doc: "PPO actor-critic + SRM per task × seed (paper Alg. 1); weights and training curves",
  code: ["stages/train_agent.ts", "stages/references.ts", ...AGENT_CODE],
  // tasks/seeds/T/E/clip only shape the items; the item carries branch, seed, T and E.
  params: [
    "K",
    "lr",
    "gamma",
    "clipEps",
    "qImplicit",
    "qExplicit",
    "segmenter",
    "feedMask",
    "multimask",
    "srmState",
  ],
  items: trainItems,
  inputs: (item: Item) => agentInputs(String(item.task), item.branch === "explicit"),
  after: ["preprocess", "embed-cache", "clip-maps"],
  outputs: ["agent.json", "agent.bin", "train.json"],
  async run(ctx) {
    const task = String(ctx.item.task);
    const branch = ctx.item.branch === "explicit" ? "explicit" : "implicit";
    const p = ctx.params;
    const pre = await readPreprocessed(ctx.input({ stage: "preprocess", item: { task } }));
    const embeddings = await readEmbeddings(ctx.input({ stage: "embed-cache", item: { task } }));
    const clipMaps = branch === "explicit"
      ? await readClipMaps(ctx.input({ stage: "clip-maps", item: { task } }), { full: false })
      : undefined;
    const segmenter = await sharedSegmenter(String(p.segmenter));
    ctx.log(`${task}: training on ${pre.train.length} images, ${branch} SRM, ${segmenter.label}`);
    const { weights, summary, wallSeconds } = await trainAgent({
      task,
      samples: trainSubset(pre.train, ctx.item),
      embeddings,
      clipMaps,
      segmenter,
      branch,
      T: Number(ctx.item.T),
      E: Number(ctx.item.E),
      K: Number(p.K),
      lr: Number(p.lr),
      gamma: Number(p.gamma),
      clipEps: Number(p.clipEps),
      qImplicit: Number(p.qImplicit),
      qExplicit: Number(p.qExplicit),
      feedMask: Boolean(p.feedMask),
      multimask: Boolean(p.multimask),
      srmState: p.srmState as SrmState,
      seed: Number(ctx.item.seed),
      progress: (d, n, label) => ctx.progress(d, n, `${task} ${label ?? "episodes"}`),
      onUpdate: (u) =>
        ctx.log(
          `${task} seed ${ctx.item.seed} update ${u.update}: FR ${u.fr.toFixed(3)} return ${
            u.mean_return.toFixed(2)
          } pg ${u.pg_loss.toFixed(4)} v ${u.v_loss.toFixed(3)} H ${u.entropy.toFixed(2)} kl ${
            u.approx_kl.toFixed(4)
          } srm ${u.srm_loss.toFixed(3)}`,
        ),
      signal: ctx.signal,
    });
    // timing varies run to run: kept in the entry's _entry.json, never in a hashed file
    ctx.note("trainSeconds", wallSeconds);
    await saveAgentWeights(ctx.outDir, weights);
    await Deno.writeTextFile(join(ctx.outDir, "train.json"), JSON.stringify(summary, null, 1) + "\n");
  },
};

/**
 * The training images of an item: all of them, or with `shots` = k the same k references
 * PerSAM gets for that seed (supp. §5: samples "shared among different methods").
 */
export function trainSubset<T>(train: readonly T[], item: Item): T[] {
  return item.shots === undefined ? [...train] : drawReferences(train, Number(item.shots), Number(item.seed));
}

/** train.json of a train-agent entry. */
export async function readTrainSummary(dir: string): Promise<TrainSummary> {
  const path = join(dir, "train.json");
  try {
    return JSON.parse(await Deno.readTextFile(path)) as TrainSummary;
  } catch (e) {
    throw new DataError(`cannot read train summary ${path}: ${(e as Error).message}`, path);
  }
}
