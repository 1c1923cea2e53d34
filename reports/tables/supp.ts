/**
 * Supplementary Tables 3–5 (alignsam-supplementary.md) from a ReportInput: prompt-label
 * ablation on VOC, RL vs random actions with FR, PerSAM vs Ours at k training samples.
 */
import type { ReportInput } from "../data.ts";
import { toPaperScale } from "../data.ts";
import { PAPER_NUMBERS } from "../paper_numbers.ts";
import { columnLabel, type ReportTable } from "./model.ts";
import { type Cell, evalCell, otherTaskColumns, type Query, statCell } from "./select.ts";

/** VOC classes run (voc-<class> tasks), in the paper's order first, then the rest. */
export function vocClassesRun(input: ReportInput, paperOrder: readonly string[]): string[] {
  const run = new Set(input.evals.filter((e) => e.task.startsWith("voc-")).map((e) => e.task.slice(4)));
  return [...paperOrder.filter((c) => run.has(c)), ...[...run].filter((c) => !paperOrder.includes(c)).sort()];
}

/** Columns: the paper's, then any class we ran that the paper does not print. */
export function vocColumns(input: ReportInput, paperClasses: readonly string[], metric = "iou"): string[] {
  const classes = [...new Set([...paperClasses, ...vocClassesRun(input, paperClasses)])];
  return ["voc:miou", ...classes.map((c) => `voc-${c}:${metric}`)];
}

function build(
  id: string,
  title: string,
  caption: string,
  rows: { label: string; paperRow?: string; q: Query }[],
  columns: string[],
  input: ReportInput,
  tableId: "supp-3" | "supp-4",
): ReportTable {
  const cells: Cell[][] = rows.map((r) =>
    columns.map((c) => evalCell(input, tableId, r.label, c, r.q, r.paperRow))
  );
  return {
    id,
    title,
    caption,
    rows: rows.map((r) => r.label),
    columns: columns.map((key) => ({ key, label: columnLabel(key) })),
    cells,
  };
}

/** supp. Table 3: where the prompt's label comes from (SCLIP map, SAM's last mask, none, SRM). */
export function suppTable3(input: ReportInput): ReportTable {
  const rows = [
    { label: "RL+SCLIP", q: { policy: "rl", variant: "sclip" } },
    { label: "RL+LAST", q: { policy: "rl", variant: "last" } },
    { label: "RL only", q: { policy: "rl", variant: "none" } },
    { label: "RL+SRM(Ours)", q: { policy: "rl", variant: "srm" } },
  ] as const;
  return build(
    "supp-3",
    "Supp. Table 3 — prompt label source (VOC, IoU %)",
    "RL agent picks the point; its label comes from X. Per-class IoU pooled over the class's test images " +
      "(PerSAM's convention); our mIoU is over the classes run, the paper's over all 20.",
    rows.map((r) => ({ label: r.label, q: r.q })),
    vocColumns(input, ["bottle", "car", "sheep", "cat"]),
    input,
    "supp-3",
  );
}

/** supp. Table 4: the RL policy vs random actions ("w/o RL"), each with its Foreground Rate. */
export function suppTable4(input: ReportInput): ReportTable {
  const paper = [...new Set(PAPER_NUMBERS.filter((p) => p.table === "supp-4").map((p) => p.column))];
  const columns = [...paper, ...otherTaskColumns(input, paper, (m) => [m[0], "fr"])];
  return build(
    "supp-4",
    "Supp. Table 4 — RL policy vs random actions (with FR, %)",
    "FR = share of chosen points on the ground truth (supp. Eq. 1), over t = 1..T, averaged over test images.",
    [
      { label: "Ours-w/o RL", q: { policy: "random", variant: "srm" } },
      { label: "Ours", q: { policy: "rl", variant: "srm" } },
    ],
    columns,
    input,
    "supp-4",
  );
}

/** supp. Table 5: PerSAM (training-free, k references) vs Ours trained on k samples; mIoU. */
export function suppTable5(input: ReportInput): ReportTable {
  const paperCols = PAPER_NUMBERS.filter((p) => p.table === "supp-5").map((p) => p.column);
  const runCols = [
    ...input.persam.map((p) => `${p.task}:miou@k=${p.shots}`),
    ...input.evals.filter((e) =>
      (e.trainCount ?? e.shots) !== undefined && e.policy === "rl" && e.variant === "srm"
    )
      .map((e) => `${e.task}:miou@k=${e.trainCount ?? e.shots}`),
  ].filter((c) => !c.startsWith("voc-") || paperCols.includes(c));
  const columns = [...new Set([...paperCols, ...runCols])].sort((a, b) => {
    const [ta, ka] = a.split(":miou@k=");
    const [tb, kb] = b.split(":miou@k=");
    return ta === tb
      ? Number(ka) - Number(kb)
      : paperCols.indexOf(a) - paperCols.indexOf(b) || ta.localeCompare(tb);
  });
  const persam: Cell[] = [];
  const ours: Cell[] = [];
  for (const column of columns) {
    const [task, k] = column.split(":miou@k=");
    const shots = Number(k);
    const runs = input.persam.filter((p) =>
      (p.task === task || (task === "glass" && p.task === "mirror")) && p.shots === shots
    );
    const values = runs.filter((p) => typeof p.metrics.miou === "number")
      .map((p) => ({ seed: p.seed, value: toPaperScale("miou", p.metrics.miou) }));
    const parts = runs[0]?.parts.length ? `PerSAM parts: ${runs[0].parts.join(", ")}` : undefined;
    persam.push(statCell(input, "supp-5", "PerSAM", column, "miou", values, parts));
    const cell = evalCell(input, "supp-5", "Ours", column, { policy: "rl", variant: "srm" });
    // trainSubset draws min(k, n) images: say so where the task has fewer than k here
    const n = input.run.trainImages?.[task];
    if (cell.ours && n !== undefined && n < shots) {
      cell.note = [`trained on ${n} of ${shots} requested (${n} training images here)`, cell.note]
        .filter(Boolean).join("; ");
    }
    ours.push(cell);
  }
  return {
    id: "supp-5",
    title: "Supp. Table 5 — PerSAM vs Ours with k training samples (mIoU %)",
    caption: "PerSAM: training-free, the mean reference feature of k samples, on the same segmenter; " +
      "Ours: the agent trained on k samples.",
    rows: ["PerSAM", "Ours"],
    columns: columns.map((key) => ({ key, label: columnLabel(key) })),
    cells: [persam, ours],
  };
}
