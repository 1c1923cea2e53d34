/**
 * From a ReportInput to one table cell: which evaluate items stand for a paper row, which of
 * our metrics stands for a paper column, mean ± std over seeds on the paper's scale, and —
 * when nothing matches — the reason the cell is empty (never a blank or a zero).
 *
 * "Ours" means policy rl, SRM labels, the task's paper branch (paper Table 1; falls back to the
 * other branch with a note when only that one ran, e.g. no CLIP weights), and the run's T, E and
 * trainCount (`run.config`; else the most common value among rl/srm items).
 */
import type { EvalRow, Policy, ReportInput, SeedStat } from "../data.ts";
import { seedStat, toPaperScale } from "../data.ts";
import { type PaperNumber, paperNumber, type PaperTableId } from "../paper_numbers.ts";

export interface Cell {
  row: string;
  /** `<task>:<metric>[@T=..|@k=..]`, the paper-number key */
  column: string;
  /** our metric name (e.g. "fbeta" standing for the paper's "fbeta_w") */
  metric: string;
  /** on the paper's scale (percent, MAE a fraction) */
  ours?: SeedStat;
  paper?: PaperNumber;
  /** why `ours` is absent */
  missing?: string;
  /** how ours differs from the paper's setting (dataset substitute, branch, class subset) */
  note?: string;
}

export interface Query {
  policy: Policy;
  variant: string;
  /** default: the task's paper branch, falling back to the other one */
  branch?: "implicit" | "explicit";
  T?: number;
  E?: number;
  trainCount?: number;
}

/** The paper's column task → our task ids to try, in order (glass: GDD first, then real MSD). */
const TASK_ALIASES: Record<string, string[]> = { glass: ["glass", "mirror"] };

/** The task's SRM branch in the paper (Table 1), as the report stage recorded it from the task registry. */
function paperBranch(input: ReportInput, task: string): "implicit" | "explicit" {
  return input.run.branches?.[task] ?? "implicit";
}

function mode(values: number[]): number | undefined {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: number | undefined;
  for (const [v, c] of counts) if (best === undefined || c > counts.get(best)!) best = v;
  return best;
}

/** The run's main T, E, trainCount (config, else the most common among rl/srm items). */
export function mainSetting(input: ReportInput): { T?: number; E?: number; trainCount?: number } {
  const c = input.run.config;
  const ours = input.evals.filter((e) => e.policy === "rl" && e.variant === "srm");
  const num = (k: string) => (typeof c[k] === "number" ? c[k] as number : undefined);
  return {
    T: num("T") ?? mode(ours.map((e) => e.T)),
    E: num("E") ?? mode(ours.map((e) => e.E)),
    trainCount: num("trainCount"),
  };
}

/**
 * Does a `missing` entry's cell name this cell? Accepted forms: "*", the row label, the column key,
 * the column's task, "row / column", or words that each name the cell — the study stages write
 * "<task> <row>" ("voc-bottle RL+SCLIP", "blur explicit"): every word must be the column's task
 * (a voc-<class> word also covers the VOC mean column), the column key, the row label or one word
 * of it (case-insensitive).
 */
export function missingMatches(cell: string, row: string, column: string): boolean {
  const task = column.split(":")[0];
  if ([row, column, task, `${row} / ${column}`, "*"].includes(cell)) return true;
  const rowWords = row.toLowerCase().split(/\s+/);
  return cell.trim().split(/\s+/).every((w) => {
    const x = w.toLowerCase();
    return x === task.toLowerCase() || x === column.toLowerCase() || x === row.toLowerCase() ||
      rowWords.includes(x) || (task === "voc" && x.startsWith("voc-"));
  });
}

/** The reason a cell is empty: the report stage's `missing` entry, else "not run in this profile". */
export function missingReason(input: ReportInput, table: string, row: string, column: string): string {
  const task = column.split(":")[0];
  const hit = input.missing.find((m) => m.table === table && missingMatches(m.cell, row, column));
  if (hit) return hit.reason;
  const ran = input.evals.some((e) => e.task === task || (task === "voc" && e.task.startsWith("voc-")));
  return ran ? "not run in this profile" : `task ${task} not run in this profile`;
}

/** Evaluate items matching a query for one task (exact T/E/trainCount), with branch fallback. */
export function pickEvals(input: ReportInput, task: string, q: Query): { rows: EvalRow[]; note?: string } {
  const main = mainSetting(input);
  const T = q.T ?? main.T;
  const E = q.E ?? main.E;
  const k = q.trainCount ?? main.trainCount;
  // Few-shot items (supp. Table 5) carry trainCount/shots; the other tables take the full-data ones.
  const kOk = (e: EvalRow) => {
    const rowK = e.trainCount ?? e.shots;
    return q.trainCount !== undefined
      ? (rowK ?? main.trainCount) === q.trainCount
      : rowK === undefined || rowK === k;
  };
  const base = input.evals.filter((e) =>
    e.task === task && e.policy === q.policy && e.variant === q.variant &&
    (T === undefined || e.T === T) && (E === undefined || e.E === E) && kOk(e)
  );
  const want = q.branch ?? paperBranch(input, task);
  const rows = base.filter((e) => e.branch === want);
  if (rows.length > 0 || q.branch) return { rows };
  const other = base.filter((e) => e.branch !== want);
  return other.length > 0
    ? { rows: other, note: `${other[0].branch} branch (paper: ${want})` }
    : { rows: [] };
}

/**
 * Columns for the run's tasks that none of `paperColumns` stands for (the demo tasks, a user's
 * task): `pick` chooses among the task's registry metrics, e.g. all of them, or the first + "fr".
 * VOC classes are left out: their own tables list them.
 */
export function otherTaskColumns(
  input: ReportInput,
  paperColumns: readonly string[],
  pick: (metrics: string[]) => string[],
): string[] {
  const covered = new Set(paperColumns.flatMap((c) => {
    const task = c.split(":")[0];
    return TASK_ALIASES[task] ?? [task];
  }));
  const tasks = [...new Set(input.evals.map((e) => e.task))]
    .filter((t) => !covered.has(t) && !t.startsWith("voc-"));
  return tasks.flatMap((t) => pick(input.run.metrics?.[t] ?? ["miou"]).map((m) => `${t}:${m}`));
}

/** Our metric for a paper metric on a task: VOC classes use the pooled IoU (PerSAM's per-class convention). */
function metricCandidates(task: string, metric: string): string[] {
  if (task.startsWith("voc") && (metric === "iou" || metric === "miou")) return ["iou_pooled", "miou"];
  if (metric === "fbeta_w") return ["fbeta_w", "fbeta"];
  return [metric];
}

/** Per-seed values of one metric on the paper's scale; seeds with several items are averaged. */
function perSeed(rows: EvalRow[], metric: string): { seed: number; value: number }[] {
  const bySeed = new Map<number, number[]>();
  for (const r of rows) {
    const v = r.metrics[metric];
    if (typeof v !== "number" || !Number.isFinite(v)) continue;
    bySeed.set(r.seed, [...(bySeed.get(r.seed) ?? []), toPaperScale(metric, v)]);
  }
  return [...bySeed].map(([seed, vs]) => ({ seed, value: vs.reduce((a, b) => a + b, 0) / vs.length }));
}

/** Our value for one task's metric: the first candidate metric present. */
function taskStat(
  input: ReportInput,
  task: string,
  metric: string,
  q: Query,
): { stat?: SeedStat; metric: string; notes: string[]; dataset?: string } {
  const aliases = TASK_ALIASES[task] ?? [task];
  for (const t of aliases) {
    const { rows, note } = pickEvals(input, t, q);
    if (rows.length === 0) continue;
    for (const m of metricCandidates(t, metric)) {
      const vals = perSeed(rows, m);
      if (vals.length === 0) continue;
      const notes = [
        note,
        m !== metric && !(metric === "iou" && m === "iou_pooled") ? `ours: ${m}` : undefined,
      ]
        .filter((x): x is string => !!x);
      return { stat: seedStat(vals), metric: m, notes, dataset: rows[0].dataset };
    }
  }
  return { metric, notes: [] };
}

/** The VOC mean over the classes run: per seed, the mean over the classes that seed has. */
function vocStat(input: ReportInput, metric: string, q: Query): { stat?: SeedStat; notes: string[] } {
  const classes = [...new Set(input.evals.filter((e) => e.task.startsWith("voc-")).map((e) => e.task))];
  const bySeed = new Map<number, number[]>();
  const notes = new Set<string>();
  for (const c of classes) {
    const s = taskStat(input, c, metric === "miou" ? "iou" : metric, q);
    s.notes.forEach((n) => notes.add(n));
    for (const v of s.stat?.values ?? []) bySeed.set(v.seed, [...(bySeed.get(v.seed) ?? []), v.value]);
  }
  if (bySeed.size === 0) return { notes: [] };
  const counts = [...bySeed.values()].map((v) => v.length);
  notes.add(`mean over ${Math.max(...counts)} VOC class(es) run (paper: 20)`);
  const vals = [...bySeed].map(([seed, vs]) => ({ seed, value: vs.reduce((a, b) => a + b, 0) / vs.length }));
  return { stat: seedStat(vals), notes: [...notes] };
}

/** Parse a column key `<task>:<metric>[@T=n|@k=n]`. */
export function parseColumn(column: string): { task: string; metric: string; T?: number; k?: number } {
  const [head, at] = column.split("@");
  const [task, metric] = head.split(":");
  const T = at?.startsWith("T=") ? Number(at.slice(2)) : undefined;
  const k = at?.startsWith("k=") ? Number(at.slice(2)) : undefined;
  return { task, metric, T, k };
}

/** One table cell: ours for the query, the paper's number, or the reason ours is missing. */
export function evalCell(
  input: ReportInput,
  table: PaperTableId,
  row: string,
  column: string,
  q: Query,
  paperRow = row,
): Cell {
  const { task, metric, T, k } = parseColumn(column);
  const query: Query = { ...q, T: T ?? q.T, trainCount: k ?? q.trainCount };
  const paper = paperNumber(table, paperRow, column);
  const got = task === "voc"
    ? { ...vocStat(input, metric, query), metric }
    : taskStat(input, task, metric, query);
  const cell: Cell = { row, column, metric: got.metric, paper };
  const notes = [...got.notes];
  const ds = "dataset" in got ? got.dataset : undefined;
  if (ds && /substitute/i.test(ds)) notes.push(ds);
  if (notes.length) cell.note = notes.join("; ");
  if (got.stat) cell.ours = got.stat;
  else cell.missing = missingReason(input, table, row, column);
  return cell;
}

/** A cell filled from per-seed values computed elsewhere (PerSAM summaries). */
export function statCell(
  input: ReportInput,
  table: PaperTableId,
  row: string,
  column: string,
  metric: string,
  values: { seed: number; value: number }[],
  note?: string,
): Cell {
  const cell: Cell = { row, column, metric, paper: paperNumber(table, row, column) };
  if (values.length > 0) cell.ours = seedStat(values);
  else cell.missing = missingReason(input, table, row, column);
  if (note) cell.note = note;
  return cell;
}
