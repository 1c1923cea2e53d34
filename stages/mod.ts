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
import { checkTasks } from "./availability.ts";
import { reportStage } from "./report.ts";

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

/** Before a run: leave out the tasks with no data here, and say why (stages/availability.ts). */
export async function PREPARE(params: Params, opts: { download: boolean; profile: string }): Promise<Params> {
  const { available, unavailable } = await checkTasks(params, opts);
  for (const u of unavailable) console.error(`[alignsam] leaving out task ${u.task}: ${u.detail}`);
  const keep = new Set(available);
  const sweepTasks = ((params.sweepTasks as string[] | undefined) ?? []).filter((t) => keep.has(t));
  return {
    runProfile: opts.profile,
    tasks: available,
    sweepTasks,
    skippedTasks: unavailable.map((u) => `${u.task}: ${u.reason}`),
  };
}
