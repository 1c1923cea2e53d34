/**
 * `deno task bench --only plan` (issue 13): how well `plan` predicts, and its calibration.
 * - smoke: `reproduce --profile smoke --jobs 2` into a fresh cache (holding a copy of this
 *   checkout's calibration file, so the plan it prints is the one `deno task plan` would show);
 *   value = measured wall time / the plan's estimate (from the run record it wrote).
 * - calibration: each stage's start-up and per-unit cost fitted on that run's entries and a
 *   smaller smoke's (SMALL: two sizes per stage tell start-up from per unit), written to
 *   this checkout's cache (`<cache>/calibration.json`, under the segmenter's cost class) with the
 *   machine and date, where `plan` reads it. One row per stage.
 * - quick: too long to run here (an hour or more), so the newest full `reproduce --profile quick`
 *   run recorded in the cache (`<cache>/runs/`) gives measured / estimate.
 * - the plan for `--profile paper --all-tasks` on 1, 8 and 64 workers (printed to stderr).
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchRow } from "./row.ts";
import {
  calibrate,
  CALIBRATION_FILE,
  entryWalls,
  machineFacts,
  writeCalibration,
} from "../pipeline/calibration.ts";
import { costPlan, formatCostPlan, formatDuration } from "../pipeline/cost.ts";
import { newestRun, readRunRecords, type RunRecord } from "../pipeline/runs.ts";
import { CONFIG, STAGES } from "../stages/mod.ts";
import { COST_MODEL } from "../stages/cost.ts";
import { resolveParams } from "../pipeline/config.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const MAIN = fileURLToPath(new URL("../cli/main.ts", import.meta.url));
const JOBS = 2;
/** measured / estimate within ±25% */
const OK = (r: number) => r >= 0.75 && r <= 1.25;

/** This checkout's cache, as the CLI finds it (ALIGNSAM_CACHE, else `.alignsam/cache`). */
export function appCacheDir(): string {
  return Deno.env.get("ALIGNSAM_CACHE") ?? join(ROOT, ".alignsam", "cache");
}

/** The plan-vs-measured row of one run record (or of none). */
/** Overrides every run sets itself (the profile's name, tasks left out for lack of data, the device). */
const SET_BY_THE_RUN = new Set(["runProfile", "skippedTasks", "device"]);

export function runRow(rec: RunRecord | undefined, profile: string, what: string, none: string): BenchRow {
  const target = "0.75–1.25 (±25%)";
  if (!rec) return { area: "plan", what: `${what}: ${none}`, value: NaN, unit: "×", target, ok: false };
  const r = rec.measuredSeconds / rec.estimateSeconds;
  const set = Object.entries(rec.overrides ?? {})
    .filter(([k]) => !SET_BY_THE_RUN.has(k))
    .map(([k, v]) => ` ${k}=${Array.isArray(v) ? v.join(",") : v}`);
  return {
    area: "plan",
    what: `${what} (${profile}${set.join("")}, ${rec.executor} --jobs ${rec.workers}: took ${
      formatDuration(rec.measuredSeconds)
    }, plan said ${formatDuration(rec.estimateSeconds)}; load ${rec.machine.load1?.toFixed(1) ?? "?"})`,
    value: r,
    unit: "×",
    target,
    ok: OK(r),
  };
}

/**
 * A second, smaller smoke (4 training and 4 test images per task) after the first: every
 * image-counting stage then has items at two sizes, so the fit tells start-up from per-unit cost.
 */
const SMALL = ["--set", "trainCount=4", "--set", "testCount=4"];

/** reproduce --profile smoke --jobs 2 into `cache`; its wall time from outside, and its run record. */
async function smokeRun(cache: string, extra: string[] = []): Promise<{ wall: number; rec: RunRecord }> {
  const t0 = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--unstable-webgpu",
      "--v8-flags=--max-old-space-size=8192,--single-threaded",
      MAIN,
      "reproduce",
      "--profile",
      "smoke",
      "--jobs",
      String(JOBS),
      ...extra,
    ],
    env: { ALIGNSAM_CACHE: cache, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const wall = (performance.now() - t0) / 1000;
  const err = new TextDecoder().decode(out.stderr);
  if (out.code !== 0) throw new Error(`smoke run failed: ${err.trim().split("\n").at(-1)}`);
  const rec = (await readRunRecords(cache)).at(-1);
  if (!rec) throw new Error(`smoke run wrote no run record in ${cache}/runs`);
  return { wall, rec };
}

/** Fit each stage on `fresh`'s entries and write them as `target`'s calibration; one row per stage. */
async function writeCalibrationRows(fresh: string, target: string, how: string): Promise<BenchRow[]> {
  const params = resolveParams(CONFIG.schema, CONFIG.profiles, "smoke", {});
  const cls = (await COST_MODEL.costClass?.(params)) ?? "";
  const entries = await entryWalls(fresh);
  // units as plan counts them: at most the images each task has (stages/cost.ts survey)
  const survey = await COST_MODEL.survey?.(entries.map((e) => ({ stage: e.stage, item: e.item })));
  const units = { units: survey?.units ?? COST_MODEL.units, costClass: COST_MODEL.costClass };
  const fit = await calibrate(entries, units, cls, (s) => COST_MODEL.defaultCost(s));
  const stages = Object.fromEntries(fit);
  const path = await writeCalibration(target, cls, {
    measured: new Date().toISOString(),
    machine: machineFacts(),
    how,
    stages,
  });
  return [...fit].map(([stage, c]) => ({
    area: "plan",
    what: `calibration ${cls} ${stage}: start-up (+ ${
      (c.perUnit * 1000).toPrecision(3)
    } ms/unit, ${c.n} items) → ${path}`,
    value: c.fixed,
    unit: "s",
  }));
}

/** `plan --profile paper --all-tasks` on 1, 8 and 64 workers, printed; their wall times as rows. */
async function paperRows(cacheDir: string): Promise<BenchRow[]> {
  const opts = { stages: STAGES, ...CONFIG, profile: "paper", root: ROOT, cacheDir, log: () => {} };
  const rows: BenchRow[] = [];
  for (const w of [1, 8, 64]) {
    const p = await costPlan(opts, COST_MODEL, w, 0);
    console.error(`plan --profile paper --all-tasks --workers ${w}:\n${formatCostPlan(p)}\n`);
    rows.push({
      area: "plan",
      what: `plan --profile paper --all-tasks: wall on ${w} worker(s) (${p.items.length} items, ${
        p.cpuHours.toFixed(1)
      } CPU h)`,
      value: p.wall / 3600,
      unit: "h",
    });
  }
  return rows;
}

export async function bench(): Promise<BenchRow[]> {
  const cache = appCacheDir();
  const fresh = await Deno.makeTempDir({ prefix: "alignsam-bench-plan-" });
  try {
    // the plan a user would see: this checkout's calibration, if any, in an otherwise empty cache
    await Deno.copyFile(join(cache, CALIBRATION_FILE), join(fresh, CALIBRATION_FILE)).catch(() => {});
    const load = Deno.loadavg()[0];
    const { wall, rec } = await smokeRun(fresh);
    const from = [...new Set(Object.values(rec.estimateFrom))].join("+");
    const smoke = runRow(
      { ...rec, measuredSeconds: wall },
      "smoke",
      `plan estimate vs measured wall time, fresh cache, estimate from ${from}, load before ${
        load.toFixed(1)
      }`,
      "",
    );
    await smokeRun(fresh, SMALL);
    const how = `deno task bench --only plan: reproduce --profile smoke --jobs ${JOBS}, fresh cache, ` +
      `then again with ${SMALL.filter((a) => a !== "--set").join(" ")}`;
    const calRows = await writeCalibrationRows(fresh, cache, how);
    const quickRec = await newestRun(cache, "quick");
    const quick = runRow(
      quickRec,
      "quick",
      quickRec
        ? `plan vs measured, from the run of ${quickRec.finished.slice(0, 16)} UTC`
        : "plan vs measured",
      `no full quick run recorded in ${cache}/runs (deno task reproduce --profile quick --jobs ${JOBS} makes one)`,
    );
    return [smoke, quick, ...calRows, ...(await paperRows(cache))];
  } finally {
    await Deno.remove(fresh, { recursive: true });
  }
}
