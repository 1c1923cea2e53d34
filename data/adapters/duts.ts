/**
 * DUTS saliency (Wang et al., CVPR 2017) as its two archives unpack: DUTS-TR/DUTS-TR-Image +
 * DUTS-TR-Mask (train) and DUTS-TE/DUTS-TE-Image + DUTS-TE-Mask (test).
 */
import { join } from "node:path";
import { type Adapter, isDir, pairByStem } from "./common.ts";

const SPLIT_DIR = { train: "DUTS-TR", test: "DUTS-TE" } as const;

export const dutsAdapter: Adapter = {
  name: "duts",
  dataset: "DUTS saliency (Wang et al., CVPR 2017)",
  dirs: ["DUTS", "duts"],
  detect: async (base) => await isDir(join(base, SPLIT_DIR.train)) || await isDir(join(base, SPLIT_DIR.test)),
  async original(base, _task, split) {
    const name = SPLIT_DIR[split];
    const dir = join(base, name);
    if (!(await isDir(dir))) return null;
    return await pairByStem(join(dir, `${name}-Image`), join(dir, `${name}-Mask`));
  },
  watched: (base) => Object.values(SPLIT_DIR).map((d) => join(base, d)),
};
