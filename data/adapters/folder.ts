/**
 * The generic folder adapter: any `images/` + `masks/` pair of folders, paired by file stem
 * (0/255 masks). It also reads the normalised layout of ../shared/data,
 * `<task>/{train,test}/{images,masks}` (+ `voc-index/` for voc-<class> tasks), which every
 * task accepts besides its dataset's original layout.
 */
import { join } from "node:path";
import { DataError } from "../../core/errors.ts";
import type { TaskSpec } from "../tasks.ts";
import { type Adapter, filesByStem, imagesMasksPairs, isDir, type PairList, type Split } from "./common.ts";

/**
 * A user's folder: `<base>/<split>/{images,masks}`, or `<base>/{images,masks}` with no split
 * folders, which is read as the test split (the usual case: data to evaluate on).
 */
export const folderAdapter: Adapter = {
  name: "folder",
  dataset: "user folder (images/ + masks/)",
  dirs: [],
  detect: async (base) =>
    await isDir(join(base, "images")) || await isDir(join(base, "test", "images")) ||
    await isDir(join(base, "train", "images")),
  async original(base, _task, split) {
    const bySplit = await imagesMasksPairs(join(base, split));
    if (bySplit) return bySplit;
    if (split === "test" && !(await isDir(join(base, "train")))) return await imagesMasksPairs(base);
    return null;
  },
  watched: (base) => [base],
};

/** The normalised folder of one task under a data root. */
export function normalisedDir(root: string, task: TaskSpec): string {
  return join(root, task.id);
}

/**
 * Pairs of the normalised layout, or null when `<root>/<task>/<split>` does not exist. VOC tasks
 * take their ignore region from `voc-index/<stem>.png` (original class indices, 255 = boundary);
 * a missing index file is an orphan, since without it boundary pixels would count as background.
 */
export async function normalisedPairs(root: string, task: TaskSpec, split: Split): Promise<PairList | null> {
  const dir = join(normalisedDir(root, task), split);
  if (!(await isDir(dir))) return null;
  const list = await imagesMasksPairs(dir);
  if (!list) throw new DataError(`${dir} has no images/ and masks/ folders`, dir);
  if (task.adapter !== "voc") return list;
  const indexDir = join(dir, "voc-index");
  const index = (await isDir(indexDir)) ? await filesByStem(indexDir) : new Map<string, string>();
  const pairs = [];
  for (const p of list.pairs) {
    const ignorePath = index.get(p.stem);
    if (ignorePath) pairs.push({ ...p, ignorePath });
    else {
      list.orphans.push({
        path: p.maskPath,
        reason:
          `VOC mask without its class-index PNG (no ${p.stem}.png in ${indexDir}: the 255 boundary is unknown)`,
      });
    }
  }
  return { pairs, orphans: list.orphans };
}
