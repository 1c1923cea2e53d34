/**
 * Which evaluate items each study of the paper needs (DESIGN.md §3): the baselines of supp.
 * Table 4 and main Table 2, the labelling and branch ablations (supp. Table 3, main Table 4),
 * the T/E sweeps (supp. Fig. 2, main Table 5) and the few-shot runs (supp. Table 5).
 * Pure functions of the params: the aggregator stages and the report share them.
 */
import type { Item, Params } from "../pipeline/stage.ts";
import { expandTasks } from "../data/tasks.ts";
import { trainBranch } from "./train_agent.ts";

export type Study = "baselines" | "ablate" | "sweep";

/** A cell of a study that this run cannot fill, and why (shown in the report, never blank). */
export interface MissingCell {
  table: string;
  cell: string;
  reason: string;
}

const nums = (v: unknown): number[] => (Array.isArray(v) ? v.map(Number) : []);
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

/** The run's task ids (after `voc` expansion). */
export function runTasks(params: Params): string[] {
  return expandTasks(strs(params.tasks)).map((t) => t.id);
}

/**
 * The params each study's items depend on (what studyItems / studyTasks read besides `tasks`):
 * its stage declares them, and so does the report, which computes the same item lists.
 */
export const STUDY_PARAMS: Record<Study, readonly string[]> = {
  baselines: ["seeds", "T", "E", "clip"],
  ablate: ["seeds", "T", "E", "clip", "variants"],
  sweep: [
    "seeds",
    "T",
    "E",
    "clip",
    "sweepTasks",
    "sweepT",
    "sweepE",
    "tableT",
    "tableTTasks",
    "persamShots",
    "trainCount",
  ],
};

/** The tasks a study has an entry for: every run task, or for the sweep those it sweeps. */
export function studyTasks(study: Study, params: Params): string[] {
  const tasks = runTasks(params);
  if (study !== "sweep") return tasks;
  const sweep = new Set(strs(params.sweepTasks));
  const tableT = new Set(strs(params.tableTTasks));
  return tasks.filter((t) => sweep.has(t) || tableT.has(t));
}

/** An evaluate item: the train item's keys plus policy and labelling variant. */
export function evalItem(
  task: string,
  seed: number,
  params: Params,
  o: { policy?: string; variant?: string; branch?: string; T?: number; E?: number; shots?: number } = {},
): Item {
  const item: Item = {
    task,
    branch: o.branch ?? trainBranch(task, params),
    seed,
    T: o.T ?? Number(params.T),
    E: o.E ?? Number(params.E),
    policy: o.policy ?? "rl",
    variant: o.variant ?? "srm",
  };
  // Supp. Table 5: the agent trained on k of the training images; absent = all of them.
  if (o.shots !== undefined) item.shots = o.shots;
  return item;
}

const hasClip = (params: Params) => params.clip !== "none";

/** Evaluate items of one study on one task, and the cells it cannot fill. */
export function studyItems(
  study: Study,
  task: string,
  params: Params,
): { items: Item[]; missing: MissingCell[] } {
  const seeds = nums(params.seeds);
  const items: Item[] = [];
  const missing: MissingCell[] = [];
  const each = (o: Parameters<typeof evalItem>[3]) =>
    seeds.forEach((s) => items.push(evalItem(task, s, params, o)));
  const needsClip = (table: string, cell: string) =>
    missing.push({ table, cell: `${task} ${cell}`, reason: "needs CLIP weights (clip = none)" });
  if (study === "baselines") {
    // Supp. Table 4 (w/o RL = random cells, same SRM labels), main Table 2 (w/o SRM, w/o MSI).
    each({ policy: "rl", variant: "srm" });
    each({ policy: "random", variant: "srm" });
    each({ policy: "single", variant: "srm" });
    each({ policy: "rl", variant: "none" });
  } else if (study === "ablate") {
    // Supp. Table 3: the trained agent's points labelled by SRM / CLIP map / last mask / nothing.
    for (const variant of strs(params.variants)) {
      if (variant === "sclip" && !hasClip(params)) needsClip("supp-3", "RL+SCLIP");
      else each({ policy: "rl", variant });
    }
    // Main Table 4: implicit vs explicit branch.
    each({ policy: "rl", variant: "srm", branch: "implicit" });
    if (hasClip(params)) each({ policy: "rl", variant: "srm", branch: "explicit" });
    else needsClip("main-4", "explicit");
  } else {
    // Supp. Fig. 2: T at the run's E, E at the run's T; main Table 5: T on the VOC classes;
    // supp. Table 5: the agent trained on k images.
    const Ts = new Set(strs(params.sweepTasks).includes(task) ? nums(params.sweepT) : []);
    if (strs(params.tableTTasks).includes(task)) nums(params.tableT).forEach((t) => Ts.add(t));
    for (const T of Ts) each({ T });
    if (strs(params.sweepTasks).includes(task)) {
      for (const E of nums(params.sweepE)) each({ E });
      for (const shots of nums(params.persamShots)) {
        if (shots < Number(params.trainCount)) each({ shots });
      }
    }
  }
  return { items: dedupe(items), missing };
}

function dedupe(items: Item[]): Item[] {
  const seen = new Set<string>();
  return items.filter((i) => {
    const k = JSON.stringify(Object.entries(i).sort());
    return seen.has(k) ? false : (seen.add(k), true);
  });
}
