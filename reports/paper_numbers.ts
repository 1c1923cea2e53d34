/**
 * The paper's reference numbers, transcribed by hand from ../shared/paper/ (the main paper's
 * text is a PDF extraction that lists a table column after column; each block below was read
 * back against METHOD-NOTES §5 and against the other table that repeats it: main Table 3's
 * "Ours" = supp. Table 3's RL+SRM, main Table 3's w/o SRM = supp. Table 3's "RL only", main
 * Table 5's T = 15 = "Ours"). Values are as printed: percent, except MAE (a fraction).
 *
 * Keys: `table` (report table id), `row` (the paper's row label), `column` (`<task>:<metric>`
 * with our task ids: blur = CUHK, shadow = SBU, glass = MSD, saliency = DUTS, voc = the VOC
 * mean, voc-<class> = one VOC class; main Table 5 uses `voc-<class>:iou@T=<T>`; supp. Table 5
 * `<task>:miou@k=<k>`).
 *
 * Supp. Fig. 2 (T/E sensitivity) and Fig. 1 are pictures without printed numbers: nothing to
 * transcribe.
 */

export type PaperTableId = "supp-3" | "supp-4" | "supp-5" | "main-2" | "main-3" | "main-4" | "main-5";

export interface PaperSource {
  doc: "supplementary" | "main";
  /** the paper's caption number, e.g. "Table 4" */
  table: string;
  /**
   * main: CVF proceedings page (the txt's page footers); supplementary: page inferred from the
   * reference list's back-references (the .md has no page breaks)
   */
  page: string;
  file: string;
}

export interface PaperNumber {
  table: PaperTableId;
  row: string;
  column: string;
  value: number;
  /** "%": as printed (×100); "fraction": MAE */
  unit: "%" | "fraction";
  source: PaperSource;
}

const SUPP = "paper/alignsam-supplementary.md";
const MAIN = "paper/alignsam-cvpr2024.txt";

function src(doc: "supplementary" | "main", table: string, page: string): PaperSource {
  return { doc, table, page, file: doc === "main" ? MAIN : SUPP };
}

/** One printed row: its columns and values in the paper's order. */
function row(
  table: PaperTableId,
  source: PaperSource,
  label: string,
  columns: readonly string[],
  values: readonly number[],
): PaperNumber[] {
  if (columns.length !== values.length) {
    throw new Error(
      `paper_numbers: ${table} row "${label}" has ${values.length} values for ${columns.length} columns`,
    );
  }
  return columns.map((column, i) => ({
    table,
    row: label,
    column,
    value: values[i],
    unit: column.endsWith(":mae") ? "fraction" : "%",
    source,
  }));
}

/** The four VOC classes the supplementary and main Table 5 print. */
export const VOC4 = ["bottle", "car", "sheep", "cat"] as const;
/** The ten VOC classes main Table 3 prints (the paper: "10 randomly selected categories"). */
export const VOC10 = [
  "bottle",
  "car",
  "sheep",
  "cat",
  "chair",
  "dog",
  "person",
  "sofa",
  "cow",
  "horse",
] as const;

// supp. Table 3 (page 2): prompt-label ablation on VOC; mIoU is over all 20 classes.
const S3 = src("supplementary", "Table 3", "2");
const S3_COLS = ["voc:miou", ...VOC4.map((c) => `voc-${c}:iou`)];
const SUPP3 = [
  ...row("supp-3", S3, "RL+SCLIP", S3_COLS, [58.24, 45.64, 62.39, 64.40, 85.20]),
  ...row("supp-3", S3, "RL+LAST", S3_COLS, [24.20, 21.59, 24.40, 33.09, 40.24]),
  ...row("supp-3", S3, "RL only", S3_COLS, [27.73, 19.78, 27.42, 30.33, 39.29]),
  ...row("supp-3", S3, "RL+SRM(Ours)", S3_COLS, [62.09, 48.09, 66.13, 73.12, 85.99]),
];

// supp. Table 4 (page 2): RL policy vs random actions, with the Foreground Rate (supp. Eq. 1).
const S4 = src("supplementary", "Table 4", "2");
const S4_COLS = [
  "blur:miou",
  "blur:fr",
  "shadow:miou",
  "shadow:fr",
  "glass:miou",
  "glass:fr",
  "saliency:ephi",
  "saliency:fr",
  "voc:miou",
  "voc:fr",
];
const SUPP4 = [
  ...row("supp-4", S4, "Ours-w/o RL", S4_COLS, [
    59.75,
    63.80,
    25.62,
    18.30,
    33.41,
    22.80,
    74.19,
    14.60,
    54.06,
    23.20,
  ]),
  ...row("supp-4", S4, "Ours", S4_COLS, [
    68.47,
    70.90,
    30.78,
    24.80,
    45.44,
    43.70,
    78.21,
    32.90,
    62.09,
    36.70,
  ]),
];

// supp. Table 5 (page 3): PerSAM vs Ours with k training (reference) samples; mean IoU everywhere.
const S5 = src("supplementary", "Table 5", "3");
const S5_COLS = ["blur", "glass", "saliency"].flatMap((t) => [`${t}:miou@k=5`, `${t}:miou@k=20`]);
const SUPP5 = [
  ...row("supp-5", S5, "PerSAM", S5_COLS, [53.21, 54.69, 31.03, 29.50, 35.92, 40.50]),
  ...row("supp-5", S5, "Ours", S5_COLS, [68.89, 62.99, 31.19, 38.78, 33.05, 44.82]),
];

// main Table 2 (p. 3211): four tasks; the extraction's arrows are mangled ("mIoU →" is ↑,
// "BER ↑" is ↓). The F column is printed "Fω": the weighted F-measure F^w_β.
const M2 = src("main", "Table 2", "3211");
const M2_COLS = [
  "blur:miou",
  "blur:fbeta_w",
  "shadow:miou",
  "shadow:ber",
  "glass:miou",
  "glass:fbeta_w",
  "saliency:ephi",
  "saliency:mae",
];
const MAIN2 = [
  ...row("main-2", M2, "SAMed", M2_COLS, [55.44, 71.68, 17.24, 42.84, 41.35, 52.67, 76.41, 0.104]),
  ...row("main-2", M2, "SEEM", M2_COLS, [60.84, 67.45, 19.52, 48.01, 32.35, 37.44, 59.88, 0.326]),
  ...row("main-2", M2, "Painter", M2_COLS, [18.61, 27.25, 9.31, 47.89, 8.62, 14.85, 81.06, 0.113]),
  ...row("main-2", M2, "PerSAM", M2_COLS, [55.84, 71.59, 18.68, 49.51, 31.18, 38.00, 64.13, 0.257]),
  ...row("main-2", M2, "Ours", M2_COLS, [68.47, 76.89, 30.78, 34.62, 45.44, 57.28, 78.21, 0.082]),
  ...row("main-2", M2, "Ours-w/o RL", M2_COLS, [59.75, 70.98, 25.62, 37.57, 33.41, 46.91, 74.19, 0.086]),
  ...row("main-2", M2, "Ours-w/o SRM", M2_COLS, [66.89, 73.15, 21.29, 42.72, 31.92, 36.76, 30.52, 0.587]),
  ...row("main-2", M2, "Ours-w/o MSI", M2_COLS, [46.92, 67.02, 18.65, 42.91, 35.86, 47.95, 68.59, 0.134]),
];

// main Table 3 (p. 3211): VOC, mIoU over 20 classes and the IoU of 10 classes.
const M3 = src("main", "Table 3", "3211");
const M3_COLS = ["voc:miou", ...VOC10.map((c) => `voc-${c}:iou`)];
const MAIN3 = [
  ...row("main-3", M3, "MSA", M3_COLS, [
    47.12,
    31.56,
    41.05,
    56.47,
    60.65,
    19.79,
    55.95,
    38.81,
    33.97,
    60.38,
    61.99,
  ]),
  ...row("main-3", M3, "SAMed", M3_COLS, [
    51.42,
    36.13,
    48.72,
    60.59,
    58.46,
    16.22,
    71.48,
    49.08,
    47.65,
    74.33,
    71.72,
  ]),
  ...row("main-3", M3, "SEEM", M3_COLS, [
    52.30,
    36.95,
    44.95,
    63.93,
    84.46,
    19.67,
    66.40,
    63.87,
    47.89,
    73.74,
    74.10,
  ]),
  ...row("main-3", M3, "Painter", M3_COLS, [
    59.27,
    35.33,
    61.93,
    77.29,
    63.16,
    29.90,
    59.82,
    46.40,
    55.58,
    78.71,
    72.82,
  ]),
  ...row("main-3", M3, "PerSAM", M3_COLS, [
    53.02,
    36.03,
    46.94,
    64.42,
    69.39,
    22.28,
    67.25,
    49.07,
    36.84,
    68.79,
    65.56,
  ]),
  ...row("main-3", M3, "Ours", M3_COLS, [
    62.09,
    48.09,
    66.13,
    73.12,
    85.99,
    31.68,
    79.84,
    64.72,
    61.63,
    72.97,
    75.10,
  ]),
  ...row("main-3", M3, "Ours-w/o RL", M3_COLS, [
    54.06,
    41.69,
    56.28,
    69.30,
    80.80,
    26.84,
    69.16,
    50.83,
    48.20,
    62.74,
    72.91,
  ]),
  ...row("main-3", M3, "Ours-w/o SRM", M3_COLS, [
    27.73,
    19.78,
    27.42,
    30.33,
    39.29,
    14.08,
    29.16,
    24.91,
    30.39,
    31.32,
    29.02,
  ]),
];

// main Table 4 (p. 3211): implicit vs explicit branch. "Ours" takes the explicit branch for
// shadow and VOC (30.78, 62.09) and the implicit one elsewhere.
const M4 = src("main", "Table 4", "3211");
const M4_COLS = ["blur:miou", "shadow:miou", "glass:miou", "saliency:ephi", "voc:miou"];
const MAIN4 = [
  ...row("main-4", M4, "Implicit Branch", M4_COLS, [68.47, 19.40, 45.44, 78.21, 46.03]),
  ...row("main-4", M4, "Explicit Branch", M4_COLS, [47.98, 30.78, 25.72, 69.31, 62.09]),
];

// main Table 5 (p. 3211): interaction rounds T, per-class IoU of four VOC classes.
const M5 = src("main", "Table 5", "3211");
export const TABLE5_T = [1, 5, 10, 15, 20] as const;
const M5_VALUES: Record<(typeof VOC4)[number], number[]> = {
  bottle: [32.59, 40.74, 46.42, 48.09, 48.70],
  car: [42.55, 60.15, 65.04, 66.13, 66.54],
  sheep: [54.69, 67.52, 71.16, 73.12, 74.00],
  cat: [74.59, 81.37, 83.86, 85.99, 86.13],
};
const MAIN5 = VOC4.flatMap((c) =>
  row("main-5", M5, "Ours", TABLE5_T.map((t) => `voc-${c}:iou@T=${t}`), M5_VALUES[c])
);

/** Every reference number. */
export const PAPER_NUMBERS: readonly PaperNumber[] = [
  ...SUPP3,
  ...SUPP4,
  ...SUPP5,
  ...MAIN2,
  ...MAIN3,
  ...MAIN4,
  ...MAIN5,
];

const INDEX = new Map(PAPER_NUMBERS.map((p) => [`${p.table}|${p.row}|${p.column}`, p]));

/**
 * The paper's number for one cell, or undefined where the paper prints none.
 * @example paperNumber("supp-4", "Ours", "blur:fr")?.value; // 70.9
 */
export function paperNumber(table: PaperTableId, row: string, column: string): PaperNumber | undefined {
  return INDEX.get(`${table}|${row}|${column}`);
}
