/**
 * `deno task clicks`: the simulated-click protocol (kernels/sam/clicks.ts) over a task's test
 * split, printing task × clicks → mean IoU (per image, then averaged) and ms per decode.
 *
 * @example
 * deno task clicks --task glass --task saliency --clicks 1,5,15
 * deno task clicks --task saliency --limit 20 --json
 */
import { helpText, parseFlags, runMain } from "./args.ts";
import { DataError, UsageError } from "../core/errors.ts";
import { progress } from "../core/progress.ts";
import { readGray, readRgb } from "../core/image_io.ts";
import type { Segmenter } from "../kernels/sam/segmenter.ts";
import { simulateClicks } from "../kernels/sam/clicks.ts";
import { createWeightFreeSegmenter, type WeightFreeConfig } from "../kernels/sam/weightfree/segmenter.ts";
import { createSegmenter } from "../kernels/sam/factory.ts";

// `multiple: false` is spelled out: node:util parseArgs rejects `multiple: undefined`.
const FLAGS = {
  data: {
    type: "string",
    multiple: false,
    doc: "data root holding <task>/test/{images,masks}",
    default: "$ALIGNSAM_DATA or ../shared/data",
  },
  task: { type: "string", multiple: true, doc: "task id (repeatable)", default: "glass, saliency" },
  segmenter: {
    type: "string",
    multiple: false,
    doc: "segmenter name (weight-free, or a SAM-family ONNX model from kernels/sam/factory.ts)",
    default: "weight-free",
  },
  clicks: {
    type: "string",
    multiple: false,
    doc: "click counts to report, comma-separated",
    default: "1,5,15",
  },
  limit: {
    type: "string",
    multiple: false,
    doc: "use only the first N test images per task (sorted by name)",
  },
  config: {
    type: "string",
    multiple: false,
    doc: "weight-free only: JSON object overriding its hyperparameters",
  },
  json: {
    type: "boolean",
    multiple: false,
    doc: "print a JSON array of {task, clicks, miou, ms_per_decode}",
  },
} as const;

export interface ClicksRow {
  task: string;
  clicks: number;
  miou: number;
  ms_per_decode: number;
}

const IMAGE_EXT = /\.(jpe?g|png|bmp|webp|tiff?)$/i;

/** The (image, mask) pairs of `<data>/<task>/test`, matched by file stem, sorted by stem. */
export async function testPairs(dataDir: string, task: string): Promise<{ image: string; mask: string }[]> {
  const dir = `${dataDir}/${task}/test`;
  const masks = new Map<string, string>();
  try {
    for await (const e of Deno.readDir(`${dir}/masks`)) {
      if (e.isFile) masks.set(e.name.replace(/\.[^.]+$/, ""), `${dir}/masks/${e.name}`);
    }
    const pairs: { stem: string; image: string; mask: string }[] = [];
    for await (const e of Deno.readDir(`${dir}/images`)) {
      if (!e.isFile || !IMAGE_EXT.test(e.name)) continue;
      const stem = e.name.replace(/\.[^.]+$/, "");
      const mask = masks.get(stem);
      if (!mask) throw new DataError(`no mask for ${dir}/images/${e.name} in ${dir}/masks`, `${dir}/masks`);
      pairs.push({ stem, image: `${dir}/images/${e.name}`, mask });
    }
    if (pairs.length === 0) throw new DataError(`no images in ${dir}/images`, `${dir}/images`);
    return pairs.sort((a, b) => (a.stem < b.stem ? -1 : a.stem > b.stem ? 1 : 0));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new DataError(`missing ${dir}/{images,masks} (set --data or ALIGNSAM_DATA)`, dir);
    }
    throw e;
  }
}

/** Mean IoU at each click count and ms per decode, over the first `limit` test images of a task. */
export async function clicksTable(
  segmenter: Segmenter,
  dataDir: string,
  task: string,
  counts: number[],
  limit = Infinity,
  showProgress = true,
): Promise<ClicksRow[]> {
  const pairs = (await testPairs(dataDir, task)).slice(0, limit);
  const maxClicks = Math.max(...counts);
  const sums = new Array(maxClicks).fill(0);
  let decodeMs = 0, decodes = 0;
  const bar = showProgress ? progress(`clicks ${task}`, pairs.length) : undefined;
  for (const pair of pairs) {
    const image = await readRgb(pair.image);
    const gray = await readGray(pair.mask);
    if (gray.width !== image.width || gray.height !== image.height) {
      throw new DataError(
        `mask ${pair.mask} is ${gray.width}×${gray.height}, image is ${image.width}×${image.height}`,
        pair.mask,
      );
    }
    const gt = gray.data.map((v) => (v >= 128 ? 1 : 0));
    const emb = await segmenter.embed(image);
    const run = await simulateClicks(segmenter, emb, gt, maxClicks);
    run.ious.forEach((v, k) => (sums[k] += v));
    decodeMs += run.decodeMs.reduce((a, b) => a + b, 0);
    decodes += run.decodeMs.length;
    bar?.tick();
  }
  bar?.done();
  const msPerDecode = decodeMs / Math.max(decodes, 1);
  return counts.map((c) => ({
    task,
    clicks: c,
    miou: sums[c - 1] / pairs.length,
    ms_per_decode: msPerDecode,
  }));
}

/** The rows as a text table: one line per task, one column per click count. */
export function formatClicksTable(rows: ClicksRow[]): string {
  const counts = [...new Set(rows.map((r) => r.clicks))];
  const tasks = [...new Set(rows.map((r) => r.task))];
  const head = [
    "task".padEnd(12),
    ...counts.map((c) => `${c} click${c > 1 ? "s" : ""}`.padStart(10)),
    "ms/decode",
  ];
  const lines = [head.join(" ")];
  for (const t of tasks) {
    const rs = rows.filter((r) => r.task === t);
    const cells = counts.map((c) => (rs.find((r) => r.clicks === c)?.miou ?? NaN).toFixed(3).padStart(10));
    lines.push([t.padEnd(12), ...cells, rs[0].ms_per_decode.toFixed(1).padStart(9)].join(" "));
  }
  return lines.join("\n");
}

async function makeSegmenter(name: string, configJson?: string): Promise<Segmenter> {
  if (name === "weight-free") {
    let cfg: Partial<WeightFreeConfig> = {};
    if (configJson) {
      try {
        cfg = JSON.parse(configJson);
      } catch (e) {
        throw new UsageError(`clicks: --config is not JSON: ${(e as Error).message}`);
      }
    }
    return createWeightFreeSegmenter(cfg);
  }
  if (configJson) throw new UsageError(`clicks: --config applies to weight-free only, not '${name}'`);
  try {
    return await createSegmenter(name);
  } catch (e) {
    const msg = (e as Error).message;
    if (msg.startsWith("unknown segmenter")) throw new UsageError(`clicks: --segmenter: ${msg}`);
    throw e;
  }
}

export async function main(args: string[]): Promise<number> {
  const summary = "Simulated clicks on ground truth (first at the GT's interior, then at the largest error).";
  const { values } = parseFlags("clicks", args, FLAGS);
  if (values.help) {
    console.log(helpText("clicks", summary, FLAGS));
    return 0;
  }
  const dataDir = (values.data as string | undefined) ?? Deno.env.get("ALIGNSAM_DATA") ??
    new URL("../../shared/data", import.meta.url).pathname;
  const tasks = (values.task as string[] | undefined) ?? ["glass", "saliency"];
  const counts = String(values.clicks ?? "1,5,15").split(",").map((s) => Number(s.trim()));
  if (counts.some((c) => !Number.isInteger(c) || c < 1 || c > 100)) {
    throw new UsageError(`clicks: --clicks must be integers in 1..100, got '${values.clicks}'`);
  }
  let limit = Infinity;
  if (values.limit !== undefined) {
    limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1) {
      throw new UsageError(`clicks: --limit must be a positive integer, got '${values.limit}'`);
    }
  }
  const segmenter = await makeSegmenter(String(values.segmenter ?? "weight-free"), values.config as string);
  const rows: ClicksRow[] = [];
  for (const task of tasks) rows.push(...(await clicksTable(segmenter, dataDir, task, counts, limit)));
  await segmenter.dispose?.();
  console.log(values.json ? JSON.stringify(rows, null, 2) : `${segmenter.label}\n${formatClicksTable(rows)}`);
  return 0;
}

if (import.meta.main) runMain(() => main(Deno.args));
