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
 *   run recorded in the cache (`<cache>/runs/`) gives measured / estimate, the estimate it printed
 *   then and this checkout's model's now (repriceRows: out of sample, per stage, and the list
 *   schedule alone).
 * - the plan for `--profile paper --all-tasks` on 1, 8 and 64 workers (printed to stderr).
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchRow } from "./row.ts";
import { reproduceSmoke } from "./_smoke.ts";
import {
  calibrate,
  CALIBRATION_FILE,
  entryWalls,
  machineFacts,
  writeCalibration,
} from "../pipeline/calibration.ts";
import { costPlan, formatCostPlan, formatDuration, schedule } from "../pipeline/cost.ts";
import { newestRun, readRunRecords, type RunRecord } from "../pipeline/runs.ts";
import { CONFIG, STAGES } from "../stages/mod.ts";
import { openStore } from "../pipeline/store.ts";
import { COST_MODEL } from "../stages/cost.ts";
import { resolveParams } from "../pipeline/config.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
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
 * The run `rec` (of `cache`) priced again by this checkout's model, out of sample: in an empty
 * cache holding only `cache`'s calibration file, so no entry of the run prices it. Rows:
 * measured / re-priced wall time; per stage, the run's measured item seconds (its entries' wall
 * times) / re-priced; and the wall-time model alone: measured / the list schedule of the items'
 * measured seconds (how much of the gap is the schedule rather than the items).
 */
export async function repriceRows(cache: string, rec: RunRecord | undefined): Promise<BenchRow[]> {
  if (!rec) return [];
  const empty = await Deno.makeTempDir({ prefix: "alignsam-bench-reprice-" });
  try {
    await Deno.copyFile(join(cache, CALIBRATION_FILE), join(empty, CALIBRATION_FILE)).catch(() => {});
    const overrides = Object.fromEntries(
      Object.entries(rec.overrides ?? {}).filter(([k]) => !SET_BY_THE_RUN.has(k)),
    );
    const opts = {
      stages: STAGES,
      ...CONFIG,
      profile: rec.profile,
      overrides,
      root: ROOT,
      cacheDir: empty,
      log: () => {},
    };
    const p = await costPlan(opts, COST_MODEL, rec.workers, 0);
    const walls = new Map<string, { created: string; wall: number }>();
    for (const e of await entryWalls(cache)) {
      const had = walls.get(e.itemId);
      if (!had || e.created > had.created) walls.set(e.itemId, { created: e.created, wall: e.wallSeconds });
    }
    const what = `${rec.profile} run of ${rec.finished.slice(0, 16)} UTC`;
    const rows: BenchRow[] = [{
      area: "plan",
      what:
        `${what} re-priced by this checkout's model (out of sample: took ${
          formatDuration(rec.measuredSeconds)
        }, ` +
        `plan now says ${formatDuration(p.wall)})`,
      value: rec.measuredSeconds / p.wall,
      unit: "×",
      target: "0.75–1.25 (±25%)",
      ok: OK(rec.measuredSeconds / p.wall),
    }];
    if (!p.items.every((i) => walls.has(i.id))) return rows; // the run's entries are not all here
    for (const st of p.stages.filter((x) => x.perItem * x.build >= 1)) {
      const mine = p.items.filter((i) => i.stage === st.stage);
      const measured = mine.reduce((a, i) => a + walls.get(i.id)!.wall, 0);
      rows.push({
        area: "plan",
        what: `${what}, ${st.stage}: Σ measured item seconds / re-priced (${mine.length} items, ${
          measured.toFixed(0)
        } s)`,
        value: measured / (st.perItem * st.build),
        unit: "×",
      });
    }
    const timed = p.items.map((i) => ({ ...i, seconds: walls.get(i.id)!.wall, build: true }));
    rows.push({
      area: "plan",
      what:
        `${what}: measured wall / the list schedule of its items' measured seconds on ${rec.workers} workers`,
      value: rec.measuredSeconds / schedule(timed, rec.workers, 0),
      unit: "×",
    });
    return rows;
  } finally {
    await Deno.remove(empty, { recursive: true });
  }
}

/**
 * A second, smaller smoke (4 training and 12 test images per task) after the first: every
 * image-counting stage then has items at two sizes, so the fit tells start-up from per-unit
 * cost; and test images in another ratio to training images than the first run's (20 + 20), so
 * an evaluation's per-step work (test images × T) is told apart from reading its whole
 * preprocess entry (train + test images), which the two runs would otherwise scale alike.
 */
const SMALL = ["--set", "trainCount=4", "--set", "testCount=12"];

/** reproduce --profile smoke --jobs 2 into `cache`; its wall time from outside, and its run record. */
async function smokeRun(cache: string, extra: string[] = []): Promise<{ wall: number; rec: RunRecord }> {
  const { seconds: wall, code, stderr: err } = await reproduceSmoke(cache, [
    "--jobs",
    String(JOBS),
    ...extra,
  ]);
  if (code !== 0) throw new Error(`smoke run failed: ${err.trim().split("\n").at(-1)}`);
  const rec = (await readRunRecords(cache)).at(-1);
  if (!rec) throw new Error(`smoke run wrote no run record in ${cache}/runs`);
  return { wall, rec };
}

/** Fit each stage on `fresh`'s entries and write them as `target`'s calibration; one row per stage. */
export async function writeCalibrationRows(fresh: string, target: string, how: string): Promise<BenchRow[]> {
  const params = resolveParams(CONFIG.schema, CONFIG.profiles, "smoke", {});
  const cls = (await COST_MODEL.costClass?.(params)) ?? "";
  const entries = await entryWalls(fresh);
  // units and terms as plan counts them: at most the images each task has, and their sizes
  // (stages/cost.ts survey), from the runs' own preprocess manifests (the demo tasks' data is
  // generated inside the fresh cache, where this process's data listing does not look)
  const store = openStore(fresh);
  const survey = await COST_MODEL.survey?.(entries.map((e) => ({
    stage: e.stage,
    item: e.item,
    ...(e.stage === "preprocess" ? { entry: store.entryDir(e.key) } : {}),
  })));
  const units = survey
    ? { units: survey.units, terms: survey.terms, costClass: COST_MODEL.costClass }
    : COST_MODEL;
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
    what: `calibration ${cls} ${stage}: start-up (+ ${(c.perUnit * 1000).toPrecision(3)} ms/unit${
      (c.perTerm ?? []).map((r, k) => `, ${(r * 1000).toPrecision(3)} ms/term ${k + 1}`).join("")
    }, ${c.n} items) → ${path}`,
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
    return [smoke, quick, ...(await repriceRows(cache, quickRec)), ...calRows, ...(await paperRows(cache))];
  } finally {
    await Deno.remove(fresh, { recursive: true });
  }
}
