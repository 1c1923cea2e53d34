/** The adapters by name (data/tasks.ts names one per task). */
import type { AdapterName } from "../tasks.ts";
import type { Adapter } from "./common.ts";
import { cuhkAdapter } from "./cuhk.ts";
import { demoAdapter } from "../demo/folder.ts";
import { dutsAdapter } from "./duts.ts";
import { folderAdapter } from "./folder.ts";
import { msdAdapter } from "./msd.ts";
import { sbuAdapter } from "./sbu.ts";
import { vocAdapter } from "./voc.ts";

export const ADAPTERS: Record<AdapterName, Adapter> = {
  cuhk: cuhkAdapter,
  sbu: sbuAdapter,
  msd: msdAdapter,
  duts: dutsAdapter,
  voc: vocAdapter,
  folder: folderAdapter,
  demo: demoAdapter,
};
