/**
 * clip-maps: the CLIP-Surgery similarity map M_c of every image of a task for the task's text
 * prompt (paper §3.3: s_c = E_I(x) ⊙ M_c, the explicit SRM branch; supp. Table 3: RL+SCLIP).
 *
 * One map per (image hash, text, CLIP files' hashes, CLIP code) through ctx.memo, so adding a
 * task or re-sampling recomputes only new images, like the embedding cache. The model is loaded
 * only on a memo miss. Input side: the `clipInput` param (stages/config.ts says why 512 by
 * default; 224 is about 5× cheaper here, see bench/clip.ts).
 *
 * map64 lies on the segmenter's 64×64 grid, as E_I(x) and M_{t−1} do (kernels/sam/layout.ts):
 * SAM's padded frame (image top-left, zeros below/right) or stretched (EfficientSAM). That is
 * why `segmenter` is a param; switching it only resamples the memoised token maps.
 *
 * Entry layout: maps.json (header + one row per image), grid.f32 [n, side, side] (the min-maxed
 * token maps), map64.f32 [n, 64, 64]; raw little-endian float32. The full-size map is the
 * grid's bilinear upsampling, so `readClipMaps` rebuilds it exactly instead of storing it.
 */
import { join } from "node:path";
import type { Item, RunContext, Stage } from "../pipeline/stage.ts";
import type { ClipMap } from "../core/records.ts";
import { ModelError } from "../core/errors.ts";
import { expandTasks, getTask } from "../data/tasks.ts";
import { readPreprocessManifest, readSample, type SampleEntry } from "./preprocess.ts";
import { fileSha256, findModelFile } from "../kernels/models/resolve.ts";
import { sha256Hex } from "../pipeline/hash.ts";
import {
  CLIP_TEMPLATES_FILE,
  CLIP_VIT_B16_FILE,
  CLIP_VOCAB_FILE,
  type ClipFiles,
  loadClipSurgery,
  resolveClipFiles,
} from "../kernels/clip/files.ts";
import type { ClipSurgery } from "../kernels/clip/model.ts";
import { mapOnGrid, upsampleGrid } from "../kernels/clip/maps.ts";
import { family } from "../kernels/sam/registry.ts";
import { SCHEMA } from "./config.ts";
import { SEGMENTER_CODE } from "./code.ts";

/** The agent/SRM grid. */
export const MAP_GRID = 64;

/**
 * CLIP Surgery (kernels/clip), the grid it resamples to (the segmenters' transform), the SRM
 * input's map layout, and the task registry.
 */
const CODE = [
  "stages/clip_maps.ts",
  "core/records.ts",
  "kernels/clip",
  "kernels/srm/input.ts",
  "stages/config.ts",
  ...SEGMENTER_CODE,
] as const;

/**
 * Whether the segmenter's grids hold the image padded (SAM family, weight-free) or stretched:
 * the rule kernels/sam/onnx/segmenter.ts applies when it marks an embedding's layout.
 */
export function segmenterIsPadded(segmenter: string): boolean {
  return family(segmenter)?.preprocess !== "rgb01-original";
}

/** maps.json of a clip-maps entry. */
export interface ClipMapsHeader {
  task: string;
  text: string;
  /** sha256 of the weights, vocabulary and templates files */
  clipFiles: { weights: string; vocab: string; templates: string };
  inputSize: number;
  /** token grid side (inputSize / 16) */
  side: number;
  /** the segmenter whose 64×64 grid map64 follows, and that grid's layout */
  segmenter: string;
  layout: "padded" | "stretched";
  /** one row per distinct image, in file order */
  images: { imageHash: string; stem: string; width: number; height: number }[];
}

function needsClip(): ModelError {
  const f = CLIP_VIT_B16_FILE;
  return new ModelError(
    `clip-maps needs CLIP weights (params.clip = "none"): set clip = "vit-b-16" and place ${f.url} ` +
      `at <models>/${f.name} (--models DIR / ALIGNSAM_MODELS)`,
  );
}

async function hashes(files: ClipFiles): Promise<ClipMapsHeader["clipFiles"]> {
  const [weights, vocab, templates] = await Promise.all(
    [files.weights, files.vocab, files.templates].map((p) => fileSha256(p)),
  );
  return { weights, vocab, templates };
}

async function run(ctx: RunContext): Promise<void> {
  if (ctx.params.clip === "none") throw needsClip();
  const task = String(ctx.item.task);
  const text = getTask(task).textPrompt;
  const dir = ctx.inputs[0].dir;
  const manifest = await readPreprocessManifest(dir);
  const files = await resolveClipFiles({ signal: ctx.signal });
  const clipFiles = await hashes(files);
  const code = ctx.codeHash; // in every memo key: a code change never reuses old maps
  const segmenter = String(ctx.params.segmenter);
  const padded = segmenterIsPadded(segmenter);
  const inputSize = Number(ctx.params.clipInput ?? SCHEMA.clipInput.default);

  const seen = new Set<string>();
  const entries: SampleEntry[] = [];
  for (const e of [...manifest.train, ...manifest.test]) {
    if (seen.has(e.imageHash)) continue;
    seen.add(e.imageHash);
    entries.push(e);
  }
  let model: ClipSurgery | undefined;
  const side = inputSize / 16;
  const grids = new Float32Array(entries.length * side * side);
  const maps64 = new Float32Array(entries.length * MAP_GRID * MAP_GRID);
  try {
    for (const [i, e] of entries.entries()) {
      ctx.signal.throwIfAborted();
      const key = sha256Hex(
        JSON.stringify(["clip-maps", e.imageHash, text, clipFiles, inputSize, code]),
      );
      const bytes = await ctx.memo(key, async () => {
        model ??= await loadClipSurgery(files);
        const sample = await readSample(dir, e);
        const m = model.map(sample.image, text, inputSize);
        return new Uint8Array(m.grid.buffer.slice(0));
      });
      const grid = new Float32Array(bytes.slice().buffer);
      if (grid.length !== side * side) {
        throw new ModelError(
          `clip-maps: cached map of ${e.stem} has ${grid.length} values, expected ${side * side}`,
        );
      }
      grids.set(grid, i * side * side);
      maps64.set(mapOnGrid(grid, side, e.width, e.height, padded, MAP_GRID), i * MAP_GRID * MAP_GRID);
      ctx.progress(i + 1, entries.length, e.stem);
    }
  } finally {
    (model as ClipSurgery | undefined)?.dispose();
  }
  const header: ClipMapsHeader = {
    task,
    text,
    clipFiles,
    inputSize,
    side,
    segmenter,
    layout: padded ? "padded" : "stretched",
    images: entries.map((e) => ({ imageHash: e.imageHash, stem: e.stem, width: e.width, height: e.height })),
  };
  await Deno.writeFile(join(ctx.outDir, "grid.f32"), new Uint8Array(grids.buffer));
  await Deno.writeFile(join(ctx.outDir, "map64.f32"), new Uint8Array(maps64.buffer));
  await Deno.writeTextFile(join(ctx.outDir, "maps.json"), JSON.stringify(header, null, 1) + "\n");
  ctx.log(`clip-maps ${task}: ${entries.length} maps for "${text}"`);
}

export const clipMapsStage: Stage = {
  name: "clip-maps",
  doc: "CLIP-Surgery similarity map per (image, task text prompt, CLIP weights), resampled to 64×64",
  code: CODE,
  // `tasks` only fans out items; the CLIP choice and input side change the maps, the segmenter their 64 grid.
  params: ["clip", "clipInput", "segmenter"],
  // Without CLIP weights (clip = none) there is nothing to build: the report marks the cells
  // that need maps "needs CLIP weights" instead of failing the run.
  items: (params) =>
    params.clip === "none"
      ? []
      : expandTasks((params.tasks as string[] | undefined) ?? []).map((t) => ({ task: t.id })),
  inputs: (item: Item) => [{ stage: "preprocess", item: { task: item.task } }],
  after: ["preprocess"],
  outputs: ["maps.json", "grid.f32", "map64.f32"],
  // The CLIP files live outside the store: their hashes (cached by size + mtime) enter the key.
  async fingerprint(_item, params) {
    if (params.clip === "none") return "clip: none";
    const found = await Promise.all(
      [CLIP_VIT_B16_FILE, CLIP_VOCAB_FILE, CLIP_TEMPLATES_FILE].map((f) => findModelFile(f)),
    );
    const parts = await Promise.all(found.map((p) => (p ? fileSha256(p) : Promise.resolve("missing"))));
    return parts.join(",");
  },
  run,
};

/**
 * The maps of a clip-maps entry by image hash (core/records.ts: the key of embeddings and
 * CLIP maps). `full` (the map at the image's size) is rebuilt from the token grid unless
 * `{ full: false }`.
 */
export async function readClipMaps(
  dir: string,
  opts: { full?: boolean } = {},
): Promise<Map<string, ClipMap>> {
  const path = join(dir, "maps.json");
  let header: ClipMapsHeader;
  let grids: Float32Array, maps64: Float32Array;
  try {
    header = JSON.parse(await Deno.readTextFile(path));
    grids = new Float32Array((await Deno.readFile(join(dir, "grid.f32"))).slice().buffer);
    maps64 = new Float32Array((await Deno.readFile(join(dir, "map64.f32"))).slice().buffer);
  } catch (e) {
    throw new ModelError(`cannot read clip-maps entry ${dir}: ${(e as Error).message}`, path);
  }
  const n = header.images.length, s2 = header.side * header.side, g2 = MAP_GRID * MAP_GRID;
  if (grids.length !== n * s2 || maps64.length !== n * g2) {
    throw new ModelError(`clip-maps entry ${dir}: array sizes do not match ${n} images in maps.json`, path);
  }
  const out = new Map<string, ClipMap>();
  header.images.forEach((im, i) => {
    const grid = grids.subarray(i * s2, (i + 1) * s2);
    const map: ClipMap = { map64: maps64.slice(i * g2, (i + 1) * g2), width: im.width, height: im.height };
    if (opts.full !== false) map.full = upsampleGrid(grid, header.side, im.width, im.height);
    out.set(im.imageHash, map);
  });
  return out;
}
