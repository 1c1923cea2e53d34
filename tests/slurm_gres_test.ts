/**
 * `--gres` of `--executor slurm` (issue 13 point 1: `gres=gpu:1` for the stages that use a GPU),
 * without a GPU or a SLURM: the sbatch arguments built for one item, through the flags.
 */
import { assert, assertEquals } from "./pipeline_assert.ts";
import { parseFlags } from "../cli/args.ts";
import { EXECUTOR_FLAGS, executorOf, slurmResources } from "../cli/executor.ts";
import { sbatchArgs } from "../pipeline/executors/slurm.ts";
import type { RemoteItem } from "../pipeline/executors/remote.ts";
import { STAGE_RESOURCES, stageResources } from "../stages/config.ts";

const node = (stage: string, item: RemoteItem["item"] = { task: "glass" }): RemoteItem => ({
  stage,
  item,
  id: `${stage}[task=glass]`,
  key: "k".repeat(64),
  force: false,
});

/** The --gres arguments of one item's sbatch call under these flags. */
function gresOf(flags: string[], n: RemoteItem): string[] {
  const a = parseFlags("reproduce", ["--executor", "slurm", ...flags], EXECUTOR_FLAGS);
  assertEquals(executorOf(a), "slurm");
  const args = sbatchArgs(
    {
      command: () => ["build"],
      resources: slurmResources(a, { resources: stageResources }),
      logDir: "/shared/logs",
      cwd: "/shared/alignsam",
      args: ["--partition=p"],
    },
    n.stage,
    "/shared/logs/x-%j.log",
    n.id,
  );
  // the other resources are there whatever --gres is
  const r = stageResources(n.stage);
  for (const want of [`--cpus-per-task=${r.cpus}`, `--mem=${r.mem}`, `--time=${r.time}`, "--partition=p"]) {
    assert(args.includes(want), `${want} in ${args.join(" ")}`);
  }
  return args.filter((x) => x.startsWith("--gres"));
}

Deno.test("slurm --gres: gpu:1 for embed-cache by default, --slurm-gres's value, none with 'none'", () => {
  assert(stageResources("embed-cache").gpu, "embed-cache is a GPU stage in stages/config.ts");
  assertEquals(gresOf([], node("embed-cache")), ["--gres=gpu:1"]);
  assertEquals(gresOf(["--slurm-gres", "gpu:a100:2"], node("embed-cache")), ["--gres=gpu:a100:2"]);
  assertEquals(gresOf(["--slurm-gres=none"], node("embed-cache")), []);
});

Deno.test("slurm --gres: every GPU stage of the table asks for it; CPU-only stages (report) never do", () => {
  const gpuStages = Object.keys(STAGE_RESOURCES).filter((s) => stageResources(s).gpu);
  const cpuStages = Object.keys(STAGE_RESOURCES).filter((s) => !stageResources(s).gpu);
  assert(gpuStages.includes("train-agent") && cpuStages.includes("report"), JSON.stringify(STAGE_RESOURCES));
  for (const s of gpuStages) assertEquals(gresOf([], node(s)), ["--gres=gpu:1"], s);
  for (const s of cpuStages) {
    for (const flags of [[], ["--slurm-gres", "gpu:a100:2"]]) assertEquals(gresOf(flags, node(s, {})), [], s);
  }
});
