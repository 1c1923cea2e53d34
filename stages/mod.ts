/**
 * The one list of alignsam's stages (DESIGN.md §2: the runner imports no stage; stages register
 * here) and the config the CLI hands the runner.
 */
import type { Params, Stage } from "../pipeline/stage.ts";
import { DEFAULT_PROFILE, PROFILES, SCHEMA } from "./config.ts";
import { preprocessStage } from "./preprocess.ts";
import { embedCacheStage } from "./embed_cache.ts";
import { clipMapsStage } from "./clip_maps.ts";
import { trainAgentStage } from "./train_agent.ts";
import { evaluateStage } from "./evaluate.ts";
import { ablateStage, baselinesStage, sweepStage } from "./aggregate.ts";
import { persamStage } from "./persam.ts";
import { type PrepareOptions, prepareRun } from "./availability.ts";
import { reportStage } from "./report.ts";
import { type DeviceChoice, requestDevice, resolveDevice } from "../kernels/device.ts";

export const STAGES: Stage[] = [
  preprocessStage,
  embedCacheStage,
  clipMapsStage,
  trainAgentStage,
  evaluateStage,
  baselinesStage,
  ablateStage,
  sweepStage,
  persamStage,
  reportStage,
];

export const CONFIG = { schema: SCHEMA, profiles: PROFILES, defaultProfile: DEFAULT_PROFILE };

/**
 * Before a run: leave out the tasks with no data here and say why, stop when nothing can run
 * (stages/availability.ts); pass the device on to every module and worker, and for a run (not
 * status, which probes nothing) record the device it resolved to in every entry's config
 * (kernels/device.ts).
 */
export async function PREPARE(params: Params, opts: PrepareOptions): Promise<Params> {
  const prepared = await prepareRun(params, opts);
  const asked = String(params.device) as DeviceChoice;
  const device = opts.strict ? await resolveDevice(asked) : asked;
  requestDevice(device); // worker threads take the resolved device instead of probing again
  return { ...prepared, device };
}
