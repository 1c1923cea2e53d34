/**
 * `deno task eval-masks`: score any method's saved masks against ground truth with every metric
 * the paper reports (kernels/metrics/README.md), averaged per image as the saliency toolboxes do,
 * plus IoU and BER pooled over pixels. This is how users compare other methods with ours.
 *
 * Predictions are images (PNG/JPG…, 8- or 16-bit): only 0 and 255 → a binary mask, anything else
 * → a soft map (PySODMetrics' preparation: /255, min-max). GT pixels > 128 are foreground. A
 * file whose values are ⊆ {0, 1} (other tools' label maps) is a binary mask too, read as 0/255
 * before either rule (told once, with the count). Files pair by stem (`a.png` ↔ `a.jpg`).
 *
 * @example
 * deno task eval-masks --pred out/glass/masks --gt ../shared/data/glass/test/masks
 * deno task eval-masks --pred preds --gt gts --ignore-dir voc_ignore --json
 */
import { basename } from "node:path";
import { helpText, parseFlags, runMain } from "./args.ts";
import { DataError, UsageError } from "../core/errors.ts";
import { readGray } from "../core/image_io.ts";
import { allMetrics, type MaskMetrics } from "../kernels/metrics/index.ts";
import { type DatasetSummary, summarizeDataset } from "../kernels/metrics/aggregate.ts";
import { gtFromGray, predFromGray } from "../kernels/metrics/prepare.ts";
import { histogram256, maskEncoding } from "../core/mask_levels.ts";

const COMMAND = "eval-masks";
const SUMMARY = "Score saved masks (soft or binary, paired by file stem) against ground-truth masks.";

// `multiple: false` is spelled out: node:util parseArgs rejects `multiple: undefined`.
const FLAGS = {
  pred: {
    type: "string",
    multiple: false,
    doc: "folder of predicted masks or soft maps (8- or 16-bit images)",
  },
  gt: { type: "string", multiple: false, doc: "folder of ground-truth masks (0/255 or 0/1, 8- or 16-bit)" },
  "ignore-dir": {
    type: "string",
    multiple: false,
    doc: "folder of ignore masks by stem (non-zero = excluded, e.g. VOC boundaries)",
  },
  "allow-missing": {
    type: "boolean",
    multiple: false,
    doc: "evaluate the pairs found even when some files have no partner (listed on stderr)",
  },
  "per-image": { type: "boolean", multiple: false, doc: "also list every image's IoU, MAE, F_β, E_φ, S_α" },
  json: { type: "boolean", multiple: false, doc: "print one JSON object instead of a table" },
} as const;

const IMAGE_EXT = /\.(png|jpe?g|bmp|webp|tiff?|gif)$/i;

export interface EvalOptions {
  pred: string;
  gt: string;
  ignoreDir?: string;
  allowMissing?: boolean;
}

export interface EvalResult {
  pred: string;
  gt: string;
  summary: DatasetSummary;
  /** per image, by stem (sorted) */
  images: { stem: string; metrics: MaskMetrics }[];
  /** stems with a prediction but no GT, and vice versa (only non-empty with allowMissing) */
  missing: { gt: string[]; pred: string[] };
  /** GT files holding values other than 0/255, with how many such pixels */
  nonBinaryGt: { file: string; pixels: number }[];
  /** prediction and GT files stored as 0/1, read as binary masks */
  zeroOne: string[];
}

/** A mask stored as 0/1 widened to 0/255 (in place); whether it was one. */
function widenZeroOne(gray: Uint8Array): boolean {
  if (maskEncoding(histogram256(gray)) !== "0/1") return false;
  for (let i = 0; i < gray.length; i++) gray[i] *= 255;
  return true;
}

/** Image files of `dir` by stem; duplicate stems (a.png and a.jpg) are an error naming both. */
export async function listByStem(dir: string, what: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  try {
    for await (const e of Deno.readDir(dir)) {
      if (!(e.isFile || e.isSymlink) || !IMAGE_EXT.test(e.name)) continue;
      const stem = e.name.replace(/\.[^.]+$/, "");
      const prev = out.get(stem);
      if (prev) {
        throw new DataError(
          `${what} folder ${dir} has two files for "${stem}": ${basename(prev)}, ${e.name}`,
          dir,
        );
      }
      out.set(stem, `${dir}/${e.name}`);
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new DataError(`${what} folder not found: ${dir}`, dir);
    throw e;
  }
  if (out.size === 0) {
    throw new DataError(`${what} folder ${dir} holds no images (png, jpg, bmp, webp, tif)`, dir);
  }
  return out;
}

function listing(stems: string[], dir: string): string {
  const shown = stems.slice(0, 10).join(", ");
  return `${shown}${stems.length > 10 ? `, … (${stems.length - 10} more)` : ""} in ${dir}`;
}

/** Pair, decode and score every image; throws DataError naming the file at fault. */
export async function evalMasks(opts: EvalOptions): Promise<EvalResult> {
  const preds = await listByStem(opts.pred, "prediction");
  const gts = await listByStem(opts.gt, "ground-truth");
  const ignores = opts.ignoreDir ? await listByStem(opts.ignoreDir, "ignore") : undefined;
  const noGt = [...preds.keys()].filter((s) => !gts.has(s)).sort();
  const noPred = [...gts.keys()].filter((s) => !preds.has(s)).sort();
  if ((noGt.length || noPred.length) && !opts.allowMissing) {
    const parts = [];
    if (noGt.length) {
      parts.push(`${noGt.length} predictions have no ground truth: ${listing(noGt, opts.pred)}`);
    }
    if (noPred.length) {
      parts.push(`${noPred.length} ground truths have no prediction: ${listing(noPred, opts.gt)}`);
    }
    throw new DataError(`${parts.join("; ")} (--allow-missing evaluates the pairs found)`, opts.pred);
  }
  const stems = [...preds.keys()].filter((s) => gts.has(s)).sort();
  if (stems.length === 0) {
    throw new DataError(`no prediction in ${opts.pred} pairs with a mask in ${opts.gt}`);
  }
  if (ignores) {
    const noIgnore = stems.filter((s) => !ignores.has(s));
    if (noIgnore.length) throw new DataError(`no ignore mask for ${listing(noIgnore, opts.ignoreDir!)}`);
  }

  const load = (stem: string) =>
    Promise.all([
      readGray(preds.get(stem)!),
      readGray(gts.get(stem)!),
      ignores ? readGray(ignores.get(stem)!) : Promise.resolve(undefined),
    ]);
  const images: EvalResult["images"] = [];
  const nonBinaryGt: EvalResult["nonBinaryGt"] = [];
  const zeroOne: string[] = [];
  let next = load(stems[0]);
  for (let k = 0; k < stems.length; k++) {
    const [p, g, ig] = await next;
    if (k + 1 < stems.length) next = load(stems[k + 1]); // decode the next pair while scoring this one
    const stem = stems[k];
    for (const [other, file] of [[g, gts.get(stem)!], [ig, ignores?.get(stem)]] as const) {
      if (other && (other.width !== p.width || other.height !== p.height)) {
        throw new DataError(
          `size mismatch for "${stem}": prediction ${preds.get(stem)} is ${p.width}×${p.height}, ` +
            `${file} is ${other.width}×${other.height}`,
          file,
        );
      }
    }
    if (widenZeroOne(p.data)) zeroOne.push(preds.get(stem)!);
    if (widenZeroOne(g.data)) zeroOne.push(gts.get(stem)!);
    let odd = 0;
    for (const v of g.data) if (v !== 0 && v !== 255) odd++;
    if (odd) nonBinaryGt.push({ file: gts.get(stem)!, pixels: odd });
    const ignore = ig ? Uint8Array.from(ig.data, (v) => (v ? 1 : 0)) : undefined;
    images.push({
      stem,
      metrics: allMetrics(predFromGray(p.data), gtFromGray(g.data), p.width, p.height, ignore),
    });
  }
  return {
    pred: opts.pred,
    gt: opts.gt,
    summary: summarizeDataset(images.map((i) => i.metrics)),
    images,
    missing: { gt: noGt, pred: noPred },
    nonBinaryGt,
    zeroOne,
  };
}

const f4 = (v: number) => (Number.isNaN(v) ? "—" : v.toFixed(4));

/** The human-readable report. */
export function formatTable(r: EvalResult, perImage = false): string {
  const s = r.summary;
  const rows: [string, string][] = [
    ["IoU, mean of per-image", f4(s.iou)],
    ["IoU, pooled Σ∩/Σ∪", f4(s.iouPooled)],
    ["MAE", f4(s.mae)],
    ["BER ×100, mean of per-image", (s.ber * 100).toFixed(2)],
    ["BER ×100, pooled counts", (s.berPooled * 100).toFixed(2)],
    ["F_β (β²=0.3) adaptive", f4(s.fbeta.adaptive)],
    ["F_β mean over 256 thresholds", f4(s.fbeta.mean)],
    ["F_β max (mean of per-image max)", f4(s.fbeta.max)],
    ["F_β max of mean curve (PySOD)", f4(s.fbeta.curveMax)],
    ["weighted F_β (β²=1)", f4(s.fbeta_w)],
    ["E_φ adaptive", f4(s.ephi.adaptive)],
    ["E_φ mean over 256 thresholds", f4(s.ephi.mean)],
    ["E_φ max (mean of per-image max)", f4(s.ephi.max)],
    ["E_φ max of mean curve (PySOD)", f4(s.ephi.curveMax)],
    ["S_α (α=0.5)", f4(s.salpha)],
  ];
  const lines = [
    `eval-masks: ${s.images} pairs (${s.soft} soft maps, ${s.images - s.soft} binary masks)`,
    `  pred ${r.pred}`,
    `  gt   ${r.gt}`,
    "metric (binary masks: adaptive = mean = max = plain value)",
    ...rows.map(([k, v]) => `  ${k.padEnd(34)} ${v.padStart(8)}`),
  ];
  if (perImage) {
    lines.push("per image: stem IoU MAE F_β(adaptive) E_φ(adaptive) S_α");
    for (const { stem, metrics: m } of r.images) {
      lines.push(
        `  ${stem.padEnd(20)} ${
          [m.iou, m.mae, m.fbeta.adaptive, m.ephi.adaptive, m.salpha].map(f4).join(" ")
        }`,
      );
    }
  }
  return lines.join("\n");
}

/** The `--json` object: the summary, plus per-image scalars with --per-image. */
export function toJson(r: EvalResult, perImage = false): Record<string, unknown> {
  const out: Record<string, unknown> = {
    pred: r.pred,
    gt: r.gt,
    ...r.summary,
    missing: r.missing,
    nonBinaryGt: r.nonBinaryGt,
    zeroOne: r.zeroOne,
  };
  if (perImage) {
    out.per_image = r.images.map(({ stem, metrics: m }) => ({
      stem,
      soft: m.soft,
      iou: m.iou,
      mae: m.mae,
      ber: m.ber,
      fbeta: { adaptive: m.fbeta.adaptive, mean: m.fbeta.mean, max: m.fbeta.max },
      fbeta_w: m.fbeta_w,
      ephi: { adaptive: m.ephi.adaptive, mean: m.ephi.mean, max: m.ephi.max },
      salpha: m.salpha,
    }));
  }
  return out;
}

export async function main(args: string[]): Promise<number> {
  const { values } = parseFlags(COMMAND, args, FLAGS);
  if (values.help) {
    console.log(helpText(COMMAND, SUMMARY, FLAGS));
    return 0;
  }
  for (const f of ["pred", "gt"] as const) {
    if (typeof values[f] !== "string") throw new UsageError(`${COMMAND}: --${f} DIR is required`);
  }
  const r = await evalMasks({
    pred: values.pred as string,
    gt: values.gt as string,
    ignoreDir: values["ignore-dir"] as string | undefined,
    allowMissing: values["allow-missing"] === true,
  });
  if (r.missing.gt.length) {
    console.error(`warning: skipped ${listing(r.missing.gt, r.pred)} (no ground truth)`);
  }
  if (r.missing.pred.length) {
    console.error(`warning: skipped ${listing(r.missing.pred, r.gt)} (no prediction)`);
  }
  for (const { file, pixels } of r.nonBinaryGt.slice(0, 5)) {
    console.error(`warning: ${file} has ${pixels} pixels other than 0/255 (foreground = value > 128)`);
  }
  if (r.zeroOne.length) {
    console.error(
      `note: ${r.zeroOne.length} mask(s) store 0/1 (e.g. ${r.zeroOne[0]}): read as binary, 1 = foreground`,
    );
  }
  if (r.nonBinaryGt.length > 5) {
    console.error(`warning: … and ${r.nonBinaryGt.length - 5} more such GT files`);
  }
  const perImage = values["per-image"] === true;
  console.log(values.json ? JSON.stringify(toJson(r, perImage), null, 2) : formatTable(r, perImage));
  return 0;
}

if (import.meta.main) runMain(() => main(Deno.args));
