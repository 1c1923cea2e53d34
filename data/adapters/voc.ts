/**
 * PASCAL VOC 2012 segmentation as its archive unpacks: VOCdevkit/VOC2012/{JPEGImages,
 * SegmentationClass, ImageSets/Segmentation/{train,val}.txt}. One binary task per class
 * (voc-<class>): the images of the split whose class-index PNG contains the class; target =
 * `index == class`; VOC's boundary value 255 is the ignore region. train.txt is the training
 * pool, val.txt the test set (the VOC 2012 test labels are not public).
 */
import { join } from "node:path";
import { DataError } from "../../core/errors.ts";
import { readGray } from "../../core/image_io.ts";
import { type Adapter, isDir, isFile, type Orphan, type Pair } from "./common.ts";

const SET_FILE = { train: "train.txt", test: "val.txt" } as const;

/** The VOC2012 folder under `base`, or null. */
async function vocDir(base: string): Promise<string | null> {
  for (const d of [join(base, "VOCdevkit", "VOC2012"), join(base, "VOC2012"), base]) {
    if (await isDir(join(d, "SegmentationClass")) && await isDir(join(d, "JPEGImages"))) return d;
  }
  return null;
}

/**
 * Class indices present in one index PNG, memoised per file, size and mtime: the 20 voc tasks
 * of one run read the same 2913 label files once, not 20 times.
 */
const present = new Map<string, Set<number>>();
async function classesIn(path: string): Promise<Set<number>> {
  const st = await Deno.stat(path);
  const key = `${path}\0${st.size}\0${st.mtime?.getTime()}`;
  let set = present.get(key);
  if (!set) {
    const { data } = await readGray(path);
    set = new Set<number>();
    const seen = new Uint8Array(256);
    for (let i = 0; i < data.length; i++) seen[data[i]] = 1;
    for (let v = 0; v < 256; v++) if (seen[v]) set.add(v);
    present.set(key, set);
  }
  return set;
}

export const vocAdapter: Adapter = {
  name: "voc",
  dataset: "PASCAL VOC 2012 segmentation (Everingham et al., IJCV 2010)",
  dirs: ["VOC2012", "voc", "VOCtrainval_11-May-2012"],
  detect: async (base) => (await vocDir(base)) !== null,
  async original(base, task, split) {
    const dir = await vocDir(base);
    if (!dir) return null;
    const k = task.vocClassIndex;
    if (k === undefined) throw new DataError(`task ${task.id} is not a VOC class task`, dir);
    const setFile = join(dir, "ImageSets", "Segmentation", SET_FILE[split]);
    let ids: string[];
    try {
      ids = (await Deno.readTextFile(setFile)).split(/\s+/).filter((s) => s.length > 0);
    } catch (e) {
      throw new DataError(`cannot read the VOC split list ${setFile}: ${(e as Error).message}`, setFile);
    }
    const pairs: Pair[] = [];
    const orphans: Orphan[] = [];
    for (const stem of ids.sort()) {
      const imagePath = join(dir, "JPEGImages", `${stem}.jpg`);
      const maskPath = join(dir, "SegmentationClass", `${stem}.png`);
      const [hasImage, hasMask] = [await isFile(imagePath), await isFile(maskPath)];
      if (!hasMask) {
        orphans.push({ path: maskPath, reason: `listed in ${setFile} but missing` });
        continue;
      }
      if (!(await classesIn(maskPath)).has(k)) continue; // not an image of this class
      if (!hasImage) orphans.push({ path: imagePath, reason: `listed in ${setFile} but missing` });
      else pairs.push({ stem, imagePath, maskPath, vocClassIndex: k, ignorePath: maskPath });
    }
    return { pairs, orphans };
  },
  watched: (base) =>
    [join(base, "VOCdevkit", "VOC2012"), join(base, "VOC2012"), base].flatMap((d) => [
      join(d, "SegmentationClass"),
      join(d, "ImageSets", "Segmentation"),
    ]),
};
