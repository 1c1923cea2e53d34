/**
 * A report table: rows × columns of cells (ours beside the paper), its CSV (arquero) and its
 * Vega-Lite chart (ours as mean ± std dots with the seeds on hover, the paper's number beside).
 */
import * as aq from "arquero";
import { decimalsFor, formatDiff, formatSeeds, formatStat, lowerIsBetter } from "../data.ts";
import type { Cell } from "./select.ts";

export interface ReportTable {
  /** report id, also the file stem: supp-3, main-2, … */
  id: string;
  title: string;
  caption: string;
  rows: string[];
  columns: { key: string; label: string }[];
  /** [rows.length][columns.length] */
  cells: Cell[][];
}

/** A Vega-Lite spec (kept loose: vega-lite's own types are not needed to build JSON). */
// deno-lint-ignore no-explicit-any
export type VlSpec = Record<string, any>;

const TASK_LABEL: Record<string, string> = {
  blur: "Blur",
  shadow: "Shadow",
  glass: "Glass",
  mirror: "Mirror",
  saliency: "Saliency",
  voc: "VOC",
};
const METRIC_LABEL: Record<string, string> = {
  miou: "mIoU",
  iou: "IoU",
  iou_pooled: "IoU (pooled)",
  fbeta: "F_β",
  fbeta_w: "F^w_β",
  ephi: "E_φ",
  mae: "MAE",
  ber: "BER",
  fr: "FR",
};

/** "Blur mIoU", "bottle IoU", "Blur mIoU k=5", "bottle T=10". */
export function columnLabel(key: string): string {
  const [head, at] = key.split("@");
  const [task, metric] = head.split(":");
  const t = TASK_LABEL[task] ?? task.replace(/^voc-/, "");
  const m = METRIC_LABEL[metric] ?? metric;
  return at ? `${t} ${m} ${at}` : `${t} ${m}`;
}

/** Every cell, row by row. */
export function allCells(t: ReportTable): Cell[] {
  return t.cells.flat();
}

/** ours − paper on the paper's scale, undefined when either is absent. */
export function cellDiff(c: Cell): number | undefined {
  return c.ours && c.paper ? c.ours.mean - c.paper.value : undefined;
}

/** The cell's text pieces, shared by the HTML table and the CSV. */
export function cellText(c: Cell): { ours: string; seeds: string; paper: string; diff: string } {
  const d = decimalsFor(c.metric);
  const diff = cellDiff(c);
  const better = diff === undefined
    ? ""
    : (lowerIsBetter(c.metric) ? diff <= 0 : diff >= 0)
    ? " (better)"
    : "";
  return {
    ours: c.ours ? formatStat(c.ours, d) : `— ${c.missing ?? "not run in this profile"}`,
    seeds: c.ours ? formatSeeds(c.ours, d) : "",
    paper: c.paper ? c.paper.value.toFixed(d) : "not in paper",
    diff: diff === undefined ? "" : formatDiff(diff, d) + better,
  };
}

/** CSV numbers without float noise (−8.469999999999999 → −8.47). */
function r6(x: number | undefined): number | null {
  return x === undefined || !Number.isFinite(x) ? null : Math.round(x * 1e6) / 1e6;
}

/** Long-format CSV: one line per cell with its source (for papers and slides). */
export function tableCsv(t: ReportTable): string {
  const rows = allCells(t).map((c) => ({
    table: t.id,
    row: c.row,
    column: c.column,
    label: columnLabel(c.column),
    metric: c.metric,
    ours_mean: r6(c.ours?.mean),
    ours_std: c.ours && c.ours.n > 1 ? r6(c.ours.std) : null,
    n: c.ours?.n ?? 0,
    seeds: c.ours ? c.ours.values.map((v) => `${v.seed}:${r6(v.value)}`).join(" ") : "",
    paper: c.paper?.value ?? null,
    diff: r6(cellDiff(c)),
    missing: c.ours ? "" : c.missing ?? "",
    note: c.note ?? "",
    paper_source: c.paper ? `${c.paper.source.doc} ${c.paper.source.table} p.${c.paper.source.page}` : "",
  }));
  return aq.from(rows).toCSV() + "\n";
}

/**
 * Ours vs the paper as dots (ours with a ±std rule), one chart row per table row; MAE is shown
 * ×100 so it shares the percent axis (the tables keep the fraction).
 */
export function tableChartSpec(t: ReportTable): VlSpec {
  const values: Record<string, unknown>[] = [];
  // The table's own column labels: the same y categories in every facet row.
  const cells = t.cells.flatMap((row) => row.map((c, j) => ({ c, label: t.columns[j].label })));
  for (const { c, label: col } of cells) {
    const k = c.metric === "mae" ? 100 : 1;
    const label = col + (c.metric === "mae" ? " ×100" : "");
    const text = cellText(c);
    if (c.ours) {
      const sd = Number.isFinite(c.ours.std) ? c.ours.std : 0;
      values.push({
        row: c.row,
        column: label,
        source: "ours",
        value: c.ours.mean * k,
        lo: (c.ours.mean - sd) * k,
        hi: (c.ours.mean + sd) * k,
        text: `${text.ours} [${text.seeds}]`,
      });
    }
    if (c.paper) {
      values.push({ row: c.row, column: label, source: "paper", value: c.paper.value * k, text: text.paper });
    }
  }
  const y = { field: "column", type: "nominal", title: null, sort: null };
  const color = {
    field: "source",
    type: "nominal",
    scale: { domain: ["ours", "paper"], range: ["#1b7f3b", "#9a9a9a"] },
  };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: t.title,
    data: { values },
    facet: { row: { field: "row", type: "nominal", title: null, sort: t.rows } },
    spec: {
      width: 360,
      layer: [
        {
          // paper points have no lo/hi: vega-lite drops them (invalid values are filtered)
          mark: { type: "rule" },
          encoding: { y, x: { field: "lo", type: "quantitative" }, x2: { field: "hi" }, color },
        },
        {
          mark: { type: "point", filled: true, size: 60 },
          encoding: {
            y,
            x: { field: "value", type: "quantitative", title: "value (paper scale)" },
            color,
            shape: { field: "source", type: "nominal" },
            tooltip: [{ field: "row" }, { field: "column" }, { field: "source" }, {
              field: "text",
              title: "value",
            }],
          },
        },
      ],
    },
  };
}
