/**
 * "Does it reproduce the paper's claims?" (issue 15): each ordering the paper claims, per task,
 * with our seeds' mean ± std on both sides, the paper's own two numbers where it prints them, and
 * whether this run shows the ordering. Built from the same cells as the tables (tables/select.ts
 * evalCell; supp. Table 5 for PerSAM), so a claim the run cannot test carries the cell's own
 * reason (no CLIP weights, no data, not run in this profile). Reads only the ReportInput.
 *
 * Verdicts: "holds" (the claimed side is better by more than the seeds' spread
 * √(std_a² + std_b²)), "holds within spread" (better, by less than the spread; with one seed
 * there is no spread to compare: "holds, 1 seed"), "fails" (equal or worse), "cannot test".
 */
import type { ReportInput, SeedStat } from "./data.ts";
import { decimalsFor, formatStat, lowerIsBetter } from "./data.ts";
import type { PaperTableId } from "./paper_numbers.ts";
import { columnLabel } from "./tables/model.ts";
import { type Cell, evalCell, otherTaskColumns, type Query } from "./tables/select.ts";
import { suppTable5 } from "./tables/supp.ts";

export type Verdict = "holds" | "holds within spread" | "holds, 1 seed" | "fails" | "cannot test";

export interface ClaimRow {
  /** the ordering, e.g. "RL > random cells" */
  claim: string;
  /** column key `<task>:<metric>[@k=..]` */
  column: string;
  /** the claimed-better side and the other one */
  a: Side;
  b: Side;
  verdict: Verdict;
  /** the reason a claim cannot be tested, or how the verdict was read */
  note?: string;
}

export interface Side {
  label: string;
  ours?: SeedStat;
  paper?: number;
  missing?: string;
}

/** The paper's main metric per task (main Table 2 / supp. Table 4), and FR for the RL claim. */
const TASK_METRIC: Record<string, string> = {
  blur: "miou",
  shadow: "miou",
  glass: "miou",
  saliency: "ephi",
  voc: "miou",
};
const PAPER_TASKS = Object.keys(TASK_METRIC);

/**
 * The paper's tasks, then every other task this run evaluated (the demo tasks, a user's own task),
 * each with its main metric: the paper's for its tasks, the task registry's first for the others.
 * A run on the demo tasks alone can then still test each ordering, not only say "cannot test".
 */
function claimTasks(input: ReportInput): [task: string, metric: string][] {
  const paper = PAPER_TASKS.map((t): [string, string] => [t, TASK_METRIC[t]]);
  const other = otherTaskColumns(input, paper.map(([t, m]) => `${t}:${m}`), (m) => m.slice(0, 1))
    .map((c): [string, string] => [c.split(":")[0], c.split(":")[1]]);
  return [...paper, ...other];
}

const side = (label: string, c: Cell): Side => ({
  label,
  ours: c.ours,
  paper: c.paper?.value,
  missing: c.missing,
});

/** The verdict on "a better than b" for one metric (lower is better for MAE and BER). */
export function verdict(a: SeedStat | undefined, b: SeedStat | undefined, metric: string): Verdict {
  if (!a || !b) return "cannot test";
  const sign = lowerIsBetter(metric) ? -1 : 1;
  const d = sign * (a.mean - b.mean);
  if (!(d > 0)) return "fails";
  if (a.n < 2 || b.n < 2) return "holds, 1 seed";
  return d > Math.hypot(a.std, b.std) ? "holds" : "holds within spread";
}

function compare(
  input: ReportInput,
  claim: string,
  table: PaperTableId,
  column: string,
  a: { label: string; q: Query },
  b: { label: string; q: Query },
): ClaimRow {
  const ca = evalCell(input, table, a.label, column, a.q);
  const cb = evalCell(input, table, b.label, column, b.q);
  return fromCells(claim, column, side(a.label, ca), side(b.label, cb));
}

/** The metric of a column key `<task>:<metric>[@k=..]`. */
export function columnMetric(column: string): string {
  return column.split("@")[0].split(":")[1];
}

/** "a vs b": the paper's two numbers, when it prints both sides. */
export function paperPair(r: ClaimRow): string | undefined {
  return r.a.paper !== undefined && r.b.paper !== undefined ? `${r.a.paper} vs ${r.b.paper}` : undefined;
}

function fromCells(claim: string, column: string, a: Side, b: Side): ClaimRow {
  const v = verdict(a.ours, b.ours, columnMetric(column));
  const gone = [a, b].filter((s) => !s.ours);
  // both sides missing for the same reason (no data, no CLIP): say it once
  const why = gone.length === 2 && a.missing === b.missing && a.missing
    ? [a.missing]
    : gone.map((s) => `${s.label}: ${s.missing ?? "not run"}`);
  return { claim, column, a, b, verdict: v, note: why.length ? why.join("; ") : undefined };
}

const OURS = { label: "Ours", q: { policy: "rl", variant: "srm" } as Query };

/** Every claim row, claim by claim, task by task. */
export function claimRows(input: ReportInput): ClaimRow[] {
  const rows: ClaimRow[] = [];
  const random = { label: "Ours-w/o RL", q: { policy: "random", variant: "srm" } as Query };
  const tasks = claimTasks(input);
  for (const [t, metric] of tasks) {
    for (const m of ["fr", metric]) {
      rows.push(compare(input, "RL > random cells (supp. Table 4)", "supp-4", `${t}:${m}`, OURS, random));
    }
  }
  // Label sources (supp. Table 3 prints VOC; main Table 2's w/o SRM is RL only on the other tasks).
  const srm = { label: "RL+SRM(Ours)", q: OURS.q };
  const last = { label: "RL+LAST", q: { policy: "rl", variant: "last" } as Query };
  const none = { label: "RL only", q: { policy: "rl", variant: "none" } as Query };
  for (const [t, metric] of tasks) {
    const col = `${t}:${metric}`;
    rows.push(compare(input, "SRM > LAST (supp. Table 3)", "supp-3", col, srm, last));
    rows.push(compare(input, "LAST > RL only (supp. Table 3)", "supp-3", col, last, none));
  }
  const single = { label: "Ours-w/o MSI", q: { policy: "single", variant: "srm" } as Query };
  for (const [t, metric] of tasks) {
    rows.push(compare(input, "MSI > w/o MSI (main Table 2)", "main-2", `${t}:${metric}`, OURS, single));
  }
  rows.push(...persamRows(input));
  rows.push(...branchRows(input));
  return rows;
}

/** Ours > PerSAM with k = 20 (supp. Table 5), from that table's own cells. */
function persamRows(input: ReportInput): ClaimRow[] {
  const t5 = suppTable5(input);
  const iP = t5.rows.indexOf("PerSAM"), iO = t5.rows.indexOf("Ours");
  return t5.columns.filter((c) => c.key.endsWith("@k=20")).map((c) => {
    const j = t5.columns.indexOf(c);
    return fromCells(
      "Ours > PerSAM at k = 20 (supp. Table 5)",
      c.key,
      side("Ours", t5.cells[iO][j]),
      side("PerSAM", t5.cells[iP][j]),
    );
  });
}

/**
 * Implicit vs explicit as main Table 4 prints it: per task, the branch the paper found better
 * is the claimed side (explicit for shadow and VOC, implicit elsewhere; implicit where the paper
 * prints no pair).
 */
function branchRows(input: ReportInput): ClaimRow[] {
  const imp = { label: "Implicit Branch", q: { ...OURS.q, branch: "implicit" } as Query };
  const exp = { label: "Explicit Branch", q: { ...OURS.q, branch: "explicit" } as Query };
  return claimTasks(input).map(([t, metric]) => {
    const col = `${t}:${metric}`;
    const ci = evalCell(input, "main-4", imp.label, col, imp.q);
    const ce = evalCell(input, "main-4", exp.label, col, exp.q);
    const pi = ci.paper?.value, pe = ce.paper?.value;
    const explicitWins = pi !== undefined && pe !== undefined && pe > pi;
    const [a, b] = explicitWins
      ? [side(exp.label, ce), side(imp.label, ci)]
      : [side(imp.label, ci), side(exp.label, ce)];
    return fromCells("the paper's better SRM branch (main Table 4)", col, a, b);
  });
}

/** The "gt" diagnostic: RL with ground-truth labels, the ceiling of any labeller (not a paper row). */
export function gtCeilingRows(input: ReportInput): ClaimRow[] {
  const gt = { label: "RL+GT labels (ceiling)", q: { policy: "rl", variant: "gt" } as Query };
  if (!input.evals.some((e) => e.variant === "gt")) return [];
  return claimTasks(input).flatMap(([t, metric]) =>
    ["fr", metric].map((m) => compare(input, "GT labels ≥ SRM (diagnostic)", "supp-3", `${t}:${m}`, gt, OURS))
  ).filter((r) => r.a.ours || r.b.ours);
}

/** Per claim: how many tasks hold / fail / cannot be tested. */
export function claimSummary(
  rows: ClaimRow[],
): { claim: string; holds: number; fails: number; untested: number }[] {
  const by = new Map<string, { holds: number; fails: number; untested: number }>();
  for (const r of rows) {
    const e = by.get(r.claim) ?? { holds: 0, fails: 0, untested: 0 };
    if (r.verdict === "fails") e.fails++;
    else if (r.verdict === "cannot test") e.untested++;
    else e.holds++;
    by.set(r.claim, e);
  }
  return [...by].map(([claim, e]) => ({ claim, ...e }));
}

const fmtSide = (s: Side, metric: string) =>
  s.ours ? `${s.label} ${formatStat(s.ours, decimalsFor(metric))}` : `${s.label} —`;

/** One line per row, for logs and the CSV. */
export function claimText(r: ClaimRow): string {
  const metric = columnMetric(r.column);
  const pair = paperPair(r);
  const paper = pair ? ` (paper ${pair})` : "";
  return `${r.claim} · ${columnLabel(r.column)}: ${fmtSide(r.a, metric)} vs ${
    fmtSide(r.b, metric)
  }${paper} → ` +
    `${r.verdict}${r.note ? ` (${r.note})` : ""}`;
}
