/**
 * preprocess: one task's data, read through its adapter, validated, sampled and written as a
 * compact cache entry (DESIGN.md §3).
 *
 * - Training subset: `trainCount` pairs drawn from the training split with a FIXED data seed
 *   (makeRng(DATA_SEED)), not the training seed: the same 50 images (paper §4.1) serve every
 *   method, variant and seed, as supp. §5 compares methods on one shared training subset.
 * - Test subset: the whole test split (testCount 0), else the first testCount pairs by stem.
 * - Images are kept at their original resolution, as the source bytes (the most compact exact
 *   form; decoding them again gives the same pixels); models resize for themselves (embed-cache).
 *   Masks and VOC ignore regions are written as 0/255 PNGs.
 *
 * Entry layout: manifest.json + {train,test}/{images,masks,ignore}/<stem>.*
 */
import { extname, join, relative } from "node:path";
import type { Item, Stage } from "../pipeline/stage.ts";
import type { Preprocessed, Sample } from "../core/records.ts";
import { makeRng } from "../core/rng.ts";
import { DataError } from "../core/errors.ts";
import { encodeGrayPng, readGray, readRgb } from "../core/image_io.ts";
import { expandTasks, getTask } from "../data/tasks.ts";
import { dataRoots, fingerprintTask, listTaskPairs, locateTask, resolveTask } from "../data/root.ts";
import { checkNotEmpty, checkOrphans, type LoadedPair, loadPairs, type Skipped } from "../data/validate.ts";
import type { Pair, Split } from "../data/adapters/common.ts";
import { TASK_CODE } from "./code.ts";

/** The data seed of the training subset, shared by every method (see above). */
export const DATA_SEED = 0;

/** One sample's files in the entry (paths relative to it). */
export interface SampleEntry {
  stem: string;
  imageHash: string;
  width: number;
  height: number;
  image: string;
  mask: string;
  ignore?: string;
}

/** manifest.json of a preprocess entry. */
export interface PreprocessManifest {
  task: string;
  dataset: string;
  layout: "normalised" | "original";
  dataSeed: number;
  /** pairs available before sampling, per split */
  available: Record<Split, number>;
  train: SampleEntry[];
  test: SampleEntry[];
  skipped: Skipped[];
  /** sha256 of every source file read, by data-root-relative path */
  sources: Record<string, string>;
}

const CODE = [
  "stages/preprocess.ts",
  "core/records.ts",
  "data/validate.ts",
  "core/mask_levels.ts",
  "data/root.ts",
  "data/datasets.ts",
  "core/image_io.ts",
  "data/adapters/common.ts",
  "data/adapters/folder.ts",
  "data/adapters/cuhk.ts",
  "data/adapters/sbu.ts",
  "data/adapters/msd.ts",
  "data/adapters/duts.ts",
  "data/adapters/voc.ts",
  "data/adapters/index.ts",
  "core/download.ts", // sha256 of every source file
  "core/file_hash.ts", // the data fingerprint's memoised hashes
  ...TASK_CODE,
] as const;

/** The candidates of one split in the order they are taken. */
function order(pairs: Pair[], split: Split): Pair[] {
  // Adapters return pairs sorted by stem; train order is a seeded shuffle of that.
  return split === "train" ? makeRng(DATA_SEED).shuffle(pairs) : pairs;
}

async function writeSample(
  outDir: string,
  split: Split,
  { sample }: LoadedPair,
  pair: Pair,
): Promise<SampleEntry> {
  const dir = (kind: string) => join(outDir, split, kind);
  const image = join(split, "images", `${sample.stem}${extname(pair.imagePath).toLowerCase()}`);
  await Deno.copyFile(pair.imagePath, join(outDir, image));
  const { width, height } = sample.image;
  const to255 = (m: Uint8Array) => m.map((v) => (v ? 255 : 0));
  const mask = join(split, "masks", `${sample.stem}.png`);
  await Deno.writeFile(join(outDir, mask), await encodeGrayPng(width, height, to255(sample.gt.mask.data)));
  const entry: SampleEntry = { stem: sample.stem, imageHash: sample.imageHash, width, height, image, mask };
  if (sample.gt.ignore) {
    entry.ignore = join(split, "ignore", `${sample.stem}.png`);
    await Deno.mkdir(dir("ignore"), { recursive: true });
    await Deno.writeFile(
      join(outDir, entry.ignore),
      await encodeGrayPng(width, height, to255(sample.gt.ignore)),
    );
  }
  return entry;
}

export const preprocessStage: Stage = {
  name: "preprocess",
  doc: "read one task's data through its adapter, validate it, sample the training subset (data seed 0)",
  code: CODE,
  // `tasks` is not declared: it only fans out items (items() sees every param), and declaring
  // it would re-run every task's entry whenever a task is added to the list.
  params: ["trainCount", "testCount", "skipBad", "rebinarize"],
  items: (params) => expandTasks((params.tasks as string[] | undefined) ?? []).map((t) => ({ task: t.id })),
  inputs: () => [],
  after: [],
  outputs: ["manifest.json"],
  async fingerprint(item: Item) {
    const td = await locateTask(getTask(String(item.task)));
    if (!td) return `absent under ${dataRoots().map((r) => r.path).join(", ")}`;
    return `${td.layout}:${await fingerprintTask(td)}`;
  },
  async run(ctx) {
    const task = getTask(String(ctx.item.task));
    const trainCount = Number(ctx.params.trainCount ?? 50);
    const testCount = Number(ctx.params.testCount ?? 0);
    const opts = { skipBad: Boolean(ctx.params.skipBad), rebinarize: Boolean(ctx.params.rebinarize) };
    const td = await resolveTask(task, { signal: ctx.signal });
    ctx.log(`${task.id}: ${td.dataset} (${td.layout} layout in ${td.base}, ${td.root.source})`);

    const manifest: PreprocessManifest = {
      task: task.id,
      dataset: td.dataset,
      layout: td.layout,
      dataSeed: DATA_SEED,
      available: { train: 0, test: 0 },
      train: [],
      test: [],
      skipped: [],
      sources: {},
    };
    for (const split of ["train", "test"] as const) {
      const where = `${task.id} ${split} (${td.base})`;
      const list = await listTaskPairs(td, split);
      manifest.skipped.push(...checkOrphans(list.orphans, where, opts));
      checkNotEmpty(list, where);
      manifest.available[split] = list.pairs.length;
      const want = split === "train" ? trainCount : testCount;
      if (want > list.pairs.length) {
        ctx.log(`${where}: ${want} wanted, ${list.pairs.length} available: taking all`);
      }
      for (const kind of ["images", "masks"]) {
        await Deno.mkdir(join(ctx.outDir, split, kind), { recursive: true });
      }
      const loaded = await loadPairs(order(list.pairs, split), where, {
        ...opts,
        want,
        keep: false,
        warn: ctx.log,
        onSample: async (lp, pair) =>
          void manifest[split].push(await writeSample(ctx.outDir, split, lp, pair)),
        onProgress: (done, total) => ctx.progress(done, total, `${task.id} ${split}`),
      });
      manifest.skipped.push(...loaded.skipped);
      for (const [path, hash] of Object.entries(loaded.sources)) {
        manifest.sources[relative(td.root.path, path)] = hash;
      }
      manifest[split].sort((a, b) => (a.stem < b.stem ? -1 : a.stem > b.stem ? 1 : 0));
    }
    for (const s of manifest.skipped) ctx.log(`skipped ${s.path}: ${s.reason}`);
    // data-root-relative, like `sources`: the manifest feeds keys, which must not name this machine's folders
    const root = td.root.path;
    manifest.skipped = manifest.skipped.map((s) => ({
      path: relative(root, s.path),
      reason: s.reason.replaceAll(`${root}/`, ""),
    }));
    await Deno.writeTextFile(join(ctx.outDir, "manifest.json"), JSON.stringify(manifest, null, 1) + "\n");
  },
};

/** The manifest of a preprocess entry (cheap; no pixels). */
export async function readPreprocessManifest(dir: string): Promise<PreprocessManifest> {
  const path = join(dir, "manifest.json");
  try {
    return JSON.parse(await Deno.readTextFile(path)) as PreprocessManifest;
  } catch (e) {
    throw new DataError(`cannot read preprocess manifest ${path}: ${(e as Error).message}`, path);
  }
}

/** Decode one sample of an entry (for consumers that stream instead of holding all images). */
export async function readSample(dir: string, e: SampleEntry): Promise<Sample> {
  const image = await readRgb(join(dir, e.image));
  const bin = async (p: string) => (await readGray(join(dir, p))).data.map((v) => (v >= 128 ? 1 : 0));
  const mask = { width: image.width, height: image.height, data: await bin(e.mask) };
  return {
    stem: e.stem,
    imageHash: e.imageHash,
    image,
    gt: e.ignore ? { mask, ignore: await bin(e.ignore) } : { mask },
  };
}

/** Everything in a preprocess entry, decoded. */
export async function readPreprocessed(dir: string): Promise<Preprocessed> {
  const m = await readPreprocessManifest(dir);
  const all = async (es: SampleEntry[]) => {
    const out: Sample[] = [];
    for (const e of es) out.push(await readSample(dir, e));
    return out;
  };
  return {
    task: m.task,
    dataset: m.dataset,
    train: await all(m.train),
    test: await all(m.test),
    skipped: m.skipped,
    sources: m.sources,
  };
}
