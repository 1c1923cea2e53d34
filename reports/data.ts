/**
 * The report's typed input (filled by the report stage from the cached stage outputs) and the
 * few numeric conventions every table shares: mean ± sample std over seeds, fractions shown as
 * percent where the paper prints percent (MAE stays a fraction, BER ×100 as shadow papers do).
 */
import type { PersamSummary, TrainSummary } from "../core/records.ts";

export type Policy = "rl" | "random" | "single";
export type Variant = "srm" | "sclip" | "last" | "none" | "gt";

/** One evaluate / ablate / sweep / baselines item (EvalSummary without images and traces). */
export interface EvalRow {
  task: string;
  /** the dataset actually read, e.g. "GDD (substitute for MSD)" */
  dataset: string;
  policy: Policy;
  variant: Variant | string;
  branch: "implicit" | "explicit";
  seed: number;
  T: number;
  E: number;
  /** training images the agent saw (supp. Table 5's k); absent = the run's trainCount */
  trainCount?: number;
  /** the study stages' name for trainCount (stages/aggregate.ts); either is read */
  shots?: number;
  /** fractions in [0, 1]: miou, iou_pooled, fbeta, fbeta_w, ephi, mae, ber, fr (what was computed) */
  metrics: Record<string, number>;
  perStep: { t: number; miou: number; fr: number }[];
}

/** One traced example of supp. Fig. 1: PNG bytes; point coordinates in the PNG's pixel frame. */
export interface TraceInput {
  task: string;
  policy: string;
  seed: number;
  stem: string;
  /** PNG of the image */
  image: Uint8Array;
  /** PNG of the ground truth (any non-zero = foreground) */
  gt: Uint8Array;
  width: number;
  height: number;
  /** t = 0..T; each mask a PNG (any non-zero = foreground) of width × height */
  steps: {
    t: number;
    points: { x: number; y: number; label: 0 | 1 }[];
    mask: Uint8Array;
    width: number;
    height: number;
  }[];
}

/**
 * What differs from run to run for the same results: the command, the build time, each item's
 * wall time. Never part of the report stage's entry (its files are hashed, issue 13 point 3):
 * added to report.html where it is published (cli/publish.ts, reports/html.ts withProvenance).
 */
export interface RunProvenance {
  /** the command that published the page */
  command: string;
  /** ISO time the report entry was built */
  createdAt: string;
  /** each input item's wall time as its entry recorded it */
  stageTimes: { stage: string; item: string; seconds: number }[];
}

export interface ReportInput {
  run: {
    profile: string;
    segmenter: { id: string; label: string; isSam: boolean };
    clip: string | null;
    /** task → dataset actually read, e.g. "GDD (substitute for MSD)" */
    datasets: Record<string, string>;
    /** data manifest hashes (task or file → sha256) */
    dataHashes: Record<string, string>;
    /** task → its SRM branch in the paper (Table 1), from the task registry; absent tasks: implicit */
    branches?: Record<string, "implicit" | "explicit">;
    /** task → the metrics its dataset is scored with (task registry), for tasks no paper column covers */
    metrics?: Record<string, string[]>;
    /** task → training images the run had (a few-shot k above it trains on all of them) */
    trainImages?: Record<string, number>;
    /** the resolved config; T, E and trainCount pick the "Ours" rows (see tables/select.ts) */
    config: Record<string, unknown>;
    /** optional: the DAG as text (`deno task dag`), shown in a <pre> */
    dag?: string;
  };
  evals: EvalRow[];
  persam: PersamSummary[];
  training: TrainSummary[];
  traces: TraceInput[];
  /**
   * Cells a run could not produce. `table` is a report table id (supp-3, supp-4, supp-5, main-2,
   * main-3, main-4, main-5, supp-fig-1, supp-fig-2, training); `cell` matches a cell by its row
   * label, its column key (`blur:miou`), its task (`blur`), `row / column`, or "*" (whole table).
   */
  missing: { table: string; cell: string; reason: string }[];
  skipped: { task: string; path: string; reason: string }[];
}

/** Mean ± sample std over seeds, with the seeds' values kept for tooltips. */
export interface SeedStat {
  mean: number;
  /** sample std (n − 1); NaN when n = 1 */
  std: number;
  n: number;
  values: { seed: number; value: number }[];
}

/** Metrics the paper prints as fractions; every other one is printed ×100. */
const FRACTION_METRICS = new Set(["mae"]);

/** The paper's scale for a metric: ×100 except MAE. */
export function toPaperScale(metric: string, fraction: number): number {
  return FRACTION_METRICS.has(metric) ? fraction : fraction * 100;
}

/** Lower is better (MAE, BER): the diff column's sign reads accordingly. */
export function lowerIsBetter(metric: string): boolean {
  return metric === "mae" || metric === "ber";
}

/**
 * Mean and sample standard deviation of per-seed values.
 * @example seedStat([{ seed: 0, value: 1 }, { seed: 1, value: 3 }]); // mean 2, std √2, n 2
 */
export function seedStat(values: { seed: number; value: number }[]): SeedStat {
  const n = values.length;
  if (n === 0) throw new RangeError("seedStat: no values");
  const mean = values.reduce((s, v) => s + v.value, 0) / n;
  const std = n > 1 ? Math.sqrt(values.reduce((s, v) => s + (v.value - mean) ** 2, 0) / (n - 1)) : NaN;
  return { mean, std, n, values: [...values].sort((a, b) => a.seed - b.seed) };
}

/** Decimals the paper prints for a metric. */
export function decimalsFor(metric: string): number {
  return FRACTION_METRICS.has(metric) ? 3 : 2;
}

/**
 * "62.09 ± 1.30" for n > 1, "62.09 (n=1)" for one seed.
 * @example formatStat({ mean: 62.094, std: 1.3, n: 3, values: [] }, 2); // "62.09 ± 1.30"
 */
export function formatStat(s: SeedStat, decimals = 2): string {
  if (s.n === 1) return `${s.mean.toFixed(decimals)} (n=1)`;
  return `${s.mean.toFixed(decimals)} ± ${s.std.toFixed(decimals)}`;
}

/** "seed 0: 61.20, seed 1: 63.00" for hover text. */
export function formatSeeds(s: SeedStat, decimals = 2): string {
  return s.values.map((v) => `seed ${v.seed}: ${v.value.toFixed(decimals)}`).join(", ");
}

/** Signed difference "+1.23" / "−0.40" (U+2212 so it lines up with "+"). */
export function formatDiff(d: number, decimals = 2): string {
  const s = Math.abs(d).toFixed(decimals);
  return d >= 0 ? `+${s}` : `\u2212${s}`;
}
