/**
 * Report numbers: mean ± std formatting, the transcribed paper numbers (spot checks and the
 * cross-table identities the paper itself prints), cell selection, CSV content, headless SVG.
 */
import assert from "node:assert/strict";
import { formatDiff, formatStat, type ReportInput, seedStat, toPaperScale } from "../reports/data.ts";
import { PAPER_NUMBERS, paperNumber, VOC10, VOC4 } from "../reports/paper_numbers.ts";
import { needsShared, SHARED } from "./_shared.ts";
import { suppTable3, suppTable4, suppTable5 } from "../reports/tables/supp.ts";
import { missingMatches } from "../reports/tables/select.ts";
import { mainTable2, mainTable5 } from "../reports/tables/main.ts";
import { tableChartSpec, tableCsv } from "../reports/tables/model.ts";
import { compileSpec, specToSvg } from "../reports/publish.ts";
import { suppFigure2 } from "../reports/figures/charts.ts";
import { syntheticReportInput } from "../reports/synthetic.ts";

Deno.test("seedStat / formatStat: sample std, n=1 says so", () => {
  const s = seedStat([{ seed: 1, value: 3 }, { seed: 0, value: 1 }]);
  assert.equal(s.mean, 2);
  assert.equal(s.std, Math.SQRT2); // √(((1−2)² + (3−2)²) / (2 − 1))
  assert.deepEqual(s.values.map((v) => v.seed), [0, 1]);
  assert.equal(formatStat(s), "2.00 ± 1.41");
  assert.equal(formatStat(seedStat([{ seed: 0, value: 62.094 }])), "62.09 (n=1)");
  assert.equal(formatStat(seedStat([{ seed: 0, value: 0.0824 }]), 3), "0.082 (n=1)");
  assert.equal(formatDiff(1.234), "+1.23");
  assert.equal(formatDiff(-0.4), "\u22120.40");
  assert.equal(toPaperScale("miou", 0.6847), 68.47);
  assert.equal(toPaperScale("mae", 0.082), 0.082);
  assert.throws(() => seedStat([]), /no values/);
});

Deno.test("paper numbers: spot checks against the paper text", () => {
  const fr = ["blur", "shadow", "glass", "saliency", "voc"].map((t) =>
    paperNumber("supp-4", "Ours", `${t}:fr`)?.value
  );
  assert.deepEqual(fr, [70.9, 24.8, 43.7, 32.9, 36.7]);
  // METHOD-NOTES §5
  const ours = ["blur:miou", "shadow:miou", "glass:miou", "saliency:ephi", "voc:miou"];
  assert.deepEqual(ours.map((c) => paperNumber("supp-4", "Ours", c)?.value), [
    68.47,
    30.78,
    45.44,
    78.21,
    62.09,
  ]);
  assert.deepEqual(ours.map((c) => paperNumber("supp-4", "Ours-w/o RL", c)?.value), [
    59.75,
    25.62,
    33.41,
    74.19,
    54.06,
  ]);
  assert.equal(paperNumber("main-2", "Ours", "saliency:mae")?.value, 0.082);
  assert.equal(paperNumber("main-2", "Ours", "saliency:mae")?.unit, "fraction");
  assert.equal(paperNumber("main-2", "Ours-w/o MSI", "shadow:ber")?.value, 42.91);
  assert.equal(paperNumber("main-3", "Ours", "voc-dog:iou")?.value, 79.84);
  assert.equal(paperNumber("main-3", "Ours-w/o RL", "voc-horse:iou")?.value, 72.91);
  assert.equal(paperNumber("main-4", "Implicit Branch", "shadow:miou")?.value, 19.4);
  assert.equal(paperNumber("main-5", "Ours", "voc-cat:iou@T=20")?.value, 86.13);
  assert.equal(paperNumber("supp-5", "PerSAM", "saliency:miou@k=20")?.value, 40.5);
  assert.equal(paperNumber("supp-5", "Ours", "blur:miou@k=5")?.value, 68.89);
  assert.equal(paperNumber("supp-3", "RL+SCLIP", "voc-cat:iou")?.source.page, "2");
  assert.equal(paperNumber("main-3", "Ours", "voc:miou")?.source.page, "3211");
  const counts: Record<string, number> = {};
  for (const p of PAPER_NUMBERS) counts[p.table] = (counts[p.table] ?? 0) + 1;
  assert.deepEqual(counts, {
    "supp-3": 20,
    "supp-4": 20,
    "supp-5": 12,
    "main-2": 64,
    "main-3": 88,
    "main-4": 10,
    "main-5": 20,
  });
});

Deno.test("paper numbers: the identities the paper prints twice agree", () => {
  for (const c of ["voc:miou", "voc-bottle:iou", "voc-car:iou", "voc-sheep:iou", "voc-cat:iou"]) {
    assert.equal(paperNumber("supp-3", "RL+SRM(Ours)", c)?.value, paperNumber("main-3", "Ours", c)?.value, c);
    assert.equal(
      paperNumber("supp-3", "RL only", c)?.value,
      paperNumber("main-3", "Ours-w/o SRM", c)?.value,
      c,
    );
    if (c !== "voc:miou") {
      assert.equal(
        paperNumber("main-5", "Ours", `${c}@T=15`)?.value,
        paperNumber("main-3", "Ours", c)?.value,
        c,
      );
    }
  }
  for (const c of ["blur:miou", "shadow:miou", "glass:miou", "saliency:ephi"]) {
    assert.equal(paperNumber("main-2", "Ours", c)?.value, paperNumber("supp-4", "Ours", c)?.value, c);
    assert.equal(
      paperNumber("main-2", "Ours-w/o RL", c)?.value,
      paperNumber("supp-4", "Ours-w/o RL", c)?.value,
      c,
    );
  }
  // Table 4: Ours = the paper's branch per task (explicit for shadow and VOC).
  assert.equal(paperNumber("main-4", "Explicit Branch", "voc:miou")?.value, 62.09);
  assert.equal(paperNumber("main-4", "Implicit Branch", "blur:miou")?.value, 68.47);
});

/** A hand-made input: blur rl/srm over 2 seeds, a random baseline on seed 0 only, two VOC classes. */
function tinyInput(): ReportInput {
  const row = (
    task: string,
    policy: "rl" | "random",
    seed: number,
    metrics: Record<string, number>,
    branch = "implicit",
  ) => ({
    task,
    dataset: task,
    policy,
    variant: "srm",
    branch: branch as "implicit" | "explicit",
    seed,
    T: 15,
    E: 50,
    metrics,
    perStep: [],
  });
  return {
    run: {
      profile: "t",
      segmenter: { id: "s", label: "s", isSam: true },
      clip: null,
      datasets: {},
      dataHashes: {},
      config: { T: 15, E: 50 },
    },
    evals: [
      row("blur", "rl", 0, { miou: 0.5, fr: 0.6 }),
      row("blur", "rl", 1, { miou: 0.7, fr: 0.8 }),
      row("blur", "random", 0, { miou: 0.4, fr: 0.2 }),
      row("voc-bottle", "rl", 0, { iou_pooled: 0.4, miou: 0.9 }, "explicit"),
      row("voc-car", "rl", 0, { iou_pooled: 0.6, miou: 0.9 }, "explicit"),
      row("voc-bottle", "rl", 1, { iou_pooled: 0.5, miou: 0.9 }, "explicit"),
      row("voc-car", "rl", 1, { iou_pooled: 0.7, miou: 0.9 }, "explicit"),
    ],
    persam: [],
    training: [],
    traces: [],
    missing: [{ table: "supp-4", cell: "shadow", reason: "SBU not downloaded" }],
    skipped: [],
  };
}

Deno.test("cells: mean ± std over seeds, VOC mean per seed, reasons for missing cells", () => {
  const t4 = suppTable4(tinyInput());
  const at = (row: number, col: string) => t4.cells[row].find((c) => c.column === col)!;
  const blur = at(1, "blur:miou");
  assert.equal(blur.ours?.mean, 60);
  assert.ok(Math.abs(blur.ours!.std - 14.142135623730951) < 1e-9);
  assert.equal(blur.paper?.value, 68.47);
  assert.equal(at(0, "blur:fr").ours?.n, 1);
  assert.equal(at(0, "blur:fr").ours?.mean, 20);
  // VOC: pooled IoU, mean over the classes of each seed: seed 0 → 50, seed 1 → 60
  const voc = at(1, "voc:miou");
  assert.deepEqual(voc.ours?.values, [{ seed: 0, value: 50 }, { seed: 1, value: 60 }]);
  assert.match(voc.note ?? "", /2 VOC class/);
  assert.equal(at(1, "shadow:miou").missing, "SBU not downloaded");
  assert.equal(at(1, "saliency:ephi").missing, "task saliency not run in this profile");
  assert.equal(at(0, "voc:fr").missing, "not run in this profile");
  // supp. Table 3 has no sclip items and no `missing` entry: still a reason, never a blank.
  const t3 = suppTable3(tinyInput());
  assert.equal(t3.cells[0][0].missing, "not run in this profile");
  assert.equal(t3.cells[3][1].ours?.mean, 45); // bottle: (40 + 50) / 2
});

Deno.test("CSV: one line per cell with ours, std, seeds, paper, diff and reasons", () => {
  const csv = tableCsv(suppTable4(tinyInput())).trim().split("\n");
  assert.equal(
    csv[0],
    "table,row,column,label,metric,ours_mean,ours_std,n,seeds,paper,diff,missing,note,paper_source",
  );
  assert.equal(csv.length, 1 + 2 * 10);
  const blur = csv.find((l) => l.startsWith("supp-4,Ours,blur:miou,"))!;
  assert.match(
    blur,
    /^supp-4,Ours,blur:miou,Blur mIoU,miou,60,14\.142136,2,0:50 1:70,68\.47,-8\.47,,,supplementary Table 4 p\.2$/,
  );
  const shadow = csv.find((l) => l.startsWith("supp-4,Ours,shadow:miou,"))!;
  assert.match(shadow, /,,,0,,30\.78,,SBU not downloaded,,/);
});

Deno.test("table chart: compiles and renders headless to an SVG with one symbol per value", async () => {
  const t2 = mainTable2(tinyInput());
  const svg = await specToSvg(compileSpec(tableChartSpec(t2)));
  assert.ok(svg.startsWith("<svg"));
  // 32 paper numbers (4 rows × 8 columns) + our 2 blur values (Ours mIoU, w/o RL mIoU) … and legend symbols
  const symbols = (svg.match(/<path[^>]*transform="translate/g) ?? []).length;
  assert.ok(symbols >= 32 + 2, `${symbols} symbols`);
});

Deno.test("missing cells: the study stages' '<task> <row>' names match only their cells", () => {
  assert.ok(missingMatches("voc-bottle RL+SCLIP", "RL+SCLIP", "voc-bottle:iou"));
  assert.ok(missingMatches("voc-bottle RL+SCLIP", "RL+SCLIP", "voc:miou")); // the VOC mean too
  assert.ok(!missingMatches("voc-bottle RL+SCLIP", "RL+LAST", "voc-bottle:iou"));
  assert.ok(!missingMatches("voc-bottle RL+SCLIP", "RL+SCLIP", "voc-car:iou"));
  assert.ok(missingMatches("blur explicit", "Explicit Branch", "blur:miou"));
  assert.ok(!missingMatches("blur explicit", "Implicit Branch", "blur:miou"));
  assert.ok(!missingMatches("blur explicit", "Explicit Branch", "shadow:miou"));
  assert.ok(missingMatches("RL+SCLIP", "RL+SCLIP", "voc-cat:iou"));
  assert.ok(missingMatches("*", "Ours", "blur:fr"));
});

Deno.test("few-shot items fill supp. Table 5 only", () => {
  const input = tinyInput();
  input.run.config.trainCount = 50;
  input.evals.push({ ...input.evals[0], seed: 0, shots: 5, metrics: { miou: 0.1 } });
  const t5 = suppTable5(input);
  const k5 = t5.cells[1].find((c) => c.column === "blur:miou@k=5")!;
  assert.equal(k5.ours?.mean, 10);
  assert.equal(k5.paper?.value, 68.89);
  assert.ok(!k5.note?.includes("trained on"), String(k5.note)); // the run's image count is unknown here
  assert.equal(t5.cells[0][0].missing, "not run in this profile"); // no PerSAM summaries
  // with fewer training images than k, the cell says what the agent was trained on
  input.run.trainImages = { blur: 2 };
  const capped = suppTable5(input).cells[1].find((c) => c.column === "blur:miou@k=5")!;
  assert.match(capped.note ?? "", /^trained on 2 of 5 requested \(2 training images here\)/);
  // supp. Table 4's Ours is still the full-data agent: (50 + 70) / 2
  assert.equal(suppTable4(input).cells[1][0].ours?.mean, 60);
});

/** The table's values in the order the PDF extraction lists them: row pairs per column block. */
function columnMajor(table: string, rows: string[], cols: string[]): number[] {
  return cols.flatMap((c) => rows.map((r) => paperNumber(table as "main-2", r, c)!.value));
}

Deno.test({
  name: "paper numbers: every transcribed value is the paper text's, in its order",
  ...needsShared("paper"),
  fn: async () => {
    const txt = (await Deno.readTextFile(`${SHARED}paper/alignsam-cvpr2024.txt`)).split("\n");
    // (a form feed starts each page's first line)
    const at = (s: string, after = 0) =>
      txt.findIndex((l, i) => i >= after && l.replace(/^\f/, "").startsWith(s));
    const nums = (from: number, to: number) =>
      txt.slice(from, to).filter((l) => /^\d+\.\d+$/.test(l.trim())).map(Number);
    // main Table 2: per task block, (metric 1, metric 2) for each of the 8 rows
    const rows2 = [
      "SAMed",
      "SEEM",
      "Painter",
      "PerSAM",
      "Ours",
      "Ours-w/o RL",
      "Ours-w/o SRM",
      "Ours-w/o MSI",
    ];
    const t2 = at("SAMed [59]");
    const pairs = [["blur:miou", "blur:fbeta_w"], ["shadow:miou", "shadow:ber"], [
      "glass:miou",
      "glass:fbeta_w",
    ], [
      "saliency:ephi",
      "saliency:mae",
    ]];
    const want2 = pairs.flatMap(([a, b]) =>
      rows2.flatMap((r) => [a, b].map((c) => paperNumber("main-2", r, c)!.value))
    );
    assert.deepEqual(nums(t2, at("Table 2.", t2)), want2);
    // main Table 3: columns over the 6 methods, then columns over the two ablation rows
    const t3 = at("MSA [51]", t2);
    const cols3 = ["voc:miou", ...VOC10.map((c) => `voc-${c}:iou`)];
    assert.deepEqual(nums(t3, at("Table 3.", t3)), [
      ...columnMajor("main-3", ["MSA", "SAMed", "SEEM", "Painter", "PerSAM", "Ours"], cols3),
      ...columnMajor("main-3", ["Ours-w/o RL", "Ours-w/o SRM"], cols3),
    ]);
    const t4 = at("Implicit Branch", t3);
    assert.deepEqual(
      nums(t4, at("Table 4.", t4)),
      columnMajor("main-4", ["Implicit Branch", "Explicit Branch"], [
        "blur:miou",
        "shadow:miou",
        "glass:miou",
        "saliency:ephi",
        "voc:miou",
      ]),
    );
    const t5 = at("Table 4.", t4);
    assert.deepEqual(
      nums(t5, at("Table 5.", t5)),
      [1, 5, 10, 15, 20].flatMap((T) =>
        VOC4.map((c) => paperNumber("main-5", "Ours", `voc-${c}:iou@T=${T}`)!.value)
      ),
    );
    // supplementary: tab-separated rows
    const supp = (await Deno.readTextFile(`${SHARED}paper/alignsam-supplementary.md`)).split("\n");
    const line = (s: string) =>
      supp.find((l) => l.startsWith(s))!.split("\t").slice(1).filter((x) => x.trim()).map(Number);
    const mine = (table: string, row: string) =>
      PAPER_NUMBERS.filter((p) => p.table === table && p.row === row).map((p) => p.value);
    for (
      const [table, row, prefix] of [
        ["supp-3", "RL+SCLIP", "RL+SCLIP\t"],
        ["supp-3", "RL+LAST", "RL+LAST\t"],
        ["supp-3", "RL only", "RL only\t"],
        ["supp-3", "RL+SRM(Ours)", "RL+SRM(Ours)\t"],
        ["supp-4", "Ours-w/o RL", "Ours-w/o RL\t"],
        ["supp-4", "Ours", "Ours\t68.47"],
        ["supp-5", "PerSAM", "PerSAM [8]\t"],
        ["supp-5", "Ours", "Ours\t68.89"],
      ]
    ) assert.deepEqual(line(prefix), mine(table, row), `${table} ${row}`);
  },
});

Deno.test("supp. Fig. 2: a point averages only the full-data agents of one branch, not the few-shot ones at the same T, E", async () => {
  const input = await syntheticReportInput([0, 1]);
  // the synthetic run has, at blur T=5 E=2, two full-data seeds and two agents trained on 5 images
  assert.equal(
    input.evals.filter((e) =>
      e.task === "blur" && e.T === 5 && e.E === 2 && e.policy === "rl" && e.variant === "srm"
    ).length,
    4,
  );
  const fig = suppFigure2(input);
  const values =
    (fig.charts[0].spec.data as { values: { task: string; T: number; E: number; n: number; mean: number }[] })
      .values;
  const point = values.find((v) => v.task === "blur" && v.T === 5 && v.E === 2)!;
  const full = input.evals.filter((e) =>
    e.task === "blur" && e.T === 5 && e.E === 2 && e.policy === "rl" && e.variant === "srm" &&
    e.trainCount === undefined
  );
  assert.equal(point.n, 2);
  assert.ok(Math.abs(point.mean - 100 * (full[0].metrics.miou + full[1].metrics.miou) / 2) < 1e-9);
});

Deno.test("main Table 5: rows are the paper's four classes plus classes this run swept T on", async () => {
  const input = await syntheticReportInput([0]);
  const base = input.evals.find((e) => e.task === "voc-bottle" && e.policy === "rl" && e.variant === "srm")!;
  // dog ran at the main T only; train swept T
  input.evals.push({ ...base, task: "voc-dog" });
  for (const T of [1, 5]) input.evals.push({ ...base, task: "voc-train", T });
  const t5 = mainTable5(input);
  assert.deepEqual(t5.rows, ["bottle", "car", "sheep", "cat", "train"]);
});
