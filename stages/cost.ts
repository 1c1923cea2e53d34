/**
 * `deno task plan`'s cost model for alignsam's stages (pipeline/cost.ts): an item's work units,
 * each stage's built-in cost (start-up + per unit) and the cost class (the segmenter) that keys
 * measured costs. Measured costs replace the built-in ones as soon as there are any: the bench's
 * calibration file (`deno task bench --only plan`), then this cache's own entries.
 */
import type { CostModel, SurveyItem, UnitSurvey } from "../pipeline/cost.ts";
import type { Item, Params } from "../pipeline/stage.ts";
import { resolveSegmenterName } from "../kernels/sam/factory.ts";
import { stageResources } from "./config.ts";
import { type PreprocessManifest, readPreprocessManifest } from "./preprocess.ts";
import { listTaskPairs, locateTask } from "../data/root.ts";
import { getTask } from "../data/tasks.ts";
import { readImageHeader } from "../core/image_io.ts";
import type { Pair } from "../data/adapters/common.ts";

/**
 * Test images per task assumed by the cost model when testCount = 0 (the whole test split) and
 * the task's size is not known here (no preprocess entry, no data: e.g. `plan --all-tasks` for a
 * cluster; the paper's splits range from a few hundred images to several thousand).
 */
export const ASSUMED_TEST_IMAGES = 500;

/**
 * Mean megapixels per image assumed where a task's images are not here to measure (`plan
 * --all-tasks`): about VOC's and SBU's 500 × 375 (the paper's datasets range from ~0.1 to 1.3).
 */
export const ASSUMED_MEGAPIXELS = 0.2;

/** Images whose headers the data listing reads per split to measure a task's image size. */
export const SIZE_SAMPLE = 16;

/** The pairs a task really has per split (a preprocess manifest's `available`, or the data listing). */
export interface TaskImages {
  train: number;
  test: number;
  /** mean megapixels per image of each split (the sampled images, or a sample of the listing) */
  megapixels?: { train: number; test: number };
}

/** Training images of an item: its shots (k-shot) or trainCount, at most what the task has. */
function trainImages(i: Item, p: Params, have?: TaskImages): number {
  const want = Number(i.shots ?? p.trainCount);
  return have ? Math.min(want, have.train) : want;
}
/** Test images: testCount (at most what the task has), or the whole split (testCount 0). */
function testImages(p: Params, have?: TaskImages): number {
  const want = Number(p.testCount);
  if (!(want > 0)) return have?.test ?? ASSUMED_TEST_IMAGES;
  return have ? Math.min(want, have.test) : want;
}
function images(p: Params, have?: TaskImages): number {
  return trainImages({}, p, have) + testImages(p, have);
}
/** Mean megapixels of a split's images: measured, else ASSUMED_MEGAPIXELS. */
function mpx(split: "train" | "test", have?: TaskImages): number {
  return have?.megapixels?.[split] ?? ASSUMED_MEGAPIXELS;
}
const T = (i: Item, p: Params) => Number(i.T ?? p.T);
const E = (i: Item, p: Params) => Number(i.E ?? p.E);

/**
 * Work units of one item of each stage, given the task's real image counts when known (else the
 * params alone); a stage not listed counts 1 per item.
 */
export const STAGE_UNITS: Record<string, (item: Item, p: Params, have?: TaskImages) => number> = {
  "preprocess": (_i, p, h) => images(p, h),
  "embed-cache": (_i, p, h) => images(p, h),
  "clip-maps": (_i, p, h) => images(p, h),
  "train-agent": (i, p, h) => trainImages(i, p, h) * T(i, p) * E(i, p),
  // policy "single" (w/o MSI) acts once and decodes all T points at once (kernels/agent/episode.ts)
  "evaluate": (i, p, h) => testImages(p, h) * (i.policy === "single" ? 1 : T(i, p)),
  "persam": (_i, p, h) => testImages(p, h),
};

/**
 * Megapixels of the task's images an item reads: the preprocess entry's train and test images,
 * decoded at full resolution (train-agent and evaluate read the whole entry: readPreprocessed).
 */
function entryMegapixels(p: Params, h?: TaskImages): number {
  return trainImages({}, p, h) * mpx("train", h) + testImages(p, h) * mpx("test", h);
}

/**
 * The work that grows with image size, in megapixels, each term priced at its own rate
 * (DEFAULT_COST perTerm): images are kept at their original resolution (preprocess), so
 * decoding them costs per pixel, and every decode upsamples its mask to that resolution
 * (weightfree/decoder.ts fieldToMask; SAM's postprocessing likewise) and every evaluated step
 * scores it there (kernels/metrics): a step on a 1280 × 1024 glass image costs more than one on
 * a 481 × 321 saliency image, which units alone (steps) do not see.
 * - preprocess, embed-cache, clip-maps: [the images' megapixels] (each read and resized once)
 * - train-agent: [megapixels decoded: T + 1 decodes per episode (the reset's from P_0, then one
 *   per step) × images × E; the entry's megapixels read before training; episodes (images × E),
 *   whose own work (P_0 drawn over the full-size GT, the reset, its clicks' distance maps) the
 *   per-step units miss when T changes]
 * - evaluate: [T + 1 decodes and scorings per test image, the entry's megapixels read]
 * - persam: [its test images' megapixels (decoded and scored once each)]
 */
export const STAGE_TERMS: Record<string, (item: Item, p: Params, have?: TaskImages) => number[]> = {
  "preprocess": (_i, p, h) => [entryMegapixels(p, h)],
  "embed-cache": (_i, p, h) => [entryMegapixels(p, h)],
  "clip-maps": (_i, p, h) => [entryMegapixels(p, h)],
  "train-agent": (i, p, h) => [
    trainImages(i, p, h) * E(i, p) * (T(i, p) + 1) * mpx("train", h),
    entryMegapixels(p, h),
    trainImages(i, p, h) * E(i, p),
  ],
  "evaluate": (i, p, h) => [testImages(p, h) * (T(i, p) + 1) * mpx("test", h), entryMegapixels(p, h)],
  "persam": (_i, p, h) => [testImages(p, h) * mpx("test", h)],
};

/**
 * Built-in cost of one item (seconds: `fixed` start-up + `perUnit` × units + `perTerm[k]` ×
 * STAGE_TERMS[k]), the fallback when neither this cache nor the bench has measured the stage.
 * `fixed` is what an item costs before its first unit (worker message, stage module, tf/onnx
 * init, segmenter load). Fitted (fitCost: non-negative least squares) on smoke runs only, never
 * on the runs it is checked against: `deno task bench --only plan` at 08:34–08:39 UTC on
 * 2026-12-02, commit 9ca0455 (V8 with concurrent GC), this project's 2-core CPU machine with
 * nothing else running (the load of its own 2 jobs), stand-in segmenter: `reproduce --profile
 * smoke --jobs 2` in a fresh cache, then with `--set trainCount=4 --set testCount=12`, 227
 * entries; units and terms as above (each task's image counts and megapixels from its
 * preprocess manifest). The studies and the report count one unit per item: their cost is
 * start-up. clip-maps has no measurement (no CLIP weights here): embed-cache's rates, a guess.
 */
export const DEFAULT_COST: Record<string, { fixed: number; perUnit: number; perTerm?: number[] }> = {
  "preprocess": { fixed: 0.718, perUnit: 0, perTerm: [0.0162] },
  "embed-cache": { fixed: 0, perUnit: 0.0615, perTerm: [0.0366] },
  "clip-maps": { fixed: 0, perUnit: 0.0615, perTerm: [0.0366] },
  "train-agent": { fixed: 0.526, perUnit: 0.0142, perTerm: [0.00276, 0.0285, 0.0167] },
  "evaluate": { fixed: 0.605, perUnit: 0.00867, perTerm: [0.00666, 0.0407] },
  "persam": { fixed: 0.348, perUnit: 0.0101, perTerm: [0.0401] },
  "baselines": { fixed: 0.00188, perUnit: 0.000689 },
  "ablate": { fixed: 0.00166, perUnit: 0.00113 },
  "sweep": { fixed: 0.00168, perUnit: 0.000838 },
  "report": { fixed: 4.85, perUnit: 0.0762 },
};

const resolved = new Map<string, Promise<string>>();

/**
 * The cost class: the segmenter the params name, "offline" resolved as a run would here. A unit
 * of SAM ViT-H costs far more than one of the weight-free segmenter, so measurements under one
 * segmenter do not price another. (The device is left out: `auto` resolves only by probing.)
 */
export function segmenterClass(params: Params): Promise<string> {
  const name = String(params.segmenter ?? "");
  let p = resolved.get(name);
  if (!p) resolved.set(name, p = resolveSegmenterName(name).then((s) => `segmenter=${s}`));
  return p;
}

/** Mean megapixels of up to SIZE_SAMPLE images spread over `pairs` (headers only); undefined: none readable. */
export async function sampleMegapixels(pairs: Pair[]): Promise<number | undefined> {
  const step = Math.max(1, pairs.length / SIZE_SAMPLE);
  const picks = Array.from(
    { length: Math.min(SIZE_SAMPLE, pairs.length) },
    (_, k) => pairs[Math.floor(k * step)],
  );
  const sizes = await Promise.all(
    picks.map((p) => readImageHeader(p.imagePath).then((h) => h.width * h.height / 1e6, () => undefined)),
  );
  const ok = sizes.filter((x) => x !== undefined);
  return ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : undefined;
}

/** A task's pairs per split from the data listing (no download; image headers only); undefined when not found here. */
async function listedImages(task: string): Promise<TaskImages | undefined> {
  try {
    const td = await locateTask(getTask(task));
    if (!td) return undefined;
    const [train, test] = await Promise.all([listTaskPairs(td, "train"), listTaskPairs(td, "test")]);
    const [mTrain, mTest] = await Promise.all([sampleMegapixels(train.pairs), sampleMegapixels(test.pairs)]);
    const megapixels = {
      train: mTrain ?? mTest ?? ASSUMED_MEGAPIXELS,
      test: mTest ?? mTrain ?? ASSUMED_MEGAPIXELS,
    };
    return { train: train.pairs.length, test: test.pairs.length, megapixels };
  } catch {
    return undefined; // an unknown task or an unreadable layout: priced by the params
  }
}

/** Mean megapixels of the images a preprocess entry sampled, per split (a split without any: the other's). */
function manifestMegapixels(m: PreprocessManifest): { train: number; test: number } {
  const mean = (xs: { width: number; height: number }[]) =>
    xs.length ? xs.reduce((a, s) => a + s.width * s.height, 0) / xs.length / 1e6 : undefined;
  const train = mean(m.train), test = mean(m.test);
  return { train: train ?? test ?? ASSUMED_MEGAPIXELS, test: test ?? train ?? ASSUMED_MEGAPIXELS };
}

/**
 * The images each task of `items` really has: from its fresh preprocess entry's manifest (the
 * pairs available when it was built), else from the data listing, else unknown (its units then
 * come from the params); with notes for the plan saying which.
 */
export async function countTaskImages(
  items: SurveyItem[],
): Promise<{ counts: Map<string, TaskImages>; notes: string[] }> {
  const tasks = [...new Set(items.flatMap((i) => (i.item.task === undefined ? [] : [String(i.item.task)])))];
  const built = new Map(
    items.filter((i) => i.stage === "preprocess" && i.entry).map((i) => [String(i.item.task), i.entry!]),
  );
  const counts = new Map<string, TaskImages>();
  const fromEntry: string[] = [], listed: string[] = [], unknown: string[] = [];
  for (const t of tasks) {
    const entry = built.get(t);
    const manifest = entry ? await readPreprocessManifest(entry).catch(() => undefined) : undefined;
    if (manifest?.available) {
      counts.set(t, { ...manifest.available, megapixels: manifestMegapixels(manifest) });
      fromEntry.push(t);
      continue;
    }
    const have = await listedImages(t);
    if (have) counts.set(t, have);
    (have ? listed : unknown).push(t);
  }
  const notes: string[] = [];
  if (fromEntry.length + listed.length > 0) {
    notes.push(
      `image counts (units at most what a task has) and sizes (megapixels): ${fromEntry.length} task(s) ` +
        `from their preprocess entries, ${listed.length} from the data listing`,
    );
  }
  if (unknown.length > 0) {
    notes.push(
      `image counts from the params (trainCount; testCount, 0: ${ASSUMED_TEST_IMAGES} assumed) and ` +
        `${ASSUMED_MEGAPIXELS} megapixels per image assumed for ${unknown.length} task(s) without data here: ` +
        unknown.join(", "),
    );
  }
  return { counts, notes };
}

/**
 * The plan's survey: each task's real image counts (countTaskImages), so a VOC class with 3
 * training images is not priced as trainCount = 50; units of a task not found here come from the
 * params, and a note says which.
 */
async function surveyImages(items: SurveyItem[]): Promise<UnitSurvey> {
  const { counts, notes } = await countTaskImages(items);
  const have = (item: Item) => counts.get(String(item.task));
  return {
    units: (stage, item, params) => STAGE_UNITS[stage]?.(item, params, have(item)) ?? 1,
    terms: (stage, item, params) => STAGE_TERMS[stage]?.(item, params, have(item)),
    notes,
  };
}

export const COST_MODEL: CostModel = {
  units: (stage, item, params) => STAGE_UNITS[stage]?.(item, params) ?? 1,
  terms: (stage, item, params) => STAGE_TERMS[stage]?.(item, params),
  survey: surveyImages,
  // a stage added without a measurement: 1 s per item, a placeholder the first run replaces
  defaultCost: (stage) => DEFAULT_COST[stage] ?? { fixed: 1, perUnit: 0 },
  gpu: (stage) => stageResources(stage).gpu,
  costClass: segmenterClass,
};
