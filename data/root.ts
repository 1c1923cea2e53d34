/**
 * Where a task's data is, in DESIGN.md §6's order: `--data DIR` (the CLI sets ALIGNSAM_DATA),
 * then the data cache `<ALIGNSAM_CACHE or .alignsam>/data`, then a download into the cache (the demo
 * tasks of data/demo are generated there instead).
 * Under each root a task is found in the normalised layout `<task>/{train,test}/{images,masks}`
 * or in its dataset's original archive layout (at the root, in one of the adapter's folders, or
 * one level below those).
 *
 * @example
 * const td = await resolveTask(getTask("glass"));
 * const { pairs, orphans } = await listTaskPairs(td, "test");
 */
import { dirname, join, relative } from "node:path";
import { createHash } from "node:crypto";
import { DataError } from "../core/errors.ts";
import { sha256Memoised } from "../core/file_hash.ts";
import type { PairList, Split } from "./adapters/common.ts";
import { isDir } from "./adapters/common.ts";
import { normalisedDir, normalisedPairs } from "./adapters/folder.ts";
import { ADAPTERS } from "./adapters/index.ts";
import { dataCacheDir, DATASETS, describeSource, fetchDataset } from "./datasets.ts";
import { ensureDemoData } from "./demo/folder.ts";
import type { PaperDataset, TaskSpec } from "./tasks.ts";

export interface DataRoot {
  path: string;
  /** how it was chosen, for messages */
  source: "--data / ALIGNSAM_DATA" | "data cache";
}

/** Roots in lookup order. */
export function dataRoots(): DataRoot[] {
  const roots: DataRoot[] = [];
  const env = Deno.env.get("ALIGNSAM_DATA");
  if (env) roots.push({ path: env, source: "--data / ALIGNSAM_DATA" });
  roots.push({ path: dataCacheDir(), source: "data cache" });
  return roots;
}

/** A task's data, found. */
export interface TaskData {
  task: TaskSpec;
  root: DataRoot;
  layout: "normalised" | "original";
  /** the folder holding the layout: `<root>/<task>` or the unpacked archive's folder */
  base: string;
  /** the dataset actually read, e.g. "GDD - … (substitute for MSD)" */
  dataset: string;
  /** folders the cheap fingerprint walks */
  watched: string[];
}

/** How the paper datasets are named in MANIFEST.json: anything else is a substitute. */
const PAPER_NAME: Record<PaperDataset, RegExp> = {
  CUHK: /CUHK/,
  SBU: /\bSBU\b/,
  MSD: /\bMSD\b/,
  DUTS: /\bDUTS\b/,
  VOC2012: /VOC 2012/,
  DEMO: /synthetic demo/,
};

interface ManifestFile {
  task: string;
  dataset: string;
}
const manifests = new Map<string, ManifestFile[] | null>();

async function manifestOf(root: string): Promise<ManifestFile[] | null> {
  if (!manifests.has(root)) {
    try {
      const m = JSON.parse(await Deno.readTextFile(join(root, "MANIFEST.json")));
      manifests.set(root, Array.isArray(m.files) ? m.files : null);
    } catch {
      manifests.set(root, null);
    }
  }
  return manifests.get(root)!;
}

/**
 * The dataset a normalised task folder holds: MANIFEST.json's `dataset` when the root has one
 * (flagged as a substitute when it is not the paper's dataset), else the adapter's dataset.
 */
export async function datasetName(root: string, task: TaskSpec): Promise<string> {
  const entry = (await manifestOf(root))?.find((f) => f.task === task.id);
  if (!entry) return ADAPTERS[task.adapter].dataset;
  return PAPER_NAME[task.paperDataset].test(entry.dataset)
    ? entry.dataset
    : `${entry.dataset} (substitute for ${task.paperDataset})`;
}

/** Candidate folders for an original layout under one root. */
async function candidateBases(root: string, dirs: readonly string[]): Promise<string[]> {
  const out = [root];
  for (const d of dirs) {
    const dir = join(root, d);
    if (!(await isDir(dir))) continue;
    out.push(dir);
    for await (const e of Deno.readDir(dir)) {
      if (e.isDirectory && !e.name.startsWith(".")) out.push(join(dir, e.name));
    }
  }
  return out;
}

/** Find a task under one root without downloading; null when absent. */
export async function findTaskIn(root: DataRoot, task: TaskSpec): Promise<TaskData | null> {
  if (!(await isDir(root.path))) return null;
  const norm = normalisedDir(root.path, task);
  if (await isDir(norm)) {
    return {
      task,
      root,
      layout: "normalised",
      base: norm,
      dataset: await datasetName(root.path, task),
      watched: [norm],
    };
  }
  const adapter = ADAPTERS[task.adapter];
  for (const base of await candidateBases(root.path, adapter.dirs)) {
    if (await adapter.detect(base)) {
      return {
        task,
        root,
        layout: "original",
        base,
        dataset: adapter.dataset,
        watched: adapter.watched(base, task),
      };
    }
  }
  return null;
}

/** Find a task under the roots, in order, without downloading. */
export async function locateTask(task: TaskSpec): Promise<TaskData | null> {
  for (const root of dataRoots()) {
    const found = await findTaskIn(root, task);
    if (found) return found;
  }
  return null;
}

/**
 * Find a task, downloading and unpacking its dataset into the cache when no root has it
 * (`download: false` or env ALIGNSAM_OFFLINE=1 to only look). Offline or no public link → DataError saying what to place where.
 */
export async function resolveTask(
  task: TaskSpec,
  opts: { download?: boolean; signal?: AbortSignal } = {},
): Promise<TaskData> {
  const found = await locateTask(task);
  if (found) return found;
  if (task.adapter === "demo") {
    // generated, not downloaded: always allowed, also offline
    await ensureDemoData(dataCacheDir());
    const made = await findTaskIn(dataRoots().at(-1)!, task);
    if (made) return made;
  }
  const ds = DATASETS[task.paperDataset];
  const looked = dataRoots().map((r) => `${r.path} (${r.source})`).join(", ");
  const missing = `no data for task '${task.id}' (${ds.name}) under ${looked}`;
  const offline = opts.download === false || Deno.env.get("ALIGNSAM_OFFLINE") === "1";
  if (offline || ds.files.length === 0) {
    throw new DataError(
      `${missing}. To get it: ${describeSource(ds)}; or place the normalised layout ` +
        `${task.id}/{train,test}/{images,masks} under a folder given with --data DIR.`,
    );
  }
  try {
    await fetchDataset(ds, { signal: opts.signal });
  } catch (e) {
    if (e instanceof DataError) e.message = `${missing}; the download failed: ${e.message}`;
    throw e;
  }
  const root = dataRoots().at(-1)!;
  const after = await findTaskIn(root, task);
  if (!after) {
    throw new DataError(
      `${missing}: ${ds.name} was downloaded into ${join(root.path, ds.dir)} but its layout was not ` +
        `recognised; ${ds.manual.replaceAll("<data>", root.path)}`,
    );
  }
  return after;
}

/** Pairs of one split of a located task (orphans listed, not yet judged). */
export async function listTaskPairs(td: TaskData, split: Split): Promise<PairList> {
  const list = td.layout === "normalised"
    ? await normalisedPairs(td.root.path, td.task, split)
    : await ADAPTERS[td.task.adapter].original(td.base, td.task, split);
  // A missing split folder is an empty split: the caller's empty-split check names it.
  return list ?? { pairs: [], orphans: [] };
}

/**
 * The memo of data files' sha256 (core/file_hash.ts): `<ALIGNSAM_CACHE or .alignsam>/data-hashes.json`,
 * beside the data cache, not in it: the data cache is a data root, and a task found there in the
 * folder layout watches the whole root.
 */
export function dataHashMemo(): string {
  return join(dirname(dataCacheDir()), "data-hashes.json");
}

/**
 * Fingerprint of a task's data: the path (relative to the task's folder) and the sha256 of the
 * content of every file under the watched folders, never mtimes or absolute paths, so two copies
 * of the data (cp, rsync, an unpacked archive, another machine) give the same preprocess keys
 * (issue 13 point 3). Cheap after the first call (`status` calls it for every item): each file's
 * hash is memoised by path, size and mtime in dataHashMemo().
 */
export async function fingerprintTask(td: TaskData): Promise<string> {
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await Array.fromAsync(Deno.readDir(dir));
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory) await walk(p);
      else if (e.isFile) files.push(p);
    }
  };
  for (const dir of td.watched) if (await isDir(dir)) await walk(dir);
  const hashes = await sha256Memoised(files, dataHashMemo());
  const h = createHash("sha256");
  h.update(`${td.layout}\0${td.dataset}\0`);
  files.forEach((p, i) => h.update(`${relative(td.base, p)}\0${hashes[i]}\n`));
  return h.digest("hex");
}
