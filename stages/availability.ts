/**
 * Before a run (issue 16): which of the run's tasks have data here, which model files are
 * missing, and whether anything can run at all, decided before a single item is built.
 * - A task without data is left out with its reason, which the report shows in every table that
 *   would have had it; the other tasks still run. Missing datasets are summarised once: one line
 *   per dataset, not per task.
 * - Nothing is downloaded unless asked (`--fetch`): the lines say what would be fetched, with
 *   sizes, and the command that fetches it. The demo tasks (data/demo) are generated, never fetched.
 * - A run with nothing to build on stops with a UsageError (exit 2) before anything runs, and the
 *   previous report stays. Its last line names what to fix first: data before weights.
 */
import type { Params } from "../pipeline/stage.ts";
import { UsageError } from "../core/errors.ts";
import { getTask, type PaperDataset } from "../data/tasks.ts";
import { DATASETS, type DatasetSource } from "../data/datasets.ts";
import { dataRoots, listTaskPairs, locateTask, resolveTask } from "../data/root.ts";
import { findModelFile, fmtBytes, type ModelFileRef } from "../kernels/models/resolve.ts";
import { FAMILIES, STANDIN_BACKBONE, STANDIN_NAME } from "../kernels/sam/registry.ts";
import { CLIP_TEMPLATES_FILE, CLIP_VIT_B16_FILE, CLIP_VOCAB_FILE } from "../kernels/clip/files.ts";
import { runTasks } from "./studies.ts";

export interface Unavailable {
  task: string;
  dataset: PaperDataset;
  /** true: no data at all here (as opposed to data found but unusable, e.g. an empty split) */
  absent: boolean;
  /** one short line for the report's cells */
  reason: string;
  /** the full message: what is wrong where */
  detail: string;
}

/** Split the run's tasks into those with data and those without (with the reason). */
export async function checkTasks(
  params: Params,
  opts: { download: boolean },
): Promise<{ available: string[]; unavailable: Unavailable[] }> {
  const available: string[] = [];
  const unavailable: Unavailable[] = [];
  for (const id of runTasks(params)) {
    const task = getTask(id);
    const absent = {
      task: id,
      dataset: task.paperDataset,
      absent: true,
      reason: `no ${task.paperDataset} data found here (see \`deno task data\`)`,
    };
    // Only look, unless asked to download; demo tasks are generated either way.
    if (!opts.download && task.adapter !== "demo" && !(await locateTask(task))) {
      unavailable.push({ ...absent, detail: absent.reason });
      continue;
    }
    try {
      const td = await resolveTask(task, { download: opts.download });
      const empty: string[] = [];
      for (const split of ["train", "test"] as const) {
        if ((await listTaskPairs(td, split)).pairs.length === 0) empty.push(split);
      }
      if (empty.length) {
        const reason = `empty ${empty.join(" and ")} split`;
        unavailable.push({ ...absent, absent: false, reason, detail: `${reason} in ${td.base}` });
      } else available.push(id);
    } catch (e) {
      unavailable.push({ ...absent, detail: (e as Error).message });
    }
  }
  return { available, unavailable };
}

/** "2.00 GB", "~286 MB", "2 files of unknown size": what `data --fetch` would download. */
function downloadSize(ds: DatasetSource): string {
  const known = ds.files.map((f) => f.size ?? f.approxBytes).filter((b): b is number => b !== undefined);
  const unknown = ds.files.length - known.length;
  const sum = known.length
    ? `${ds.files.some((f) => !f.size) ? "~" : ""}${fmtBytes(known.reduce((a, b) => a + b))}`
    : "";
  const rest = unknown ? `${unknown} file${unknown > 1 ? "s" : ""} of unknown size` : "";
  return [sum, rest].filter(Boolean).join(" + ");
}

/** "blur", "voc-aeroplane, voc-bird", "20 tasks: voc-aeroplane … voc-tvmonitor". */
function taskList(ids: string[]): string {
  return ids.length <= 3 ? ids.join(", ") : `${ids.length} tasks: ${ids[0]} … ${ids.at(-1)}`;
}

/**
 * One line per dataset with no data here (what `deno task data --fetch` would download, with
 * sizes, or how to get it by hand), then one line per task whose data is there but unusable.
 */
export function missingDataLines(unavailable: Unavailable[]): string[] {
  const byDataset = new Map<PaperDataset, string[]>();
  for (const u of unavailable.filter((u) => u.absent)) {
    byDataset.set(u.dataset, [...(byDataset.get(u.dataset) ?? []), u.task]);
  }
  const lines = [...byDataset].map(([id, tasks]) => {
    const ds = DATASETS[id];
    // an attempt that failed (a download with --fetch, the demo generator) says why, shortened
    const attempted = ds.files.length > 0 || id === "DEMO";
    const failed = attempted
      ? unavailable.find((u) => u.dataset === id && u.absent && u.detail !== u.reason)?.detail
      : undefined;
    const why = failed?.split("the download failed: ").at(-1)?.split("\n")[0];
    const get = why
      ? `getting it failed: ${why.length > 160 ? `${why.slice(0, 159)}…` : why}`
      : ds.files.length
      ? `\`deno task data --fetch\` downloads ${downloadSize(ds)}`
      : ds.howToGet ?? ds.manual;
    return `no ${id} data here (${taskList(tasks)}): ${get}`;
  });
  return [...lines, ...unavailable.filter((u) => !u.absent).map((u) => `${u.task}: ${u.detail}`)];
}

/** Model files a run needs and does not have, per model, with the fix. */
export interface WeightGap {
  what: string;
  files: ModelFileRef[];
  fix: string;
}

/** The segmenter's and CLIP's files that are missing here (found where the stages look, no download). */
export async function missingWeights(params: Params): Promise<WeightGap[]> {
  const gaps: WeightGap[] = [];
  const missing = async (files: ModelFileRef[]) => {
    const found = await Promise.all(files.map((f) => findModelFile(f)));
    return files.filter((_, i) => !found[i]);
  };
  const fam = FAMILIES[String(params.segmenter)];
  if (fam) {
    const files = await missing([fam.encoder, fam.decoder]);
    const fix = `add --fetch (or run \`deno task models --fetch\`), or use --segmenter weight-free`;
    if (files.length) gaps.push({ what: `segmenter ${params.segmenter}`, files, fix });
  }
  if (params.segmenter === STANDIN_NAME) {
    const files = await missing([STANDIN_BACKBONE]);
    const fix =
      `add --fetch (or run \`deno task models --fetch --segmenter standin\`), or use --segmenter offline`;
    if (files.length) gaps.push({ what: `segmenter ${params.segmenter}`, files, fix });
  }
  if (params.clip !== undefined && params.clip !== "none") {
    const files = await missing([CLIP_VIT_B16_FILE, CLIP_VOCAB_FILE, CLIP_TEMPLATES_FILE]);
    const fix = `\`deno task models\` lists them and where they go (--models DIR), or use --set clip=none`;
    if (files.length) gaps.push({ what: `CLIP ${params.clip}`, files, fix });
  }
  return gaps;
}

/** "segmenter mobilesam: 2 model file(s) missing (44.7 MB)", with the fix unless it is said elsewhere. */
function weightLine(g: WeightGap, withFix = true): string {
  const known = g.files.filter((f) => f.bytes !== undefined).reduce((a, f) => a + f.bytes!, 0);
  const unknown = g.files.filter((f) => f.bytes === undefined).length;
  const size = [known ? fmtBytes(known) : "", unknown ? `${unknown} of unknown size` : ""].filter(Boolean);
  const line = `${g.what}: ${g.files.length} model file(s) missing (${size.join(" + ")})`;
  return withFix ? `${line}: ${g.fix}` : line;
}

export interface PrepareOptions {
  profile: string;
  /** download missing datasets now (and let the stages download weights): `--fetch` */
  fetch: boolean;
  /** a run that cannot build anything stops (reproduce, run, report); false for status */
  strict: boolean;
}

const say = (line: string) => console.error(`[alignsam] ${line}`);

/** Before a run: leave out the tasks with no data here, and say why; stop when nothing can run. */
export async function prepareRun(params: Params, opts: PrepareOptions): Promise<Params> {
  if (runTasks(params).length === 0) {
    throw new UsageError("tasks is empty: name at least one task (e.g. --set tasks=demo)");
  }
  if (Array.isArray(params.seeds) && params.seeds.length === 0) {
    throw new UsageError("seeds is empty: name at least one training seed (e.g. --set seeds=0)");
  }
  const { available, unavailable } = await checkTasks(params, { download: opts.fetch });
  const dataLines = missingDataLines(unavailable);
  // with --fetch the stages download the weights they need
  const gaps = opts.fetch ? [] : await missingWeights(params);
  const stop = (problem: string, lines: string[], fix: string): never => {
    throw new UsageError([problem, ...lines.map((l) => `  ${l}`), `to fix: ${fix}`].join("\n"));
  };
  if (available.length === 0 && opts.strict) {
    const looked = dataRoots().map((r) => `${r.path} (${r.source})`).join(", ");
    const demo = opts.profile === "smoke"
      ? ""
      : "; or try --profile smoke (synthetic demo tasks, no download)";
    stop(
      `none of the ${unavailable.length} task(s) of profile ${opts.profile} has data under ${looked}; ` +
        `nothing was built and the last report is left as it was`,
      [...dataLines, ...gaps.map((g) => weightLine(g))],
      `pass --data DIR (a folder of <task>/{train,test}/{images,masks}) or run \`deno task data --fetch\`${demo}`,
    );
  }
  for (const l of dataLines) say(`leaving out: ${l}`);
  if (gaps.length && opts.strict) {
    stop(
      "model weights are missing; nothing was built and nothing was downloaded",
      gaps.map((g) => weightLine(g, false)),
      gaps.length === 1 ? gaps[0].fix : gaps.map((g) => `${g.what}: ${g.fix}`).join("; "),
    );
  }
  for (const g of gaps) say(weightLine(g));
  const keep = new Set(available);
  const sweepTasks = ((params.sweepTasks as string[] | undefined) ?? []).filter((t) => keep.has(t));
  return {
    runProfile: opts.profile,
    tasks: available,
    sweepTasks,
    skippedTasks: unavailable.map((u) => `${u.task}: ${u.reason}`),
  };
}
