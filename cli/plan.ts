/**
 * `deno task plan [--profile P] [--workers N] [--gpus G]`: items per stage, estimated CPU and GPU
 * hours and the wall time on N workers (pipeline/cost.ts), before anything runs; `reproduce`
 * prints the same table before a run estimated to take more than a few minutes, and records the
 * estimate beside the measured time at its end (runPlanner).
 */
import { UsageError } from "../core/errors.ts";
import { machineFacts } from "../pipeline/calibration.ts";
import {
  type CostModel,
  type CostPlan,
  costPlan,
  costPlanOf,
  formatCostPlan,
  formatDuration,
} from "../pipeline/cost.ts";
import { canonicalJson, sha256Hex } from "../pipeline/hash.ts";
import type { PlanItem, RunnerOptions } from "../pipeline/runner.ts";
import { runLine, type RunRecord, writeRunRecord } from "../pipeline/runs.ts";
import type { Session } from "../pipeline/session.ts";
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
 * `reproduce`'s plan and run record. `onPlan` (the runner's hook: the run plans once) computes the
 * cost plan on this run's job slots and prints it (stderr) when the estimated wall time exceeds
 * PLAN_BEFORE_RUN_S; with SLURM every item may run at once. `finish` writes the run record
 * (`<cache>/runs/`, pipeline/runs.ts: the estimate beside the measured wall time since `t0`) and
 * prints "took …; plan said … (±n%)".
 */
export function runPlanner(
  opts: RunnerOptions,
  model: CostModel,
  t0 = performance.now(),
  /** filled with each item-to-build's estimated seconds (the SLURM executor's worker jobs read it) */
  priced?: Map<string, number>,
) {
  const started = new Date(Date.now() - (performance.now() - t0));
  let estimate: CostPlan | undefined;
  let paramsDigest = "";
  const workers = Math.max(1, opts.jobs ?? 1);
  return {
    async onPlan(items: PlanItem[], session: Session): Promise<void> {
      estimate = await costPlanOf(session, items, model, workers, 0);
      for (const i of estimate.items) if (i.build) priced?.set(i.id, i.seconds);
      paramsDigest = sha256Hex(canonicalJson(session.params));
      if (estimate.wall <= PLAN_BEFORE_RUN_S) return;
      console.error(`estimated ${formatDuration(estimate.wall)} (deno task plan --help for the model):`);
      console.error(formatCostPlan(estimate));
    },
    /** After the run (ok or not; never throws); nothing when it failed before planning. */
    async finish(res: { ran: string[]; fresh: string[] } | undefined): Promise<RunRecord | undefined> {
      if (!estimate) return undefined;
      const rec: RunRecord = {
        profile: opts.profile,
        overrides: opts.overrides ?? {},
        paramsDigest,
        executor: opts.remote ? "slurm" : "local",
        workers,
        estimateSeconds: estimate.wall,
        estimateFrom: Object.fromEntries(
          estimate.stages.filter((s) => s.build).map((s) => [s.stage, s.source]),
        ),
        measuredSeconds: (performance.now() - t0) / 1000,
        built: res?.ran.length ?? 0,
        cached: res?.fresh.length ?? 0,
        ok: res !== undefined,
        started: started.toISOString(),
        finished: new Date().toISOString(),
        machine: machineFacts(),
      };
      console.error(runLine(rec, formatDuration));
      // bookkeeping: a cache that refuses the record must not hide the run's own outcome
      await writeRunRecord(opts.cacheDir, rec).catch((e) =>
        console.error(`warning: run record not written: ${(e as Error).message}`)
      );
      return rec;
    },
  };
}
