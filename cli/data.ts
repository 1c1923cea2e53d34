/**
 * `deno task data [--fetch] [--data DIR] [--task ID ...]`: per paper dataset and task, where its
 * data is (which root, which layout, which dataset was actually found), how many pairs each split
 * has, or — when missing — the URL, size and checksum `--fetch` would download and where to.
 *
 * @example
 * deno task data --data ../shared/data     # what is here
 * deno task data --fetch --task shadow     # download + unpack SBU into the data cache
 */
import { resolve } from "node:path";
import { helpText, parseFlags, runMain } from "./args.ts";
import { expandTasks, type PaperDataset, TASKS, type TaskSpec } from "../data/tasks.ts";
import { dataCacheDir, DATASETS, describeSource, fetchDataset } from "../data/datasets.ts";
import { dataRoots, listTaskPairs, locateTask } from "../data/root.ts";

const FLAGS = {
  fetch: {
    type: "boolean",
    multiple: false,
    doc: "download and unpack the missing datasets into the data cache",
  },
  data: {
    type: "string",
    multiple: false,
    doc: "data root (normalised <task>/{train,test}/{images,masks} or archives)",
    default: "$ALIGNSAM_DATA",
  },
  task: {
    type: "string",
    multiple: true,
    doc: "only these tasks (repeatable; 'voc' = the 20 classes)",
    default: "all",
  },
} as const;

/** Paper order (Table 1). */
const ORDER: PaperDataset[] = ["CUHK", "SBU", "MSD", "DUTS", "VOC2012"];

async function describeTask(t: TaskSpec, lastDataset: string): Promise<{ line: string; dataset?: string }> {
  const td = await locateTask(t);
  if (!td) return { line: `  ${t.id.padEnd(16)} missing` };
  const [tr, te] = [await listTaskPairs(td, "train"), await listTaskPairs(td, "test")];
  const orphans = tr.orphans.length + te.orphans.length;
  const counts = `train ${String(tr.pairs.length).padStart(5)}  test ${String(te.pairs.length).padStart(5)}` +
    (orphans ? `  (${orphans} unpaired files)` : "");
  const where = `  ${t.id.padEnd(16)} ${counts}  ${td.layout} layout in ${td.base} (${td.root.source})`;
  // the 20 VOC tasks share one dataset line
  const name = td.dataset === lastDataset ? "" : `\n  ${"".padEnd(16)} dataset: ${td.dataset}`;
  return { line: where + name, dataset: td.dataset };
}

async function main(): Promise<number> {
  const { values } = parseFlags("data", Deno.args, FLAGS);
  if (values.help) {
    console.log(
      helpText(
        "data",
        "List the datasets: where each task's data is, pair counts, what --fetch downloads.",
        FLAGS,
      ),
    );
    return 0;
  }
  if (typeof values.data === "string") Deno.env.set("ALIGNSAM_DATA", values.data);
  const tasks = values.task ? expandTasks(values.task as string[]) : [...TASKS];
  console.log(
    `data roots (in lookup order): ${
      dataRoots().map((r) => `${resolve(r.path)} (${r.source})`).join(", ")
    }\n`,
  );

  const missing = new Set<PaperDataset>();
  for (const id of ORDER) {
    const ts = tasks.filter((t) => t.paperDataset === id);
    if (ts.length === 0) continue;
    console.log(`${id} — ${DATASETS[id].name}`);
    let last = "";
    for (const t of ts) {
      const { line, dataset } = await describeTask(t, last);
      console.log(line);
      if (dataset) last = dataset;
      else missing.add(id);
    }
    if (missing.has(id)) console.log(`  to get it: ${describeSource(DATASETS[id])}`);
    console.log("");
  }
  if (missing.size === 0) return 0;
  if (!values.fetch) {
    console.log(
      `missing: ${[...missing].join(", ")}; run with --fetch to download into ${resolve(dataCacheDir())}`,
    );
    return 0;
  }
  let failed = 0;
  for (const id of missing) {
    try {
      const dir = await fetchDataset(DATASETS[id]);
      console.log(`${id}: unpacked into ${dir}`);
    } catch (e) {
      failed++;
      console.error(`${id}: ${(e as Error).message}`);
    }
  }
  return failed ? 1 : 0;
}

if (import.meta.main) runMain(main);
