/**
 * What `plan` (pipeline/cost.ts) knows of a stage's cost besides an item's own entry: a fit on
 * this cache's entries of the stage, and the calibration file `deno task bench --only plan`
 * writes (`<cache>/calibration.json`: per cost class, e.g. per segmenter, each stage's start-up
 * and per-unit seconds, with the machine and date they were measured on).
 */
import { join } from "node:path";
import { replaceAtomic } from "./durable.ts";
import type { Item, Params } from "./stage.ts";
import { ENTRY_META, type EntryMeta } from "./store.ts";

/**
 * A stage's cost: `fixed + perUnit × units + Σ perTerm[k] × terms[k]` seconds per item, fitted
 * on `n` items (0: typed by hand). `perTerm` prices the app's further work measures (CostUnits.terms,
 * e.g. megapixels decoded), one rate per term; absent where the app counts units only.
 */
export interface Calibration {
  fixed: number;
  perUnit: number;
  perTerm?: number[];
  n: number;
}

/** An item's seconds under `c` (terms beyond c.perTerm's length cost nothing). */
export function priceOf(
  c: { fixed: number; perUnit: number; perTerm?: number[] },
  units: number,
  terms: number[] = [],
): number {
  return c.fixed + c.perUnit * units + terms.reduce((a, t, k) => a + (c.perTerm?.[k] ?? 0) * t, 0);
}

/**
 * Whether `c` prices the terms the app counts for a stage: a calibration made before the app
 * counted a term (an older bench file) would price it at 0, so it must not be used.
 */
export function pricesTerms(c: { perTerm?: number[] }, terms: number[] | undefined): boolean {
  return (c.perTerm?.length ?? 0) === (terms?.length ?? 0);
}

/** Where calibration numbers were measured. */
export interface MachineFacts {
  host: string;
  os: string;
  cpus: number;
  memGiB: number;
  deno: string;
  /** 1-minute load average when measured (other work slows every item) */
  load1?: number;
}

export interface CalibrationRecord {
  /** ISO time of the measurement */
  measured: string;
  machine: MachineFacts;
  /** how it was measured, e.g. "deno task bench --only plan: smoke, --jobs 2" */
  how: string;
  stages: Record<string, Calibration>;
}

/** The file: one record per cost class (the app's costClass, e.g. "segmenter=standin"). */
export interface CalibrationFile {
  version: 1;
  classes: Record<string, CalibrationRecord>;
}

export const CALIBRATION_FILE = "calibration.json";

export function machineFacts(): MachineFacts {
  const mem = Deno.systemMemoryInfo().total / 2 ** 30;
  return {
    host: Deno.hostname(),
    os: `${Deno.build.os}-${Deno.build.arch}`,
    cpus: navigator.hardwareConcurrency,
    memGiB: Math.round(mem * 10) / 10,
    deno: Deno.version.deno,
    load1: Deno.loadavg()[0],
  };
}

/** The calibration file of a cache, or undefined when there is none (a corrupt one is an error naming it). */
export async function readCalibrationFile(cacheDir: string): Promise<CalibrationFile | undefined> {
  const path = join(cacheDir, CALIBRATION_FILE);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
  try {
    const f = JSON.parse(text);
    if (f?.version !== 1 || typeof f.classes !== "object") throw new Error("not a version 1 calibration");
    return f as CalibrationFile;
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message} (delete it, or rerun deno task bench --only plan)`);
  }
}

/** Write (or replace) one cost class's record, keeping the others. */
export async function writeCalibration(
  cacheDir: string,
  cls: string,
  rec: CalibrationRecord,
): Promise<string> {
  await Deno.mkdir(cacheDir, { recursive: true });
  const old = await readCalibrationFile(cacheDir).catch(() => undefined);
  const file: CalibrationFile = { version: 1, classes: { ...old?.classes, [cls]: rec } };
  const path = join(cacheDir, CALIBRATION_FILE);
  const tmp = `${path}.${Deno.pid}.${crypto.randomUUID()}.tmp`;
  await replaceAtomic(path, tmp, new TextEncoder().encode(JSON.stringify(file, null, 2) + "\n"), false);
  return path;
}

/** Every entry's stage, item, config and wall seconds (the calibration data). */
export async function entryWalls(cacheDir: string): Promise<EntryMeta[]> {
  const out: EntryMeta[] = [];
  try {
    for await (const e of Deno.readDir(join(cacheDir, "entries"))) {
      try {
        const meta = JSON.parse(await Deno.readTextFile(join(cacheDir, "entries", e.name, ENTRY_META)));
        if (typeof meta.wallSeconds === "number" && meta.stage) out.push(meta);
      } catch {
        // an entry being committed or a corrupt one: not calibration data
      }
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * `wall = fixed + perUnit × units` through (units, wall) points: least squares when the points
 * have at least two unit counts (a per-item start-up cost then shows as `fixed`, so a smoke
 * run's small items do not inflate a paper run's big ones), both terms kept ≥ 0. With one unit
 * count the start-up cannot be told apart: `prior`'s start-up (the bench's or the default's,
 * at most the fastest item) is kept and the rest is the median per unit; without a prior, the
 * median of wall / units.
 */
export function fitCost(
  points: { units: number; wall: number; terms?: number[] }[],
  prior?: { fixed: number },
): Calibration {
  const k = points[0]?.terms?.length ?? 0;
  const first = points[0];
  const alike = points.every((p) =>
    p.units === first.units && p.terms?.every((t, j) => t === first.terms![j])
  );
  if (k > 0 && !alike) {
    return fitTerms(
      points.map((p) => [1, p.units, ...p.terms!]),
      points.map((p) => p.wall),
    );
  }
  const c = fitUnits(points, prior);
  // every item alike: its terms cannot be told from its units, which then carry the whole cost
  return k > 0 ? { ...c, perTerm: new Array(k).fill(0) } : c;
}

function fitUnits(points: { units: number; wall: number }[], prior?: { fixed: number }): Calibration {
  const n = points.length;
  const mu = points.reduce((a, p) => a + p.units, 0) / n;
  const mw = points.reduce((a, p) => a + p.wall, 0) / n;
  const varU = points.reduce((a, p) => a + (p.units - mu) ** 2, 0);
  if (varU > 0) {
    const perUnit = points.reduce((a, p) => a + (p.units - mu) * (p.wall - mw), 0) / varU;
    const fixed = mw - perUnit * mu;
    if (perUnit >= 0 && fixed >= 0) return { fixed, perUnit, n };
    if (perUnit < 0) return { fixed: mw, perUnit: 0, n }; // wall does not grow with units here
    // a negative start-up cost: the line through the origin instead
    const uw = points.reduce((a, p) => a + p.units * p.wall, 0);
    return { fixed: 0, perUnit: uw / points.reduce((a, p) => a + p.units ** 2, 0), n };
  }
  const fixed = Math.min(prior?.fixed ?? 0, ...points.map((p) => p.wall));
  return { fixed, perUnit: median(points.map((p) => (p.wall - fixed) / p.units)), n };
}

/**
 * Non-negative least squares of `wall ≈ x · rates` over the columns [start-up, units, ...terms]
 * (a handful: every subset of free columns is solved, the best feasible one kept). A column
 * that does not vary apart from the others cannot be told apart: a singular subset is skipped.
 */
function fitTerms(x: number[][], wall: number[]): Calibration {
  const cols = x[0].length;
  let best: { sse: number; rates: number[] } | undefined;
  for (let mask = 1; mask < 1 << cols; mask++) {
    const free = [...Array(cols).keys()].filter((c) => mask & (1 << c));
    const sol = leastSquares(x.map((r) => free.map((c) => r[c])), wall);
    if (!sol || sol.some((v) => v < 0)) continue;
    const rates = new Array(cols).fill(0);
    free.forEach((c, i) => (rates[c] = sol[i]));
    const sse = x.reduce((a, r, i) => a + (r.reduce((b, v, c) => b + v * rates[c], 0) - wall[i]) ** 2, 0);
    if (!best || sse < best.sse - 1e-12) best = { sse, rates };
  }
  const rates = best?.rates ?? new Array(cols).fill(0);
  return { fixed: rates[0], perUnit: rates[1], perTerm: rates.slice(2), n: x.length };
}

/** Least squares through the normal equations (Gaussian elimination); undefined when singular. */
function leastSquares(a: number[][], b: number[]): number[] | undefined {
  const m = a[0].length;
  if (a.length < m) return undefined;
  const scale = Array.from({ length: m }, (_, j) => Math.sqrt(a.reduce((s, r) => s + r[j] ** 2, 0)) || 1);
  const n = Array.from({ length: m }, (_, i) => [
    ...Array.from({ length: m }, (_, j) => a.reduce((s, r) => s + r[i] * r[j], 0) / (scale[i] * scale[j])),
    a.reduce((s, r, k) => s + r[i] * b[k], 0) / scale[i],
  ]);
  for (let c = 0; c < m; c++) {
    const p = n.slice(c).reduce((bi, r, i) => (Math.abs(r[c]) > Math.abs(n[bi][c]) ? c + i : bi), c);
    if (Math.abs(n[p][c]) < 1e-9) return undefined; // collinear columns (scaled: relative to 1)
    [n[c], n[p]] = [n[p], n[c]];
    for (let r = 0; r < m; r++) {
      if (r === c) continue;
      const f = n[r][c] / n[c][c];
      for (let j = c; j <= m; j++) n[r][j] -= f * n[c][j];
    }
  }
  return n.map((r, i) => r[m] / r[i] / scale[i]);
}

/** How the app counts an item's work and classes entries (pipeline/cost.ts's CostModel, in part). */
export interface CostUnits {
  units(stage: string, item: Item, params: Params): number;
  /**
   * Optional further work measures of an item, each priced at its own fitted rate (e.g. the
   * megapixels a stage decodes, when items of one unit count differ in image size); the same
   * number of terms for every item of a stage; undefined or [] where units say it all.
   */
  terms?(stage: string, item: Item, params: Params): number[] | undefined;
  /** entries made under another class (e.g. another segmenter) are not fitted together; default: one class */
  costClass?(params: Params): string | Promise<string>;
}

/**
 * Each stage's cost fitted on the entries of it made under cost class `cls` (whatever profile
 * made them); `prior(stage)` supplies the start-up where the entries cannot tell it (fitCost).
 */
export async function calibrate(
  entries: EntryMeta[],
  model: CostUnits,
  cls = "",
  prior: (stage: string) => { fixed: number } | undefined = () => undefined,
): Promise<Map<string, Calibration>> {
  const by = new Map<string, { units: number; wall: number; terms?: number[] }[]>();
  for (const e of entries) {
    if (((await model.costClass?.(e.config ?? {})) ?? "") !== cls) continue;
    const units = model.units(e.stage, e.item, e.config ?? {});
    if (!(units > 0)) continue;
    const terms = model.terms?.(e.stage, e.item, e.config ?? {});
    by.set(e.stage, [...(by.get(e.stage) ?? []), {
      units,
      wall: e.wallSeconds,
      ...(terms?.length ? { terms } : {}),
    }]);
  }
  return new Map([...by].map(([s, points]) => [s, fitCost(points, prior(s))]));
}
