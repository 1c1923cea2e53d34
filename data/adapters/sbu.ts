/**
 * SBU shadow (Vicente et al., ECCV 2016) as its archive ships: SBUTrain4KRecoveredSmall/ (train)
 * and SBU-Test/ (test), each ShadowImages/*.jpg + ShadowMasks/*.png.
 */
import { join } from "node:path";
import { type Adapter, isDir, pairByStem } from "./common.ts";

const SPLIT_DIR = { train: "SBUTrain4KRecoveredSmall", test: "SBU-Test" } as const;

export const sbuAdapter: Adapter = {
  name: "sbu",
  dataset: "SBU shadow (Vicente et al., ECCV 2016)",
  dirs: ["SBU", "sbu", "SBU-shadow"],
  detect: async (base) => await isDir(join(base, SPLIT_DIR.train)) || await isDir(join(base, SPLIT_DIR.test)),
  async original(base, _task, split) {
    const dir = join(base, SPLIT_DIR[split]);
    if (!(await isDir(dir))) return null;
    return await pairByStem(join(dir, "ShadowImages"), join(dir, "ShadowMasks"));
  },
  watched: (base) => Object.values(SPLIT_DIR).map((d) => join(base, d)),
};
