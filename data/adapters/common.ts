/**
 * What every dataset adapter returns, and the one pairing rule they share: an image and a mask
 * belong together when their file stems are equal. Files without a partner are returned as
 * orphans (never dropped silently); validation turns them into errors or, with skipBad, into
 * the skipped list.
 */
import { basename, extname, join } from "node:path";
import { DataError } from "../../core/errors.ts";
import type { TaskSpec } from "../tasks.ts";

export type Split = "train" | "test";
export const SPLITS: readonly Split[] = ["train", "test"];

/** One image with its ground truth, as files. */
export interface Pair {
  stem: string;
  imagePath: string;
  /** binary mask (0/255, or 0/1: data/validate.ts), or (with vocClassIndex) a VOC class-index PNG */
  maskPath: string;
  /** maskPath is a VOC class-index PNG: the target is `index == vocClassIndex` */
  vocClassIndex?: number;
  /** VOC class-index PNG whose 255 (boundary) pixels are ignored by every metric */
  ignorePath?: string;
}

/** A file whose partner is missing, with the reason. */
export interface Orphan {
  path: string;
  reason: string;
}

export interface PairList {
  pairs: Pair[];
  orphans: Orphan[];
}

/** One dataset reader: the original archive layout of its dataset. */
export interface Adapter {
  name: TaskSpec["adapter"];
  /** the dataset this adapter reads, for reports when no MANIFEST.json names it */
  dataset: string;
  /**
   * Folders (relative to a data root) where the unpacked archive may sit, besides the root
   * itself; one more level below each is searched too (archives wrap their content in a folder).
   */
  dirs: readonly string[];
  /** Whether `base` holds this dataset's original layout (cheap: folder checks only). */
  detect(base: string): Promise<boolean>;
  /** Pairs of `split` if `base` holds the original layout, else null (not this layout). */
  original(base: string, task: TaskSpec, split: Split): Promise<PairList | null>;
  /** The folders `original` reads under `base` (for the cheap data fingerprint). */
  watched(base: string, task: TaskSpec): string[];
}

export const IMAGE_EXTS = new Set([".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".bmp"]);

export async function isDir(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch {
    return false;
  }
}

export async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

/** Image files of `dir` by stem (hidden files and other extensions are not images). */
export async function filesByStem(
  dir: string,
  keep?: (stem: string) => boolean,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch (e) {
    throw new DataError(`cannot list ${dir}: ${(e as Error).message}`, dir);
  }
  for (const e of entries) {
    const ext = extname(e.name).toLowerCase();
    if (!e.isFile || e.name.startsWith(".") || !IMAGE_EXTS.has(ext)) continue;
    const stem = basename(e.name, extname(e.name));
    if (keep && !keep(stem)) continue;
    const prev = out.get(stem);
    if (prev) {
      throw new DataError(`two files with stem '${stem}' in ${dir}: ${basename(prev)} and ${e.name}`, dir);
    }
    out.set(stem, join(dir, e.name));
  }
  return out;
}

/** Pair `imageDir` with `maskDir` by stem, sorted by stem; unmatched files become orphans. */
export async function pairByStem(
  imageDir: string,
  maskDir: string,
  keep?: (stem: string) => boolean,
): Promise<PairList> {
  const images = await filesByStem(imageDir, keep);
  const masks = await filesByStem(maskDir, keep);
  const pairs: Pair[] = [];
  const orphans: Orphan[] = [];
  for (const [stem, imagePath] of images) {
    const maskPath = masks.get(stem);
    if (maskPath) pairs.push({ stem, imagePath, maskPath });
    else orphans.push({ path: imagePath, reason: `image without a mask (no ${stem}.* in ${maskDir})` });
  }
  for (const [stem, maskPath] of masks) {
    if (!images.has(stem)) {
      orphans.push({ path: maskPath, reason: `mask without an image (no ${stem}.* in ${imageDir})` });
    }
  }
  pairs.sort((a, b) => cmp(a.stem, b.stem));
  orphans.sort((a, b) => cmp(a.path, b.path));
  return { pairs, orphans };
}

/** Pairs from `<dir>/images` + `<dir>/masks` when both exist, else null. */
export async function imagesMasksPairs(
  dir: string,
  keep?: (stem: string) => boolean,
): Promise<PairList | null> {
  const images = join(dir, "images");
  const masks = join(dir, "masks");
  if (!(await isDir(images)) && !(await isDir(masks))) return null;
  if (!(await isDir(images))) throw new DataError(`${masks} has no sibling images/ folder`, masks);
  if (!(await isDir(masks))) throw new DataError(`${images} has no sibling masks/ folder`, images);
  return pairByStem(images, masks, keep);
}

/** Code-point order, so every machine sorts stems the same way. */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
