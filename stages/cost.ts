/**
 * `deno task plan`'s cost model for alignsam's stages (pipeline/cost.ts): an item's work units,
 * each stage's built-in cost (start-up + per unit) and the cost class (the segmenter) that keys
 * measured costs. Measured costs replace the built-in ones as soon as there are any: the bench's
 * calibration file (`deno task bench --only plan`), then this cache's own entries.
 */
import type { CostModel } from "../pipeline/cost.ts";
import type { Item, Params } from "../pipeline/stage.ts";
import { resolveSegmenterName } from "../kernels/sam/factory.ts";
import { stageResources } from "./config.ts";

/**
 * Test images per task assumed by the cost model when testCount = 0 (the whole test split, whose
 * size the plan cannot know before preprocess has run; the paper's splits range from a few
 * hundred images to several thousand).
 */
export const ASSUMED_TEST_IMAGES = 500;

function testImages(p: Params): number {
  return Number(p.testCount) > 0 ? Number(p.testCount) : ASSUMED_TEST_IMAGES;
}
function images(p: Params): number {
  return Number(p.trainCount) + testImages(p);
}

/** Work units of one item of each stage; a stage not listed counts 1 per item. */
export const STAGE_UNITS: Record<string, (item: Item, p: Params) => number> = {
  "preprocess": (_i, p) => images(p),
  "embed-cache": (_i, p) => images(p),
  "clip-maps": (_i, p) => images(p),
  "train-agent": (i, p) => Number(i.shots ?? p.trainCount) * Number(i.T ?? p.T) * Number(i.E ?? p.E),
  "evaluate": (i, p) => testImages(p) * Number(i.T ?? p.T),
  "persam": (_i, p) => testImages(p),
};

/**
 * Built-in cost of one item (seconds: `fixed` start-up + `perUnit` × units), the fallback when
 * neither this cache nor the bench has measured the stage. `fixed` is what an item costs before
 * its first unit (worker message, stage module, tf/onnx init, segmenter load, reading inputs).
 * Measured 2026-12-02 on this project's 2-core CPU machine with the stand-in segmenter (smoke's
 * `offline` here), as `deno task bench --only plan` does: `reproduce --profile smoke --jobs 2` on
 * a fresh cache (8.9 min), then again with `--set trainCount=4 --set testCount=4`, and fitCost on
 * the 227 entries. The machine also ran other work (load average 6–10 on 2 cores), so they are
 * pessimistic. Where the fit could not split the two terms: preprocess did not grow with images
 * under that load (all start-up), embed-cache's line went through the origin (all per unit),
 * and the study stages and the report count one unit per item (their mean item time is start-up).
 * clip-maps has no measurement (no CLIP weights here): embed-cache's rate, a guess.
 */
export const DEFAULT_COST: Record<string, { fixed: number; perUnit: number }> = {
  "preprocess": { fixed: 1.1, perUnit: 0 },
  "embed-cache": { fixed: 0, perUnit: 0.16 },
  "clip-maps": { fixed: 0, perUnit: 0.16 },
  "train-agent": { fixed: 3.4, perUnit: 0.048 },
  "evaluate": { fixed: 0.7, perUnit: 0.031 },
  "persam": { fixed: 1.2, perUnit: 0.05 },
  "baselines": { fixed: 0.08, perUnit: 0 },
  "ablate": { fixed: 0.03, perUnit: 0 },
  "sweep": { fixed: 0.09, perUnit: 0 },
  "report": { fixed: 10.5, perUnit: 0 },
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

export const COST_MODEL: CostModel = {
  units: (stage, item, params) => STAGE_UNITS[stage]?.(item, params) ?? 1,
  // a stage added without a measurement: 1 s per item, a placeholder the first run replaces
  defaultCost: (stage) => DEFAULT_COST[stage] ?? { fixed: 1, perUnit: 0 },
  gpu: (stage) => stageResources(stage).gpu,
  costClass: segmenterClass,
};
