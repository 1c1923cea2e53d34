/**
 * One record per `reproduce` run, written at its end into `<cache>/runs/<time>.json`: the plan's
 * estimate it printed (or computed) beside the wall time it took, so the plan's accuracy on
 * long runs (the offline quick profile takes an hour or more) is known without a bench rerunning
 * them (bench/plan.ts reads the newest record of a profile). Never hashed, never an input.
 */
import { join } from "node:path";
import { replaceAtomic } from "./durable.ts";
import type { MachineFacts } from "./calibration.ts";

export interface RunRecord {
  profile: string;
  /** the params set over the profile's (`--set`, `--segmenter`, …): a cut-down run says so */
  overrides?: Record<string, unknown>;
  /** sha256 of the run's effective params (canonical JSON): equal params, equal digest */
  paramsDigest: string;
  /** "local" or "slurm" */
  executor: string;
  /** job slots the plan assumed (--jobs) */
  workers: number;
  /** the plan's wall-time estimate on `workers`, seconds, and where its stages' costs came from */
  estimateSeconds: number;
  estimateFrom: Record<string, string>;
  /** seconds from the start of the command to the end of the run (report published) */
  measuredSeconds: number;
  built: number;
  cached: number;
  /** false when the run failed or was interrupted (its time is then not a full run's) */
  ok: boolean;
  started: string;
  finished: string;
  machine: MachineFacts;
}

export const RUNS_DIR = "runs";

/** A record as read back, with the file it came from. */
export type StoredRun = RunRecord & { path: string };

/** Write `rec` as `<cache>/runs/<finished time>.json`; returns its path. */
export async function writeRunRecord(cacheDir: string, rec: RunRecord): Promise<string> {
  const dir = join(cacheDir, RUNS_DIR);
  await Deno.mkdir(dir, { recursive: true });
  const name = `${rec.finished.replace(/[:.]/g, "-")}-${Deno.pid}.json`;
  const path = join(dir, name);
  const data = new TextEncoder().encode(JSON.stringify(rec, null, 2) + "\n");
  await replaceAtomic(path, `${path}.tmp`, data, false);
  return path;
}

/** Every run record of the cache, oldest first (unreadable files are skipped). */
export async function readRunRecords(cacheDir: string): Promise<StoredRun[]> {
  const dir = join(cacheDir, RUNS_DIR);
  const out: StoredRun[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      if (!e.isFile || !e.name.endsWith(".json")) continue;
      try {
        out.push({ ...JSON.parse(await Deno.readTextFile(join(dir, e.name))), path: join(dir, e.name) });
      } catch {
        // a record being written by another process
      }
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return out.sort((a, b) => a.finished.localeCompare(b.finished));
}

/** The newest full run (ok, something built) of `profile` recorded in the cache: a no-op rerun is not one. */
export async function newestRun(cacheDir: string, profile: string): Promise<StoredRun | undefined> {
  return (await readRunRecords(cacheDir)).filter((r) => r.profile === profile && r.ok && r.built > 0).at(-1);
}

/** "took 41.2 min; plan said 38.0 min (−8%)": the end-of-run line. */
export function runLine(rec: RunRecord, format: (s: number) => string): string {
  const off = (rec.estimateSeconds - rec.measuredSeconds) / rec.measuredSeconds * 100;
  const pct = Number.isFinite(off) ? ` (${off < 0 ? "−" : "+"}${Math.abs(off).toFixed(0)}%)` : "";
  // --executor slurm without --jobs: the plan had a slot per item, which a cluster rarely gives
  const slots = rec.workers > rec.built + rec.cached
    ? " on a job slot per item (no --jobs cap; `deno task plan --workers N` prices N slots)"
    : "";
  return `took ${format(rec.measuredSeconds)}; plan said ${format(rec.estimateSeconds)}${slots}${pct}`;
}
