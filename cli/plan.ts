/**
 * `deno task plan [--profile P] [--workers N] [--gpus G]`: items per stage, estimated CPU and GPU
 * hours and the wall time on N workers (pipeline/cost.ts), before anything runs; `reproduce`
 * prints the same table before a run estimated to take more than a few minutes.
 */
import { UsageError } from "../core/errors.ts";
import { type CostModel, costPlan, formatCostPlan, formatDuration } from "../pipeline/cost.ts";
import type { RunnerOptions } from "../pipeline/runner.ts";
import { type FlagSpec, intFlag, type ParsedArgs } from "./args.ts";

export const PLAN_FLAGS: Record<string, FlagSpec> = {
  workers: {
    type: "string",
    doc: "job slots the items share (local --jobs, or SLURM jobs at once)",
    default: "1",
  },
  "all-tasks": {
    type: "boolean",
    doc: "plan every task of the profile, whether or not its data is here (e.g. for a cluster)",
  },
  gpus: {
    type: "string",
    doc: "of which hold a GPU (GPU stages wait for one); 0: GPU stages run on CPU",
    default: "0",
  },
};

/** `reproduce` shows the plan before a run estimated longer than this. */
export const PLAN_BEFORE_RUN_S = 180;

/** `plan`: print the table for these runner options. */
export async function planMain(a: ParsedArgs, opts: RunnerOptions, model: CostModel): Promise<void> {
  const workers = intFlag(a, "workers", 1, 100_000, 1);
  const gpus = intFlag(a, "gpus", 0, 100_000, 0);
  if (gpus > workers) throw new UsageError(`--gpus ${gpus} exceeds --workers ${workers}`);
  console.log(`plan for profile ${opts.profile}:`);
  console.log(formatCostPlan(await costPlan(opts, model, workers, gpus)));
}

/**
 * Before `reproduce` runs: the plan on this run's job slots, printed (stderr) when the
 * estimated wall time exceeds PLAN_BEFORE_RUN_S. With SLURM every item may run at once.
 */
export async function planBeforeRun(opts: RunnerOptions, model: CostModel): Promise<void> {
  const workers = Math.max(1, opts.jobs ?? 1);
  const p = await costPlan(opts, model, workers, 0);
  if (p.wall <= PLAN_BEFORE_RUN_S) return;
  console.error(`estimated ${formatDuration(p.wall)} (deno task plan --help for the model):`);
  console.error(formatCostPlan(p));
}
