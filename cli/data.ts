/**
 * `deno task data [--fetch] [--data DIR] [--task ID ...]`: per paper dataset and task, where its
 * data is (which root, which layout, which dataset was actually found), how many pairs each split
 * has, or — when missing — the URL, size and checksum `--fetch` would download and where to.
 * Found data is checked without decoding pixels (data/health.ts): empty, truncated, unreadable
 * or size-mismatched files are flagged ✗ and make the command exit 1 (a run would stop on them);
 * an empty split is flagged ⚠ (a run leaves that task out).
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
import { checkPairFiles } from "../data/health.ts";
import { SPLITS } from "../data/adapters/common.ts";
import { DataError } from "../core/errors.ts";

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

const INDENT = `  ${"".padEnd(16)} `;
/** Problem lines shown per task; the rest are counted. */
const SHOWN = 5;

/** One task's lines, with its bad files (✗) and empty splits (⚠) when its data is found. */
async function describeTask(
  t: TaskSpec,
  lastDataset: string,
  seen: Parameters<typeof checkPairFiles>[1],
): Promise<{ line: string; dataset?: string; bad: number; empty: number }> {
  const td = await locateTask(t);
  if (!td) return { line: `  ${t.id.padEnd(16)} missing`, bad: 0, empty: 0 };
  const problems: string[] = [];
  const empty: string[] = [];
  const counts: number[] = [];
  let orphans = 0;
  for (const split of SPLITS) {
    try {
      const list = await listTaskPairs(td, split);
      counts.push(list.pairs.length);
      orphans += list.orphans.length;
      if (list.pairs.length === 0) empty.push(`⚠ ${split} split is empty: a run leaves ${t.id} out`);
      for (const f of await checkPairFiles(list.pairs, seen)) problems.push(`✗ ${f.path}: ${f.problem}`);
    } catch (e) {
      if (!(e instanceof DataError)) throw e;
      counts.push(0);
      problems.push(`✗ ${split}: ${e.message}`);
    }
  }
  const [tr, te] = counts;
  const where = `  ${t.id.padEnd(16)} train ${String(tr).padStart(5)}  test ${String(te).padStart(5)}` +
    (orphans ? `  (${orphans} unpaired files)` : "") +
    `  ${td.layout} layout in ${td.base} (${td.root.source})`;
  // the 20 VOC tasks share one dataset line
  const name = td.dataset === lastDataset ? "" : `\n${INDENT}dataset: ${td.dataset}`;
  const shown = [...empty, ...problems.slice(0, SHOWN)].map((p) => `\n${INDENT}${p}`).join("") +
    (problems.length > SHOWN ? `\n${INDENT}✗ … and ${problems.length - SHOWN} more bad files` : "");
  return { line: where + name + shown, dataset: td.dataset, bad: problems.length, empty: empty.length };
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
  const seen: Parameters<typeof checkPairFiles>[1] = new Map();
  const unhealthy: string[] = [];
  const emptyTasks: string[] = [];
  for (const id of ORDER) {
    const ts = tasks.filter((t) => t.paperDataset === id);
    if (ts.length === 0) continue;
    console.log(`${id} — ${DATASETS[id].name}`);
    let last = "";
    for (const t of ts) {
      const { line, dataset, bad, empty } = await describeTask(t, last, seen);
      console.log(line);
      if (bad) unhealthy.push(t.id);
      if (empty) emptyTasks.push(t.id);
      if (dataset) last = dataset;
      else missing.add(id);
    }
    if (missing.has(id)) console.log(`  to get it: ${describeSource(DATASETS[id])}`);
    console.log("");
  }
  if (emptyTasks.length) console.log(`empty split (⚠ above), left out of a run: ${emptyTasks.join(", ")}`);
  const health = unhealthy.length
    ? `bad files (✗ above) in ${unhealthy.join(", ")}: a run stops on the first one ` +
      `(--set skipBad=true skips bad pairs and lists them)`
    : "";
  if (missing.size === 0 || !values.fetch) {
    if (missing.size) {
      console.log(
        `missing: ${[...missing].join(", ")}; run with --fetch to download into ${resolve(dataCacheDir())}`,
      );
    }
    if (health) console.log(health);
    return health ? 1 : 0;
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
  if (health) console.log(health);
  return failed || health ? 1 : 0;
}

if (import.meta.main) runMain(main);
