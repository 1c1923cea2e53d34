/**
 * MSD mirror (Yang et al., ICCV 2019) as the authors ship it: {train,test}/image + mask. MSD has
 * no public download link (project page only): the user places the folder (see data/datasets.ts).
 */
import { join } from "node:path";
import { type Adapter, isDir, pairByStem } from "./common.ts";

export const msdAdapter: Adapter = {
  name: "msd",
  dataset: "MSD mirror (Yang et al., ICCV 2019)",
  dirs: ["MSD", "msd"],
  detect: async (base) =>
    await isDir(join(base, "train", "image")) || await isDir(join(base, "test", "image")),
  async original(base, _task, split) {
    const dir = join(base, split);
    if (!(await isDir(join(dir, "image"))) && !(await isDir(join(dir, "mask")))) return null;
    return await pairByStem(join(dir, "image"), join(dir, "mask"));
  },
  watched: (base) => [join(base, "train"), join(base, "test")],
};
