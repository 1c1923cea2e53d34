/**
 * CUHK blur detection (Shi et al., CVPR 2014) as its two archives unpack: image/ + gt/, 1000
 * images of which 704 are defocus blur (`out_of_focus*`) and 296 motion blur (`motion*`). The
 * paper's blur task is defocus (supp. Table 1: "defocus background"), so only out_of_focus* is read.
 *
 * CUHK ships no train/test split. We use the division customary since BTBNet (Zhao et al.,
 * CVPR 2018): of the 704 defocus images sorted by name, the last 100 are the test set and the
 * other 604 the training pool (NOT IN PAPER; AlignSAM samples its 50 training images from it).
 */
import { join } from "node:path";
import { type Adapter, isDir, pairByStem } from "./common.ts";

export const CUHK_TEST_COUNT = 100;
const DEFOCUS = (stem: string) => stem.startsWith("out_of_focus");

export const cuhkAdapter: Adapter = {
  name: "cuhk",
  dataset: "CUHK defocus blur (Shi et al., CVPR 2014)",
  dirs: ["CUHK", "cuhk", "BlurDataset"],
  detect: async (base) => await isDir(join(base, "image")) && await isDir(join(base, "gt")),
  async original(base, _task, split) {
    if (!(await isDir(join(base, "image"))) && !(await isDir(join(base, "gt")))) return null;
    const all = await pairByStem(join(base, "image"), join(base, "gt"), DEFOCUS);
    const cut = Math.max(0, all.pairs.length - CUHK_TEST_COUNT);
    return {
      pairs: split === "train" ? all.pairs.slice(0, cut) : all.pairs.slice(cut),
      orphans: split === "train" ? all.orphans : [],
    };
  },
  watched: (base) => [join(base, "image"), join(base, "gt")],
};
