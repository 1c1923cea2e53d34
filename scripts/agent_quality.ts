/**
 * The agent's quality-bar experiment (issue 7): per task and seed, train (E passes, K epochs, T
 * steps; weight-free segmenter, implicit SRM, paper lr/γ/clip) and evaluate on the whole test
 * split with the greedy policy ("rl") and uniform random cells ("random", same SRM labels).
 * Prints one tab-separated row per (task, seed, policy) and a #curve row (first/last UpdateLog).
 * Entries are kept under ALIGNSAM_AGENTQ (default .alignsam/agent-quality). The optional 6th
 * argument lists the evaluation's SRM labelling thresholds τ (y_r > τ → positive; default 0.5,
 * kernels/agent/label.ts), each evaluated on the same trained agent; training keeps 0.5.
 * Choose τ on a validation split, never on the test split.
 *
 * Environment knobs (issue 15): ALIGNSAM_AGENTQ_SEGMENTER (default weight-free; standin reads its
 * file from ALIGNSAM_MODELS), ALIGNSAM_AGENTQ_VAL=N (train on the other training images and
 * evaluate on N of them, drawn with seed 0: a validation split, the test split untouched),
 * ALIGNSAM_AGENTQ_VARIANTS (rl-policy label variants evaluated besides rl/random with srm, e.g.
 * none,last,gt), ALIGNSAM_AGENTQ_SRMSTATE (signed | masked: how the SRM's state reads M_{t−1},
 * kernels/srm/input.ts; default the schema's).
 *
 * @example
 * ALIGNSAM_DATA=../shared/data deno run -A scripts/agent_quality.ts glass 0,1,2 10 20 15
 * ALIGNSAM_DATA=../shared/data deno run -A scripts/agent_quality.ts saliency 0,1,2 10 20 15 0.5,0.8
 */
import { preprocessStage, readPreprocessed } from "../stages/preprocess.ts";
import { embedCacheStage, readEmbeddings } from "../stages/embed_cache.ts";
import type { Stage } from "../pipeline/stage.ts";
import { buildStageOnce } from "../stages/standalone.ts";
import { sharedSegmenter } from "../kernels/sam/factory.ts";
import { trainAgent } from "../kernels/agent/train.ts";
import { evaluateAgent } from "../kernels/agent/evaluate.ts";
import { getTask } from "../data/tasks.ts";
import { paperTrainHyper } from "../stages/config.ts";
import { makeRng } from "../core/rng.ts";
import type { LabelVariant } from "../kernels/agent/label.ts";
import { SRM_STATES, type SrmState } from "../kernels/srm/input.ts";

const [tasksArg = "glass", seedsArg = "0", EArg = "10", KArg = "20", TArg = "15", tauArg = "0.5"] = Deno.args;
const tasks = tasksArg.split(","), seeds = seedsArg.split(",").map(Number);
const E = Number(EArg), K = Number(KArg), T = Number(TArg), taus = tauArg.split(",").map(Number);
for (const tau of taus) {
  if (!(tau > 0 && tau < 1)) throw new RangeError(`SRM threshold τ in "${tauArg}": expected 0 < τ < 1`);
}
const root = Deno.env.get("ALIGNSAM_AGENTQ") ?? ".alignsam/agent-quality";
const segName = Deno.env.get("ALIGNSAM_AGENTQ_SEGMENTER") ?? "weight-free";
const valCount = Number(Deno.env.get("ALIGNSAM_AGENTQ_VAL") ?? 0);
const extraVariants = (Deno.env.get("ALIGNSAM_AGENTQ_VARIANTS") ?? "").split(",").filter(
  Boolean,
) as LabelVariant[];
const srmState = Deno.env.get("ALIGNSAM_AGENTQ_SRMSTATE") ?? paperTrainHyper().srmState;
if (!SRM_STATES.includes(srmState as SrmState)) {
  throw new RangeError(`ALIGNSAM_AGENTQ_SRMSTATE=${srmState}: expected one of ${SRM_STATES.join(", ")}`);
}
const seg = await sharedSegmenter(segName);

/** preprocess / embed-cache of `task` under `root` (built once; embed-cache per segmenter id). */
function runStage(
  stage: Stage,
  item: { task: string },
  params: Record<string, unknown>,
  inputs: Record<string, string>,
) {
  const dir = `${root}/${stage.name}-${item.task}-${stage.name === "embed-cache" ? seg.id.slice(0, 8) : ""}`;
  return buildStageOnce(stage, item, params, inputs, dir, (m) => console.error(m));
}

for (const task of tasks) {
  const pre = await runStage(preprocessStage, { task }, {
    trainCount: 50,
    testCount: 0,
    skipBad: false,
    rebinarize: false,
  }, {});
  const emb = await runStage(embedCacheStage, { task }, { segmenter: segName }, { preprocess: pre });
  const data = await readPreprocessed(pre);
  if (valCount > 0) {
    const order = makeRng(0).shuffle(data.train);
    data.test = order.slice(0, valCount);
    data.train = order.slice(valCount);
    console.error(
      `${task}: validation split: train ${data.train.length}, evaluate on ${data.test.length} training images`,
    );
  }
  const embeddings = await readEmbeddings(emb);
  for (const seed of seeds) {
    const t0 = performance.now();
    const { weights, summary } = await trainAgent({
      task,
      samples: data.train,
      embeddings,
      segmenter: seg,
      branch: "implicit",
      T,
      E,
      K,
      ...paperTrainHyper(),
      srmState: srmState as SrmState,
      seed,
      onUpdate: (u) =>
        console.error(
          `${task} s${seed} u${u.update} fr ${u.fr.toFixed(3)} ret ${u.mean_return.toFixed(2)} H ${
            u.entropy.toFixed(3)
          } kl ${u.approx_kl.toFixed(4)} ev ${u.explained_variance.toFixed(3)} srm ${u.srm_loss.toFixed(3)}`,
        ),
    });
    const trainS = (performance.now() - t0) / 1000;
    const runs = [
      ...taus.flatMap((tau) => [["rl", "srm", tau], ["random", "srm", tau]] as const),
      ...extraVariants.map((v) => ["rl", v, 0.5] as const),
    ];
    for (const [policy, variant, srmThreshold] of runs) {
      const s = await evaluateAgent({
        samples: data.test,
        embeddings,
        segmenter: seg,
        weights,
        policy,
        variant,
        T,
        seed,
        traceCount: 0,
        srmThreshold,
        metrics: getTask(task).metrics,
        task,
      });
      const m = Object.entries(s.metrics).map(([k, v]) => `${k}=${v.toFixed(4)}`).join(" ");
      console.log(
        `${task}\t${seed}\t${policy}/${variant}\ttau=${srmThreshold}\t${m}\ttrain ${
          trainS.toFixed(0)
        }s\tseg ${seg.id.slice(0, 12)}`,
      );
    }
    const u = summary.updates;
    console.log(
      `#curve\t${task}\t${seed}\tfirst ${JSON.stringify(u[0])}\tlast ${JSON.stringify(u[u.length - 1])}`,
    );
  }
}
