/**
 * `deno task <command>`: reproduce, run, status, dag, report (DESIGN.md §1). Turns flags into
 * runner options; the runner (pipeline/runner.ts) decides what runs.
 */
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type FlagSpec, helpText, intFlag, type ParsedArgs, parseFlags, runMain } from "./args.ts";
import { checkValue, parseSet, resolveParams } from "../pipeline/config.ts";
import { UsageError } from "../core/errors.ts";
import { dag, reproduce, type ReproduceResult, type RunnerOptions, status } from "../pipeline/runner.ts";
import type { PlanItem } from "../pipeline/plan.ts";
import type { Params, ParamSchema, Profiles, Stage } from "../pipeline/stage.ts";
import { CONFIG, PREPARE, STAGES } from "../stages/mod.ts";
import { publishEntry } from "./publish.ts";
import { stageResources } from "../stages/config.ts";
import { COST_MODEL } from "../stages/cost.ts";
import type { CostModel } from "../pipeline/cost.ts";
import { PLAN_FLAGS, planMain, runPlanner } from "./plan.ts";
import {
  BUILD_ITEM_FLAGS,
  buildItemMain,
  EXECUTOR_FLAGS,
  executorOf,
  type JobApp,
  remoteOf,
  SLURM_JOBS_DEFAULT,
} from "./executor.ts";

const REPORT_STAGE = "report";

/** What the commands run: alignsam's stages and config (tests pass toy ones). */
export interface App extends JobApp {
  stages: readonly Stage[];
  schema: ParamSchema;
  profiles: Profiles;
  defaultProfile: string;
  /** project root: code paths, `.alignsam/cache` and `out/` are under it */
  root: string;
  /**
   * Extra overrides computed from the resolved params before anything runs (alignsam: drop the
   * tasks that have no data here and tell the report why). `fetch` (the --fetch flag; never for
   * status and dry runs) allows downloads; `strict` (reproduce, run, report) makes a run that
   * could build nothing stop with a UsageError.
   */
  prepare?: (params: Params, opts: { fetch: boolean; strict: boolean; profile: string }) => Promise<Params>;
  /** module URL exporting the same `STAGES`, for --jobs > 1 (each job's worker imports it) */
  stagesModule?: string;
  /** `plan`'s cost model (stages/config.ts); without it `plan` has no estimates */
  cost?: CostModel;
}

/** deno.json's tasks' V8 flags, which every SLURM job runs with (tests/train_reproducible_test.ts checks they agree). */
export const JOB_V8_FLAGS =
  "--v8-flags=--max-old-space-size=8192,--no-concurrent-recompilation,--no-concurrent-sparkplug,--no-concurrent-osr";

const APP: App = {
  stages: STAGES,
  ...CONFIG,
  prepare: PREPARE,
  stagesModule: new URL("../stages/mod.ts", import.meta.url).href,
  root: fileURLToPath(new URL("..", import.meta.url)),
  // what each SLURM job runs: this file, as `deno task reproduce` runs it. --no-concurrent-*: with
  // V8's background compilation a training's weights varied from run to run (issue 13; see
  // tests/train_reproducible_test.ts), so deno.json's tasks and the jobs compile JS on the main
  // thread; the GC stays concurrent (--single-threaded, which also stops it, halved embed speed)
  jobCommand: [
    Deno.execPath(),
    "run",
    "-A",
    "--unstable-webgpu",
    JOB_V8_FLAGS,
    fileURLToPath(import.meta.url),
  ],
  resources: stageResources,
  cost: COST_MODEL,
};

interface Command {
  summary: string;
  flags: Record<string, FlagSpec>;
  positionals?: string;
  main(a: ParsedArgs): Promise<number | void>;
}

/** `argv`: the command line being run, which the published report names. */
function commands(app: App, argv: readonly string[]): Record<string, Command> {
  const { stages, schema, profiles, defaultProfile, root } = app;
  const commandLine = `deno task ${argv.join(" ")}`;
  const stageNames = () => stages.map((s) => s.name).join(", ") || "none registered";
  const profileOf = (a: ParsedArgs) => (a.values.profile as string | undefined) ?? defaultProfile;
  const overridesOf = (a: ParsedArgs): Params => {
    const out: Params = {};
    for (const s of (a.values.set as string[] | undefined) ?? []) {
      const [name, value] = parseSet(schema, s);
      out[name] = value;
    }
    for (const name of ["segmenter", "device"]) {
      const v = a.values[name] as string | undefined;
      if (v === undefined || !(name in schema)) continue;
      checkValue(schema, name, v, `--${name}`);
      out[name] = v;
    }
    return out;
  };
  // the plan's estimated seconds per item to build (runPlanner fills it): --executor slurm's worker jobs
  const priced = new Map<string, number>();
  const runnerOptions = async (
    a: ParsedArgs,
    { strict = true, prepare = true, ...extra }: Partial<RunnerOptions> & {
      strict?: boolean;
      /** false: no prepare hook (plan --all-tasks: every task of the profile, data here or not) */
      prepare?: boolean;
    },
  ): Promise<RunnerOptions> => {
    // a bad --jobs or --executor fails before any data is looked for
    const slurm = executorOf(a) === "slurm";
    const jobs = slurm && a.values.jobs === undefined ? SLURM_JOBS_DEFAULT : intFlag(a, "jobs", 1, 256, 1);
    // other code (data adapters, model registry) reads these
    if (a.values.data !== undefined) Deno.env.set("ALIGNSAM_DATA", resolve(a.values.data as string));
    if (a.values.models !== undefined) Deno.env.set("ALIGNSAM_MODELS", resolve(a.values.models as string));
    await checkFolder(
      a.values.data !== undefined ? "--data" : "ALIGNSAM_DATA",
      Deno.env.get("ALIGNSAM_DATA"),
    );
    const fetch = a.values.fetch === true && a.values["dry-run"] !== true;
    // Downloads only when asked: without --fetch no stage downloads a dataset or a model.
    if (!fetch) Deno.env.set("ALIGNSAM_OFFLINE", "1");
    const cache = Deno.env.get("ALIGNSAM_CACHE");
    let overrides = overridesOf(a);
    if (app.prepare && prepare) {
      const params = resolveParams(schema, profiles, profileOf(a), overrides);
      overrides = { ...overrides, ...(await app.prepare(params, { fetch, strict, profile: profileOf(a) })) };
    }
    const opts: RunnerOptions = {
      stages,
      schema,
      profiles,
      profile: profileOf(a),
      overrides,
      root,
      cacheDir: cache ? resolve(cache) : join(root, ".alignsam", "cache"),
      force: a.values.force === true,
      dryRun: a.values["dry-run"] === true,
      verify: a.values.verify === true,
      jobs,
      stagesModule: app.stagesModule,
      ...extra,
    };
    return slurm ? { ...opts, remote: remoteOf(a, app, opts, priced) } : opts;
  };
  const hasReport = () => stages.some((s) => s.name === REPORT_STAGE);

  const configFlags: Record<string, FlagSpec> = {
    profile: {
      type: "string",
      doc: `profile: ${Object.keys(profiles).join("|")}`,
      default: defaultProfile,
    },
    set: { type: "string", multiple: true, doc: "override one param, NAME=VALUE (lists: a,b,c); repeatable" },
    segmenter: { type: "string", doc: "shorthand for --set segmenter=S" },
    device: { type: "string", doc: 'shorthand for --set device=D: auto|cpu|cuda|webgpu (README "GPU")' },
    data: { type: "string", doc: "data root (sets ALIGNSAM_DATA)" },
    models: { type: "string", doc: "model weights folder (sets ALIGNSAM_MODELS)" },
    verify: {
      type: "boolean",
      doc: "re-hash every cached file used, not only those whose size/mtime changed",
    },
  };
  const fetchFlag: Record<string, FlagSpec> = {
    fetch: {
      type: "boolean",
      doc: "download the missing datasets and model files (without it nothing is downloaded)",
    },
  };
  const runFlags: Record<string, FlagSpec> = {
    "dry-run": { type: "boolean", doc: "print what would run and why; run nothing" },
    force: { type: "boolean", doc: "rebuild the target stages' items even when cached" },
    jobs: {
      type: "string",
      doc:
        `items built side by side, each in its own worker thread (default 1; this machine has ${navigator.hardwareConcurrency} cores; a stand-in training of 50 images takes ~1.6–2.6 GB); with --executor slurm: jobs queued or running at once (default: no limit)`,
    },
  };

  return {
    reproduce: {
      summary:
        "Build every stage's items for the profile (only what is not cached), then publish the report.",
      flags: {
        ...configFlags,
        ...runFlags,
        ...fetchFlag,
        ...EXECUTOR_FLAGS,
        until: { type: "string", doc: "stop after this stage" },
      },
      async main(a) {
        const t0 = performance.now();
        const opts = await runnerOptions(a, { until: a.values.until as string | undefined });
        const planner = app.cost && !opts.dryRun ? runPlanner(opts, app.cost, t0, priced) : undefined;
        let res: ReproduceResult | undefined;
        try {
          res = await reproduce({ ...opts, onPlan: planner?.onPlan });
          if (!opts.dryRun && res.entries && hasReport()) {
            const dir = Object.entries(res.entries).find(([id]) => id.startsWith(REPORT_STAGE))?.[1];
            if (dir) {
              console.log(
                `report: ${await publishEntry(dir, join(root, "out", "report.html"), commandLine)}`,
              );
            }
          }
          summarise(res);
        } finally {
          await planner?.finish(res);
        }
      },
    },
    run: {
      summary: "Run one stage's items (and only the missing inputs they need): run STAGE [--task T].",
      flags: {
        ...configFlags,
        ...runFlags,
        ...fetchFlag,
        ...EXECUTOR_FLAGS,
        task: { type: "string", doc: "only the items of this task" },
      },
      positionals: "STAGE",
      async main(a) {
        if (a.positionals.length !== 1) {
          throw new UsageError(`run: expected one STAGE (stages: ${stageNames()})`);
        }
        // Name a bad stage before the prepare hook looks for (or downloads) any data.
        if (!stages.some((s) => s.name === a.positionals[0])) {
          throw new UsageError(`run: unknown stage ${a.positionals[0]} (stages: ${stageNames()})`);
        }
        const res = await reproduce(
          await runnerOptions(a, { targets: [a.positionals[0]], task: a.values.task as string | undefined }),
        );
        summarise(res);
      },
    },
    status: {
      summary:
        "Every stage's items: fresh, stale (and why), missing, corrupt or building (where). Claims nothing.",
      flags: {
        ...configFlags,
        why: { type: "string", doc: "every reason one item is not fresh (its id, or a unique part of it)" },
      },
      async main(a) {
        const res = await status(await runnerOptions(a, { strict: false }));
        const why = a.values.why as string | undefined;
        console.log(why === undefined ? res.text : whyAll(res.items, why));
      },
    },
    dag: {
      summary: "The stage DAG as text (with item counts for the profile), or as mermaid.",
      flags: { ...configFlags, mermaid: { type: "boolean", doc: "print a mermaid flowchart" } },
      // deno-lint-ignore require-await
      async main(a) {
        const params = resolveParams(schema, profiles, profileOf(a), overridesOf(a));
        const d = dag(stages, { schema: schema, params });
        console.log(a.values.mermaid ? d.mermaid : d.text);
      },
    },
    report: {
      summary: `Run the "${REPORT_STAGE}" stage through the runner and publish its report.html.`,
      flags: {
        ...configFlags,
        ...runFlags,
        ...fetchFlag,
        out: { type: "string", doc: "where to write the HTML" },
      },
      async main(a) {
        if (!hasReport()) {
          throw new UsageError(
            `report: no stage named ${REPORT_STAGE} is registered (stages: ${stageNames()})`,
          );
        }
        const res = await reproduce(await runnerOptions(a, { targets: [REPORT_STAGE] }));
        summarise(res);
        if (a.values["dry-run"]) return;
        const dir = Object.values(res.entries)[0];
        const out = resolve((a.values.out as string | undefined) ?? join(root, "out", "report.html"));
        console.log(`report: ${await publishEntry(dir, out, commandLine)}`);
      },
    },
    plan: {
      summary: "Items per stage, estimated CPU/GPU hours and the wall time on N workers; runs nothing.",
      flags: { ...configFlags, ...PLAN_FLAGS },
      async main(a) {
        if (!app.cost) throw new UsageError("plan: this app has no cost model");
        const all = a.values["all-tasks"] === true;
        await planMain(a, await runnerOptions(a, { strict: false, prepare: !all }), app.cost);
      },
    },
    "build-item": {
      summary: "Build exactly one item into the cache (what each --executor slurm job runs).",
      flags: BUILD_ITEM_FLAGS,
      async main(a) {
        await buildItemMain(a, { stages, schema, profiles, root, stagesModule: app.stagesModule });
      },
    },
  };
}

/** A `--data` / ALIGNSAM_DATA that is not a folder is a usage error naming it. */
async function checkFolder(what: string, path: string | undefined): Promise<void> {
  if (!path) return; // unset, or set empty
  let st: Deno.FileInfo;
  try {
    st = await Deno.stat(path);
  } catch {
    throw new UsageError(`${what} ${path}: no such folder`);
  }
  if (!st.isDirectory) throw new UsageError(`${what} ${path}: is a file, not a folder`);
}

/** `status --why ITEM`: the item's state and every reason, one per line. */
function whyAll(items: PlanItem[], query: string): string {
  const hits = items.find((i) => i.id === query)
    ? items.filter((i) => i.id === query)
    : items.filter((i) => i.id.includes(query));
  if (hits.length === 0) {
    throw new UsageError(`status --why: no item matches '${query}' (\`status\` lists them)`);
  }
  if (hits.length > 1) {
    const some = hits.slice(0, 10).map((i) => `  ${i.id}`).join("\n");
    throw new UsageError(
      `status --why: ${hits.length} items match '${query}'; name one:\n${some}${
        hits.length > 10 ? "\n  …" : ""
      }`,
    );
  }
  const [i] = hits;
  return [`${i.state} ${i.id}`, ...i.reasons.map((r) => `  ${r}`)].join("\n");
}

function summarise(res: { ran: string[]; fresh: string[]; rebuilt: string[]; plan?: unknown }): void {
  if (res.plan) return;
  const rebuilt = res.rebuilt.length ? `, ${res.rebuilt.length} corrupt entries rebuilt` : "";
  console.error(`${res.ran.length} item(s) built, ${res.fresh.length} cached${rebuilt}`);
}

function usage(cmds: Record<string, Command>): string {
  const rows = Object.entries(cmds).map(([n, c]) => `  ${n.padEnd(10)} ${c.summary}`);
  return `usage: deno task <command> [flags]   (or: deno run -A cli/main.ts <command>)\n\n${
    rows.join("\n")
  }\n\n` +
    `--help after a command lists its flags.`;
}

/** Run one command line against `app`; returns the exit code (errors are thrown, see runMain). */
export async function cli(args: string[], app: App = APP): Promise<number | void> {
  const cmds = commands(app, args);
  const [name, ...rest] = args;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(usage(cmds));
    return name === undefined ? 2 : 0;
  }
  const cmd = cmds[name];
  if (!cmd) throw new UsageError(`unknown command ${name} (commands: ${Object.keys(cmds).join(", ")})`);
  // cli/args.ts passes `multiple: undefined` through, which node:util rejects: make it explicit
  const flags = Object.fromEntries(Object.entries(cmd.flags).map(([k, f]) => [k, { multiple: false, ...f }]));
  const a = parseFlags(name, rest, flags, cmd.positionals !== undefined);
  if (a.values.help) {
    const text = helpText(name, cmd.summary, cmd.flags);
    console.log(cmd.positionals ? text.replace("[flags]", `${cmd.positionals} [flags]`) : text);
    return 0;
  }
  if (!cmd.positionals && a.positionals.length) {
    throw new UsageError(`${name}: unexpected argument ${a.positionals[0]}`);
  }
  return await cmd.main(a);
}

if (import.meta.main) runMain(() => cli(Deno.args));
