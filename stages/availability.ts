/**
 * Which of the run's tasks have data here, before anything runs. A task without data (no SBU
 * on this machine, a VOC class with an empty split) is left out of the run with its reason,
 * which the report shows in every table that would have had it — never a blank cell, and the
 * other tasks still run. `deno task data --fetch` downloads what can be downloaded.
 */
import type { Params } from "../pipeline/stage.ts";
import { getTask } from "../data/tasks.ts";
import { listTaskPairs, resolveTask } from "../data/root.ts";
import { runTasks } from "./studies.ts";

export interface Unavailable {
  task: string;
  /** one short line for the report's cells */
  reason: string;
  /** the full message: what to download and where to put it */
  detail: string;
}

/** Split the run's tasks into those with data and those without (with the reason). */
export async function checkTasks(
  params: Params,
  opts: { download: boolean },
): Promise<{ available: string[]; unavailable: Unavailable[] }> {
  const available: string[] = [];
  const unavailable: Unavailable[] = [];
  for (const id of runTasks(params)) {
    try {
      const td = await resolveTask(getTask(id), { download: opts.download });
      const empty: string[] = [];
      for (const split of ["train", "test"] as const) {
        if ((await listTaskPairs(td, split)).pairs.length === 0) empty.push(split);
      }
      if (empty.length) {
        const reason = `empty ${empty.join(" and ")} split`;
        unavailable.push({ task: id, reason, detail: `${reason} in ${td.base}` });
      } else available.push(id);
    } catch (e) {
      const reason = `no ${getTask(id).paperDataset} data found here (see \`deno task data\`)`;
      unavailable.push({ task: id, reason, detail: (e as Error).message });
    }
  }
  return { available, unavailable };
}
