/**
 * Main paper Tables 2–5 (alignsam-cvpr2024.txt, p. 3211), our rows only: Ours and its
 * ablations on the four binary tasks, VOC per class, implicit vs explicit branch, and T.
 */
import type { ReportInput } from "../data.ts";
import { PAPER_NUMBERS, TABLE5_T, VOC10, VOC4 } from "../paper_numbers.ts";
import { columnLabel, type ReportTable } from "./model.ts";
import { type Cell, evalCell, mainSetting, otherTaskColumns, type Query } from "./select.ts";
import { vocClassesRun, vocColumns } from "./supp.ts";

type Row = { label: string; q: Query };

function grid(
  input: ReportInput,
  table: "main-2" | "main-3" | "main-4",
  rows: Row[],
  columns: string[],
): Cell[][] {
  return rows.map((r) => columns.map((c) => evalCell(input, table, r.label, c, r.q)));
}

function columnsOf(table: string): string[] {
  return [...new Set(PAPER_NUMBERS.filter((p) => p.table === table).map((p) => p.column))];
}

const OURS: Row = { label: "Ours", q: { policy: "rl", variant: "srm" } };
const WO_RL: Row = { label: "Ours-w/o RL", q: { policy: "random", variant: "srm" } };
const WO_SRM: Row = { label: "Ours-w/o SRM", q: { policy: "rl", variant: "none" } };
const WO_MSI: Row = { label: "Ours-w/o MSI", q: { policy: "single", variant: "srm" } };

/** main Table 2: blur, shadow, glass, saliency with their paper metrics (then any other task run); Ours and ablations. */
export function mainTable2(input: ReportInput): ReportTable {
  const rows = [OURS, WO_RL, WO_SRM, WO_MSI];
  const paper = columnsOf("main-2");
  const columns = [...paper, ...otherTaskColumns(input, paper, (m) => m)];
  return {
    id: "main-2",
    title: "Main Table 2 — four tasks, Ours and ablations",
    caption:
      "w/o RL: random actions; w/o SRM: every point positive (no labelling module); w/o MSI: one step. " +
      "mIoU, F^w_β, E_φ, BER in %; MAE a fraction (lower is better for BER and MAE).",
    rows: rows.map((r) => r.label),
    columns: columns.map((key) => ({ key, label: columnLabel(key) })),
    cells: grid(input, "main-2", rows, columns),
  };
}

/** main Table 3: VOC, mIoU and the IoU of the printed classes (plus any other class run). */
export function mainTable3(input: ReportInput): ReportTable {
  const rows = [OURS, WO_RL, WO_SRM];
  const columns = vocColumns(input, VOC10);
  return {
    id: "main-3",
    title: "Main Table 3 — Pascal VOC per class (IoU %)",
    caption:
      "Per-class IoU pooled over the class's test images; our mIoU is over the classes run (paper: 20).",
    rows: rows.map((r) => r.label),
    columns: columns.map((key) => ({ key, label: columnLabel(key) })),
    cells: grid(input, "main-3", rows, columns),
  };
}

/** main Table 4: the implicit vs the explicit SRM branch on every task. */
export function mainTable4(input: ReportInput): ReportTable {
  const rows: Row[] = [
    { label: "Implicit Branch", q: { policy: "rl", variant: "srm", branch: "implicit" } },
    { label: "Explicit Branch", q: { policy: "rl", variant: "srm", branch: "explicit" } },
  ];
  const paper = columnsOf("main-4");
  const columns = [...paper, ...otherTaskColumns(input, paper, (m) => m.slice(0, 1))];
  return {
    id: "main-4",
    title: "Main Table 4 — implicit vs explicit branch",
    caption: "Explicit: SRM fed the CLIP-Surgery map of the task's text (supp. Table 1).",
    rows: rows.map((r) => r.label),
    columns: columns.map((key) => ({ key, label: columnLabel(key) })),
    cells: grid(input, "main-4", rows, columns),
  };
}

/** main Table 5: IoU per VOC class against the number of interaction rounds T. */
export function mainTable5(input: ReportInput): ReportTable {
  const { E } = mainSetting(input);
  const runT = input.evals.filter((e) =>
    e.task.startsWith("voc-") && e.policy === "rl" && e.variant === "srm"
  )
    .map((e) => e.T);
  const Ts = [...new Set([...TABLE5_T, ...runT])].sort((a, b) => a - b);
  // the paper's four, then every other class this run swept T on (tableTTasks)
  const swept = (c: string) =>
    new Set(input.evals.filter((e) => e.task === `voc-${c}`).map((e) => e.T)).size > 1;
  const classes = [...new Set([...VOC4, ...vocClassesRun(input, VOC4).filter(swept)])];
  const columns = Ts.map((t) => `T=${t}`);
  const cells: Cell[][] = classes.map((c) =>
    Ts.map((t) => ({
      ...evalCell(input, "main-5", c, `voc-${c}:iou@T=${t}`, { policy: "rl", variant: "srm", E }, "Ours"),
      row: c,
    }))
  );
  return {
    id: "main-5",
    title: "Main Table 5 — interaction rounds T (VOC IoU %)",
    caption: `Agents trained and evaluated with T rounds (E = ${E ?? "run's"}); per-class pooled IoU.`,
    rows: classes,
    columns: columns.map((key, i) => ({ key: `voc:iou@T=${Ts[i]}`, label: key })),
    cells,
  };
}
