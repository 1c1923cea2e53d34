/**
 * Read and validate image/mask pairs. Every problem is a DataError naming the file: missing
 * partner, unreadable or truncated image, size mismatch, a mask with values other than 0/255 or
 * 0/1 (JPEG-compressed masks are split at their two-class threshold only with `rebinarize`),
 * an empty split. With `skipBad` a bad pair is skipped and listed, never dropped silently.
 * Masks stored as 0/1 are binary (other tools write them); they and re-binarised masks are
 * told once per run, not once per file.
 *
 * @example
 * const { samples, skipped } = await loadPairs(list, "glass test", { skipBad: true });
 */
import type { GroundTruth } from "../core/image.ts";
import { DataError } from "../core/errors.ts";
import type { Sample } from "../core/records.ts";
import type { Orphan, Pair, PairList } from "./adapters/common.ts";
import { sha256File } from "../core/download.ts";
import { readGray, readRgb } from "../core/image_io.ts";
import { histogram256, maskEncoding, twoClassThreshold } from "../core/mask_levels.ts";

export interface LoadOptions {
  /** skip bad pairs (listed in `skipped`) instead of failing */
  skipBad?: boolean;
  /** re-binarise masks with values other than 0/255 (or 0/1) at their two-class threshold */
  rebinarize?: boolean;
  /** where warnings go (default console.error) */
  warn?: (message: string) => void;
  /** kinds of mask note already told (default: this process's, so each is told once per run) */
  told?: Set<MaskNote["kind"]>;
}

/** A mask read in a way worth telling: stored as 0/1, or re-binarised (`rebinarize`). */
export interface MaskNote {
  kind: "0/1" | "rebinarized";
  path: string;
  detail: string;
}

export interface Skipped {
  path: string;
  reason: string;
}

export interface LoadedPair {
  sample: Sample;
  /** sha256 of every file read, by path */
  sources: Record<string, string>;
  note?: MaskNote;
}

const HINT_SKIP = "--set skipBad=true skips bad pairs and lists them";

/** Mask notes told in this process: one line per kind per run, however many files. */
const TOLD = new Set<MaskNote["kind"]>();

/**
 * Orphans (files without a partner): a DataError listing them all, or with skipBad the skipped
 * entries. `where` names the split, e.g. "glass train (../data/glass/train)".
 */
export function checkOrphans(orphans: Orphan[], where: string, opts: LoadOptions): Skipped[] {
  if (orphans.length === 0) return [];
  if (opts.skipBad) return orphans.map((o) => ({ path: o.path, reason: o.reason }));
  const shown = orphans.slice(0, 20).map((o) => `  ${o.path}: ${o.reason}`);
  const more = orphans.length > 20 ? `\n  … and ${orphans.length - 20} more` : "";
  throw new DataError(
    `${orphans.length} unpaired file(s) in ${where}:\n${shown.join("\n")}${more}\n(${HINT_SKIP})`,
    orphans[0].path,
  );
}

/** An empty split is an error: nothing to train or evaluate on. */
export function checkNotEmpty(list: PairList, where: string): void {
  if (list.pairs.length === 0) {
    throw new DataError(
      `no image/mask pairs in ${where}` +
        (list.orphans.length ? ` (${list.orphans.length} unpaired files)` : ""),
    );
  }
}

/** Values other than 0 and 255: count and up to 5 examples. */
function nonBinary(hist: Uint32Array): { count: number; examples: number[] } {
  let count = 0;
  const examples: number[] = [];
  for (let v = 1; v < 255; v++) {
    if (hist[v]) {
      count += hist[v];
      if (examples.length < 5) examples.push(v);
    }
  }
  return { count, examples };
}

function sizeCheck(
  what: string,
  path: string,
  w: number,
  h: number,
  imagePath: string,
  iw: number,
  ih: number,
) {
  if (w !== iw || h !== ih) {
    throw new DataError(`${what} ${path} is ${w}×${h} but its image ${imagePath} is ${iw}×${ih}`, path);
  }
}

/** Read one pair into a Sample, validating it; throws DataError naming the file at fault. */
export async function loadPair(pair: Pair, opts: LoadOptions = {}): Promise<LoadedPair> {
  const image = await readRgb(pair.imagePath);
  const raw = await readGray(pair.maskPath);
  sizeCheck("mask", pair.maskPath, raw.width, raw.height, pair.imagePath, image.width, image.height);
  const n = raw.width * raw.height;
  const mask = new Uint8Array(n);
  let ignore: Uint8Array | undefined;
  let note: MaskNote | undefined;

  if (pair.vocClassIndex !== undefined) {
    // VOC class-index PNG: 0 background, 1..20 classes, 255 boundary.
    const k = pair.vocClassIndex;
    ignore = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const v = raw.data[i];
      if (v > 20 && v !== 255) {
        throw new DataError(
          `VOC class-index PNG ${pair.maskPath} has value ${v} at pixel (${i % raw.width}, ${
            Math.floor(i / raw.width)
          }); expected 0–20 or 255 (is it a colour PNG rather than a palette PNG?)`,
          pair.maskPath,
        );
      }
      mask[i] = v === k ? 1 : 0;
      ignore[i] = v === 255 ? 1 : 0;
    }
  } else {
    const hist = histogram256(raw.data);
    const encoding = maskEncoding(hist);
    // foreground = value > t: 0/255 at mid-gray, 0/1 at 0, anything else only with rebinarize
    let t = 127;
    if (encoding === "0/1") {
      t = 0;
      note = { kind: "0/1", path: pair.maskPath, detail: pair.maskPath };
    } else if (encoding === "other") {
      const bad = nonBinary(hist);
      const what = `mask ${pair.maskPath} has ${bad.count} of ${n} pixels with values other than 0 and 255 ` +
        `(e.g. ${bad.examples.join(", ")})`;
      if (!opts.rebinarize) {
        throw new DataError(
          `${what}; if it is a JPEG-compressed binary mask, --set rebinarize=true splits it at its ` +
            `two-class (Otsu) threshold`,
          pair.maskPath,
        );
      }
      t = twoClassThreshold(hist);
      note = { kind: "rebinarized", path: pair.maskPath, detail: `${what}: foreground = value > ${t}` };
    }
    for (let i = 0; i < n; i++) mask[i] = raw.data[i] > t ? 1 : 0;
    if (pair.ignorePath) {
      const idx = await readGray(pair.ignorePath);
      sizeCheck(
        "class-index PNG",
        pair.ignorePath,
        idx.width,
        idx.height,
        pair.imagePath,
        image.width,
        image.height,
      );
      ignore = new Uint8Array(n);
      for (let i = 0; i < n; i++) ignore[i] = idx.data[i] === 255 ? 1 : 0;
    }
  }

  const files = [...new Set([pair.imagePath, pair.maskPath, ...(pair.ignorePath ? [pair.ignorePath] : [])])];
  const sources: Record<string, string> = {};
  for (const f of files) sources[f] = await sha256File(f);
  const gt: GroundTruth = { mask: { width: image.width, height: image.height, data: mask } };
  if (ignore) gt.ignore = ignore;
  return { sample: { stem: pair.stem, imageHash: sources[pair.imagePath], image, gt }, sources, note };
}

export interface Loaded {
  samples: Sample[];
  skipped: Skipped[];
  sources: Record<string, string>;
}

/**
 * Load pairs in order until `want` good ones are collected (all when want is 0 or absent).
 * A bad pair throws, or with skipBad is listed in `skipped` and the next candidate takes its place.
 * Pairs are decoded `concurrency` at a time (sharp decodes on its own threads) but judged in
 * order, so the result does not depend on timing. With `keep: false` samples go only to
 * `onSample` (the preprocess stage writes them out instead of holding 150 full images).
 */
export async function loadPairs(
  candidates: Pair[],
  where: string,
  opts: LoadOptions & {
    want?: number;
    concurrency?: number;
    keep?: boolean;
    onSample?: (loaded: LoadedPair, pair: Pair) => Promise<void>;
    onProgress?: (done: number, total: number) => void;
  } = {},
): Promise<Loaded> {
  const want = opts.want && opts.want > 0 ? Math.min(opts.want, candidates.length) : candidates.length;
  const window = Math.max(1, opts.concurrency ?? 2);
  const out: Loaded = { samples: [], skipped: [], sources: {} };
  const notes: MaskNote[] = [];
  let good = 0;
  for (let start = 0; start < candidates.length && good < want;) {
    const batch = candidates.slice(start, start + Math.min(window, want - good));
    start += batch.length;
    const results = await Promise.allSettled(batch.map((p) => loadPair(p, opts)));
    for (let j = 0; j < batch.length && good < want; j++) {
      const r = results[j];
      if (r.status === "rejected") {
        const e = r.reason;
        if (!(e instanceof DataError) || !opts.skipBad) {
          if (e instanceof DataError) e.message += ` [in ${where}; ${HINT_SKIP}]`;
          throw e;
        }
        out.skipped.push({ path: e.path ?? batch[j].imagePath, reason: e.message });
        continue;
      }
      good++;
      if (r.value.note) notes.push(r.value.note);
      if (opts.keep !== false) out.samples.push(r.value.sample);
      Object.assign(out.sources, r.value.sources);
      await opts.onSample?.(r.value, batch[j]);
      opts.onProgress?.(good, want);
    }
  }
  if (good === 0) {
    throw new DataError(`no valid image/mask pairs in ${where} (${out.skipped.length} skipped as bad)`);
  }
  tellNotes(notes, where, opts);
  return out;
}

/** One line per kind of mask note, the first time this run meets it (the count is this split's). */
function tellNotes(notes: MaskNote[], where: string, opts: LoadOptions): void {
  const told = opts.told ?? TOLD;
  const warn = opts.warn ?? ((m: string) => console.error(m));
  for (const kind of ["0/1", "rebinarized"] as const) {
    const these = notes.filter((n) => n.kind === kind);
    if (these.length === 0 || told.has(kind)) continue;
    told.add(kind);
    warn(
      kind === "0/1"
        ? `note: ${these.length} mask(s) in ${where} store 0/1 (e.g. ${these[0].path}): read as binary, ` +
          `1 = foreground (told once per run)`
        : `warning: ${these.length} mask(s) in ${where} re-binarised because rebinarize is set, e.g. ` +
          `${these[0].detail} (told once per run)`,
    );
  }
}
