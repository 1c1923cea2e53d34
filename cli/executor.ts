/**
 * `--executor local|slurm` for `reproduce` and `run`, and `build-item`, the one-item entry every
 * SLURM job runs. The coordinator hands each job its resolved overrides as JSON, so the job sees
 * exactly the coordinator's params (the prepare hook, which may look for data, is not rerun).
 */
import { join, resolve } from "node:path";
import { UsageError } from "../core/errors.ts";
import { buildFromQueue, buildItem, type BuiltItem } from "../pipeline/executors/item.ts";
import type { RemoteExecutor, RemoteItem } from "../pipeline/executors/remote.ts";
import { type JobWork, slurmExecutor, type SlurmResources } from "../pipeline/executors/slurm.ts";
import type { RunnerOptions } from "../pipeline/runner.ts";
import type { Item, Params } from "../pipeline/stage.ts";
import type { FlagSpec, ParsedArgs } from "./args.ts";

export const EXECUTORS = ["local", "slurm"] as const;

/** What one stage's jobs ask for; `gpu` becomes `--gres` (stages/config.ts has alignsam's table). */
export interface JobResources {
  cpus: number;
  mem: string;
  time: string;
  gpu: boolean;
  /** built in the coordinator, not as a job (its items cost less than a job's start-up) */
  local?: boolean;
}

/** What an app gives the slurm executor (cli/main.ts's App carries it). */
export interface JobApp {
  /** argv (program first) that runs this CLI; `build-item ...` is appended */
  jobCommand?: string[];
  resources?: (stage: string) => JobResources;
}

/**
 * `--slurm-group` default, seconds: a worker job's budget. A job here costs ~1.5–3 s before its
 * first item's first step (scheduling, a fresh deno, module load, the session's keys) and runs
 * cold (a glass evaluation took 12.5 s as a job of its own, 6.8 s in a warm local worker).
 * Measured 2026-12-02 on the smoke DAG, 2-CPU node, idle, 1-CPU jobs, against local --jobs 2:
 * one job per item 2.0–2.2× (CI); static groups of 60 s 1.06–1.33×; worker jobs of 60 s
 * 0.98–1.02× (bench, three runs) and 1.03–1.16× (the e2e test, three runs). Items over 30 s (a
 * paper run's) get a job each.
 */
export const SLURM_GROUP_DEFAULT_S = 60;

export const EXECUTOR_FLAGS: Record<string, FlagSpec> = {
  executor: {
    type: "string",
    doc:
      "local: build items in this process (--jobs workers); slurm: one sbatch job per item (the studies, milliseconds each, in this process)",
    default: "local",
  },
  "slurm-args": {
    type: "string",
    doc:
      "extra sbatch options for every job, space-separated, given with = (--slurm-args='--partition=gpu --account=lab')",
  },
  "slurm-gres": {
    type: "string",
    doc: "--gres of the stages that use a GPU; 'none' requests none",
    default: "gpu:1",
  },
  "log-dir": { type: "string", doc: "job scripts and logs of --executor slurm (default: CACHE/slurm-logs)" },
  "slurm-group": {
    type: "string",
    doc:
      `worker jobs: ready items that the plan prices under half of this many seconds are queued per stage, and worker jobs take them one after another for up to this long each (a job costs seconds to start); 0: one job per item`,
    default: String(SLURM_GROUP_DEFAULT_S),
  },
};

/** In flight at once with --executor slurm when --jobs is not given: the scheduler decides. */
export const SLURM_JOBS_DEFAULT = 100_000;

/** The executor flags' value, checked; "local" when absent. */
export function executorOf(a: ParsedArgs): (typeof EXECUTORS)[number] {
  const e = (a.values.executor as string | undefined) ?? "local";
  if (!(EXECUTORS as readonly string[]).includes(e)) {
    throw new UsageError(`--executor must be one of ${EXECUTORS.join(", ")}, got '${e}'`);
  }
  for (const f of ["slurm-args", "slurm-gres", "log-dir", "slurm-group"]) {
    if (e !== "slurm" && a.values[f] !== undefined) throw new UsageError(`--${f} needs --executor slurm`);
  }
  return e as (typeof EXECUTORS)[number];
}

/** Each stage's sbatch resources: the app's table, `--gres` (`--slurm-gres`, default gpu:1; none) for GPU stages. */
export function slurmResources(a: ParsedArgs, app: JobApp): (stage: string) => SlurmResources {
  const gres = (a.values["slurm-gres"] as string | undefined) ?? "gpu:1";
  return (stage) => {
    const r = app.resources?.(stage) ?? { cpus: 1, mem: "4G", time: "1:00:00", gpu: false };
    return { cpus: r.cpus, mem: r.mem, time: r.time, ...(r.gpu && gres !== "none" ? { gres } : {}) };
  };
}

/**
 * The slurm executor for a coordinator with these runner options; undefined for local.
 * `priced`: the plan's estimated seconds per item id, filled once the run has planned (worker jobs).
 */
export function remoteOf(
  a: ParsedArgs,
  app: JobApp,
  opts: RunnerOptions,
  priced?: ReadonlyMap<string, number>,
): RemoteExecutor | undefined {
  if (executorOf(a) !== "slurm") return undefined;
  if (!app.jobCommand) throw new UsageError("--executor slurm: this app has no one-item build entry");
  const jobCommand = app.jobCommand;
  const args = ((a.values["slurm-args"] as string | undefined) ?? "").split(/\s+/).filter(Boolean);
  const resources = slurmResources(a, app);
  const env = (name: string, flag: string) => {
    const v = Deno.env.get(name);
    return v ? [flag, v] : [];
  };
  const groupS = Number((a.values["slurm-group"] as string | undefined) ?? SLURM_GROUP_DEFAULT_S);
  if (!(groupS >= 0)) {
    throw new UsageError(`--slurm-group must be seconds ≥ 0, got '${a.values["slurm-group"]}'`);
  }
  const command = (work: JobWork) => [
    ...jobCommand,
    "build-item",
    "--stage",
    "node" in work ? work.node.stage : work.stage,
    ...("node" in work
      ? ["--item", JSON.stringify(work.node.item), "--key", work.node.key]
      : ["--queue", work.queue, "--budget", String(work.budget)]),
    "--profile",
    opts.profile,
    "--overrides",
    JSON.stringify(opts.overrides ?? {}),
    "--cache",
    opts.cacheDir,
    // also exported by sbatch, but explicit survives --slurm-args '--export=NONE'
    ...env("ALIGNSAM_DATA", "--data"),
    ...env("ALIGNSAM_MODELS", "--models"),
    // a queue holds forced items or unforced ones (slurm.ts)
    ...(("node" in work ? work.node.force : work.force) ? ["--force"] : []),
    ...(opts.verify ? ["--verify"] : []),
  ];
  const logDir = resolve((a.values["log-dir"] as string | undefined) ?? join(opts.cacheDir, "slurm-logs"));
  const local = (stage: string) => app.resources?.(stage).local ?? false;
  const group = priced && groupS > 0
    ? { seconds: groupS, estimate: (n: RemoteItem) => priced.get(n.id) }
    : undefined;
  return slurmExecutor({ command, resources, local, logDir, cwd: opts.root, args, group });
}

export const BUILD_ITEM_FLAGS: Record<string, FlagSpec> = {
  stage: { type: "string", doc: "the item's stage" },
  item: { type: "string", doc: 'the item as JSON, e.g. \'{"task":"glass"}\'' },
  queue: {
    type: "string",
    doc:
      "instead of --item and --key: a worker job's queue folder; take its items one after another (pipeline/executors/queue.ts)",
  },
  budget: {
    type: "string",
    doc: "with --queue: take no new item after this many seconds",
    default: String(SLURM_GROUP_DEFAULT_S),
  },
  key: {
    type: "string",
    doc: "the coordinator's key: fail before building if this process computes another",
  },
  profile: { type: "string", doc: "profile" },
  overrides: { type: "string", doc: "the coordinator's resolved overrides as JSON" },
  cache: { type: "string", doc: "the shared cache directory" },
  data: { type: "string", doc: "data root (sets ALIGNSAM_DATA)" },
  models: { type: "string", doc: "model weights folder (sets ALIGNSAM_MODELS)" },
  force: { type: "boolean", doc: "rebuild even if an entry with the key exists" },
  verify: { type: "boolean", doc: "re-hash every cached input file used" },
};

function json<T>(a: ParsedArgs, flag: string, check: (v: unknown) => boolean, what: string): T {
  const raw = a.values[flag] as string | undefined;
  if (raw === undefined) throw new UsageError(`build-item: --${flag} is required`);
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (e) {
    throw new UsageError(`build-item: --${flag} is not JSON (${(e as Error).message}): ${raw}`);
  }
  if (!check(v)) throw new UsageError(`build-item: --${flag} must be ${what}, got ${raw}`);
  return v as T;
}

const isObject = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v);

const isItem = (v: unknown) =>
  isObject(v) && Object.values(v as object).every((x) => ["string", "number"].includes(typeof x));

/**
 * `build-item`: build one item (--item, --key), or a worker job's queued items (--queue), into the
 * shared cache: what a SLURM job runs. Exits 0 when every entry is there; a worker job goes on
 * past a failed item (its `.fail` file tells the coordinator) and then exits 1 naming the failures.
 */
export async function buildItemMain(
  a: ParsedArgs,
  base: Omit<RunnerOptions, "profile" | "cacheDir" | "overrides">,
): Promise<void> {
  const stage = a.values.stage as string | undefined;
  const cache = a.values.cache as string | undefined;
  const profile = a.values.profile as string | undefined;
  if (!stage || !cache || !profile) {
    throw new UsageError("build-item: --stage, --profile and --cache are required");
  }
  const queue = a.values.queue as string | undefined;
  if (queue !== undefined && (a.values.item !== undefined || a.values.key !== undefined)) {
    throw new UsageError("build-item: give --queue, or --item and --key, not both");
  }
  const item = queue === undefined
    ? json<Item>(a, "item", isItem, "an object of strings and numbers")
    : undefined;
  const budget = Number(a.values.budget ?? SLURM_GROUP_DEFAULT_S);
  if (!(budget >= 0)) {
    throw new UsageError(`build-item: --budget must be seconds ≥ 0, got '${a.values.budget}'`);
  }
  const overrides = a.values.overrides === undefined
    ? {}
    : json<Params>(a, "overrides", isObject, "an object");
  if (a.values.data !== undefined) Deno.env.set("ALIGNSAM_DATA", resolve(a.values.data as string));
  if (a.values.models !== undefined) Deno.env.set("ALIGNSAM_MODELS", resolve(a.values.models as string));
  // scancel sends SIGTERM: stop the stage, discard its temp output, exit 130
  const ac = new AbortController();
  const stop = () => ac.abort();
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, stop);
  const opts = {
    ...base,
    profile,
    overrides,
    cacheDir: resolve(cache),
    force: a.values.force === true,
    verify: a.values.verify === true,
  };
  const said = (res: BuiltItem) =>
    console.error(
      `${res.meta.itemId}: ${
        res.built ? "built" : "already in the cache"
      } (key ${res.meta.key}) on ${Deno.hostname()}`,
    );
  try {
    if (item !== undefined) {
      return said(await buildItem(opts, stage, item, a.values.key as string, ac.signal));
    }
    // outside SLURM (by hand), the pid stands in for the job id
    const job = Deno.env.get("SLURM_JOB_ID") ?? String(Deno.pid);
    const res = await buildFromQueue(opts, stage, resolve(queue!), job, budget, ac.signal, (id, r) => {
      if ("error" in r) console.error(`${id}: failed: ${r.error.message}`);
      else said(r);
    });
    console.error(`build-item: worker job ${job} built ${res.built} ${stage} item(s)`);
    if (res.failed.length) {
      throw new Error(`build-item: ${res.failed.length} ${stage} item(s) failed: ${res.failed.join(", ")}`);
    }
  } finally {
    for (const s of signals) Deno.removeSignalListener(s, stop);
  }
}
