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
import { readPreprocessManifest } from "./preprocess.ts";
import { listTaskPairs, locateTask } from "../data/root.ts";
import { getTask } from "../data/tasks.ts";

/**
 * Test images per task assumed by the cost model when testCount = 0 (the whole test split) and
 * the task's size is not known here (no preprocess entry, no data: e.g. `plan --all-tasks` for a
 * cluster; the paper's splits range from a few hundred images to several thousand).
 */
export const ASSUMED_TEST_IMAGES = 500;

/** The pairs a task really has per split (a preprocess manifest's `available`, or the data listing). */
export interface TaskImages {
  train: number;
  test: number;
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

/**
 * Work units of one item of each stage, given the task's real image counts when known (else the
 * params alone); a stage not listed counts 1 per item.
 */
export const STAGE_UNITS: Record<string, (item: Item, p: Params, have?: TaskImages) => number> = {
  "preprocess": (_i, p, h) => images(p, h),
  "embed-cache": (_i, p, h) => images(p, h),
  "clip-maps": (_i, p, h) => images(p, h),
  "train-agent": (i, p, h) => trainImages(i, p, h) * Number(i.T ?? p.T) * Number(i.E ?? p.E),
  "evaluate": (i, p, h) => testImages(p, h) * Number(i.T ?? p.T),
  "persam": (_i, p, h) => testImages(p, h),
};

/**
 * Built-in cost of one item (seconds: `fixed` start-up + `perUnit` × units), the fallback when
 * neither this cache nor the bench has measured the stage. `fixed` is what an item costs before
 * its first unit (worker message, stage module, tf/onnx init, segmenter load, reading inputs).
 * Measured 2026-12-02 05:21 UTC on this project's 2-core CPU machine with nothing else running
 * (load before 0.8), stand-in segmenter, by `deno task bench --only plan`: `reproduce --profile
 * smoke --jobs 2` on a fresh cache (3.4 min), then again with `--set trainCount=4 --set
 * testCount=4`, fitCost on the 227 entries with the units above (the images a task has). The
 * studies and the report count one unit per item: their cost is start-up. clip-maps has no
 * measurement (no CLIP weights here): embed-cache's rate, a guess. The earlier defaults, fitted
 * while the machine ran other work (load 6–10), priced smoke at 8.5 min.
 */
export const DEFAULT_COST: Record<string, { fixed: number; perUnit: number }> = {
  "preprocess": { fixed: 0.5, perUnit: 0.0114 },
  "embed-cache": { fixed: 0, perUnit: 0.0857 },
  "clip-maps": { fixed: 0, perUnit: 0.0857 },
  "train-agent": { fixed: 0.72, perUnit: 0.0183 },
  "evaluate": { fixed: 0.05, perUnit: 0.0163 },
  "persam": { fixed: 0.08, perUnit: 0.049 },
  "baselines": { fixed: 0.003, perUnit: 0 },
  "ablate": { fixed: 0.003, perUnit: 0 },
  "sweep": { fixed: 0.004, perUnit: 0 },
  "report": { fixed: 5.5, perUnit: 0 },
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

/** A task's pairs per split from the data listing (no download, no decoding); undefined when not found here. */
async function listedImages(task: string): Promise<TaskImages | undefined> {
  try {
    const td = await locateTask(getTask(task));
    if (!td) return undefined;
    const [train, test] = await Promise.all([listTaskPairs(td, "train"), listTaskPairs(td, "test")]);
    return { train: train.pairs.length, test: test.pairs.length };
  } catch {
    return undefined; // an unknown task or an unreadable layout: priced by the params
  }
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
      counts.set(t, manifest.available);
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
      `image counts (units at most what a task has): ${fromEntry.length} task(s) from their preprocess ` +
        `entries, ${listed.length} from the data listing`,
    );
  }
  if (unknown.length > 0) {
    notes.push(
      `image counts from the params (trainCount; testCount, 0: ${ASSUMED_TEST_IMAGES} assumed) for ` +
        `${unknown.length} task(s) without data here: ${unknown.join(", ")}`,
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
  return {
    units: (stage, item, params) => STAGE_UNITS[stage]?.(item, params, counts.get(String(item.task))) ?? 1,
    notes,
  };
}

export const COST_MODEL: CostModel = {
  units: (stage, item, params) => STAGE_UNITS[stage]?.(item, params) ?? 1,
  survey: surveyImages,
  // a stage added without a measurement: 1 s per item, a placeholder the first run replaces
  defaultCost: (stage) => DEFAULT_COST[stage] ?? { fixed: 1, perUnit: 0 },
  gpu: (stage) => stageResources(stage).gpu,
  costClass: segmenterClass,
};
