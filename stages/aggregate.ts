/**
 * The study stages `baselines`, `ablate` and `sweep` (DESIGN.md §3): each gathers, per task, the
 * evaluate items its tables need (stages/studies.ts) into one small `rows.json` — the metrics
 * without per-image detail — plus the cells it cannot fill and why.
 */
import { join } from "node:path";
import type { Item, Params, Stage } from "../pipeline/stage.ts";
import type { EvalSummary } from "../core/records.ts";
import { readEvalSummary } from "./evaluate.ts";
import { TASK_CODE } from "./code.ts";
import { type MissingCell, type Study, STUDY_PARAMS, studyItems, studyTasks } from "./studies.ts";

/** One evaluate item's result, as the report's tables read it. */
export type EvalRow = Omit<EvalSummary, "images" | "traces"> & { shots?: number };

export interface StudyRows {
  study: Study;
  task: string;
  rows: EvalRow[];
  missing: MissingCell[];
}

function makeStudyStage(study: Study, doc: string): Stage {
  return {
    name: study,
    doc,
    code: ["stages/aggregate.ts", "stages/studies.ts", ...TASK_CODE],
    // a change to what the item lists depend on re-aggregates (cheaply)
    params: STUDY_PARAMS[study],
    items: (p) => studyTasks(study, p).map((task) => ({ task })),
    inputs: (item: Item, p: Params) =>
      studyItems(study, String(item.task), p).items.map((i) => ({ stage: "evaluate", item: i })),
    after: ["evaluate"],
    outputs: ["rows.json"],
    async run(ctx) {
      const task = String(ctx.item.task);
      const rows: EvalRow[] = [];
      for (const { ref, dir } of ctx.inputs) {
        const { images: _i, traces: _t, ...row } = await readEvalSummary(dir);
        rows.push(ref.item.shots === undefined ? row : { ...row, shots: Number(ref.item.shots) });
      }
      // The item list is a function of all params; recompute the missing cells the same way.
      const out: StudyRows = { study, task, rows, missing: studyItems(study, task, ctx.params).missing };
      await Deno.writeTextFile(join(ctx.outDir, "rows.json"), JSON.stringify(out) + "\n");
    },
  };
}

export const baselinesStage = makeStudyStage(
  "baselines",
  "w/o RL (random cells), w/o SRM, w/o MSI beside ours (supp. Table 4, main Table 2)",
);
export const ablateStage = makeStudyStage(
  "ablate",
  "labelling variants RL+SRM/SCLIP/LAST/only and implicit vs explicit (supp. Table 3, main Table 4)",
);
export const sweepStage = makeStudyStage(
  "sweep",
  "T and E sensitivity (supp. Fig. 2, main Table 5) and k training images (supp. Table 5)",
);

/** rows.json of a study entry. */
export async function readStudyRows(dir: string): Promise<StudyRows> {
  return JSON.parse(await Deno.readTextFile(join(dir, "rows.json"))) as StudyRows;
}
