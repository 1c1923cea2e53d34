/**
 * report: gathers every study, PerSAM run, training curve and trace of the run into the
 * report's typed input (reports/data.ts) and publishes the self-contained report.html with a
 * CSV per table and an SVG per chart beside it (issue 8; reports/publish.ts).
 */
import { createHash } from "node:crypto";
import type { InputRef, Item, Params, Stage } from "../pipeline/stage.ts";
import { itemLabel } from "../pipeline/items.ts";
import type { ReportInput, TraceInput } from "../reports/data.ts";
import { evalRowOf, traceInputOf } from "../reports/from_stages.ts";
import { sharedSegmenter } from "../kernels/sam/factory.ts";
import { TASKS } from "../data/tasks.ts";
import { readPreprocessManifest } from "./preprocess.ts";
import { readTrainSummary, trainItems } from "./train_agent.ts";
import { readEvalSummary, trainItemOf } from "./evaluate.ts";
import { readPersamSummary } from "./persam.ts";
import { readStudyRows } from "./aggregate.ts";
import { SEGMENTER_CODE } from "./code.ts";
import { evalItem, runTasks, type Study, STUDY_PARAMS, studyItems, studyTasks } from "./studies.ts";

const STUDIES: Study[] = ["baselines", "ablate", "sweep"];
const TABLES = [
  "supp-3",
  "supp-4",
  "supp-5",
  "main-2",
  "main-3",
  "main-4",
  "main-5",
  "supp-fig-1",
  "supp-fig-2",
];
const nums = (v: unknown): number[] => (Array.isArray(v) ? v.map(Number) : []);

/** The traced evaluate items: ours and random selection on the first seed (supp. Fig. 1). */
function traceItems(params: Params): Item[] {
  const seed = nums(params.seeds)[0] ?? 0;
  return runTasks(params).flatMap((task) => [
    evalItem(task, seed, params, { policy: "rl" }),
    evalItem(task, seed, params, { policy: "random" }),
  ]);
}

function reportInputs(params: Params): InputRef[] {
  const tasks = runTasks(params);
  const refs: InputRef[] = tasks.map((task) => ({ stage: "preprocess", item: { task } }));
  for (const study of STUDIES) {
    for (const task of studyTasks(study, params)) refs.push({ stage: study, item: { task } });
  }
  // Every train item the studies' evaluate items read (sweeps and few-shot runs included), for
  // the wall-time table; the training curves come from the run's own train items.
  const trains = new Map<string, Item>(trainItems(params).map((i) => [itemLabel(i), i]));
  // Every evaluate item of the studies, so that the wall-time table covers them (traces are
  // read from the traceItems only).
  const evals = new Map<string, Item>();
  for (const item of traceItems(params)) evals.set(itemLabel(item), item);
  for (const study of STUDIES) {
    for (const task of tasks) {
      for (const item of studyItems(study, task, params).items) evals.set(itemLabel(item), item);
    }
  }
  for (const item of evals.values()) {
    const train = trainItemOf(item);
    trains.set(itemLabel(train), train);
  }
  for (const item of trains.values()) refs.push({ stage: "train-agent", item });
  for (const item of evals.values()) refs.push({ stage: "evaluate", item });
  for (const task of tasks) {
    for (const shots of nums(params.persamShots)) {
      for (const seed of nums(params.seeds)) refs.push({ stage: "persam", item: { task, shots, seed } });
    }
  }
  return refs;
}

export const reportStage: Stage = {
  name: "report",
  doc: "the self-contained HTML report: supp. Tables 3–5, Figs. 1–2, main Tables 2–5 beside the paper",
  code: ["stages/report.ts", "stages/studies.ts", "reports", ...SEGMENTER_CODE], // the segmenter's label
  // its inputs are the studies' item lists (STUDY_PARAMS), plus what the header and tables show
  params: [
    ...new Set([
      ...Object.values(STUDY_PARAMS).flat(),
      "runProfile",
      "tasks",
      "segmenter",
      "testCount",
      "K",
      "skippedTasks",
    ]),
  ],
  items: () => [{}],
  inputs: (_item, params) => reportInputs(params),
  after: ["preprocess", "train-agent", "evaluate", "baselines", "ablate", "sweep", "persam"],
  outputs: ["report.html"],
  async run(ctx) {
    const p = ctx.params;
    const seg = await sharedSegmenter(String(p.segmenter));
    const input: ReportInput = {
      run: {
        profile: String(p.runProfile),
        segmenter: { id: seg.id, label: seg.label, isSam: seg.isSam },
        clip: p.clip === "none" ? null : String(p.clip),
        datasets: {},
        dataHashes: {},
        branches: Object.fromEntries(TASKS.map((t) => [t.id, t.branch])),
        metrics: Object.fromEntries(TASKS.map((t) => [t.id, t.metrics])),
        trainImages: {},
        config: { ...p },
        // no command, time or wall times here: they are added where the entry is published
        // (cli/publish.ts), so that this entry is the same wherever and whenever it is built
      },
      evals: [],
      persam: [],
      training: [],
      traces: [],
      missing: [],
      skipped: [],
    };
    const sizes = new Map<string, Map<string, { width: number; height: number }>>();
    const traced = new Set(traceItems(p).map(itemLabel));
    const curves = new Set(trainItems(p).map(itemLabel));
    for (const [i, { ref, dir }] of ctx.inputs.entries()) {
      ctx.progress(i, ctx.inputs.length, "gathering results");
      const task = String(ref.item.task);
      if (ref.stage === "preprocess") {
        const m = await readPreprocessManifest(dir);
        input.run.datasets[task] = m.dataset;
        input.run.dataHashes[task] = createHash("sha256").update(JSON.stringify(m.sources)).digest("hex");
        input.run.trainImages![task] = m.train.length;
        input.skipped.push(...m.skipped.map((s) => ({ task, path: s.path, reason: s.reason })));
        sizes.set(task, new Map(m.test.map((e) => [e.stem, { width: e.width, height: e.height }])));
      } else if (ref.stage === "train-agent") {
        if (curves.has(itemLabel(ref.item))) input.training.push(await readTrainSummary(dir));
      } else if (ref.stage === "persam") {
        input.persam.push(await readPersamSummary(dir));
      } else if (ref.stage === "evaluate") {
        if (!traced.has(itemLabel(ref.item))) continue;
        const s = await readEvalSummary(dir);
        for (const tr of s.traces) {
          const original = sizes.get(task)?.get(tr.stem);
          const t: TraceInput = await traceInputOf(tr, dir, {
            task,
            policy: s.policy,
            seed: s.seed,
            original,
          });
          input.traces.push(t);
        }
      } else {
        const rows = await readStudyRows(dir);
        input.evals.push(...rows.rows.map((r) => evalRowOf({ ...r, images: [], traces: [] })));
        input.missing.push(...rows.missing);
      }
    }
    for (const line of (p.skippedTasks as string[] | undefined) ?? []) {
      const [task, ...why] = line.split(": ");
      for (const table of TABLES) {
        input.missing.push({ table, cell: task, reason: `no data: ${why.join(": ")}` });
      }
    }
    input.evals = dedupeRows(input.evals);
    // imported here, not at the top: vega and vega-lite take about 1 s to load, and every SLURM
    // job (one item of any stage) loads this module through stages/mod.ts
    const { publishReport } = await import("../reports/publish.ts");
    await publishReport(input, ctx.outDir);
  },
};

/** Study tables share evaluate items (ours appears in several): keep one row per item. */
function dedupeRows(rows: ReportInput["evals"]): ReportInput["evals"] {
  const seen = new Set<string>();
  return rows.filter((r) => {
    const k = [r.task, r.policy, r.variant, r.branch, r.seed, r.T, r.E, r.shots ?? ""].join("|");
    return seen.has(k) ? false : (seen.add(k), true);
  });
}
