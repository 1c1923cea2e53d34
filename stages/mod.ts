/**
 * The one list of alignsam's stages (DESIGN.md §2: the runner imports no stage; stages register
 * here) and the config the CLI hands the runner.
 */
import type { Stage } from "../pipeline/stage.ts";
import { DEFAULT_PROFILE, PROFILES, SCHEMA } from "./config.ts";

export const STAGES: Stage[] = [];

export const CONFIG = { schema: SCHEMA, profiles: PROFILES, defaultProfile: DEFAULT_PROFILE };
