/**
 * The one-item build a remote job runs (`cli/main.ts build-item`): open the same session as the
 * coordinator, make sure every input is already in the shared cache and that this process
 * computes the coordinator's key, then build exactly this item and commit it.
 *
 * The job claims its key itself (execute.ts claims every key it builds), so the claim names the
 * job's host, pid and SLURM job id; the coordinator claims none of the keys it submits. A key
 * claimed by another builder (a second coordinator's job) is waited for, then its entry is used.
 */
import { UsageError } from "../../core/errors.ts";
import { executor } from "../execute.ts";
import { itemId } from "../items.ts";
import { plan } from "../plan.ts";
import { openSession, type RunnerOptions } from "../session.ts";
import type { Item } from "../stage.ts";
import type { EntryMeta } from "../store.ts";

export interface BuiltItem {
  meta: EntryMeta;
  /** false when a whole entry with this key was already there (another job or an earlier run) */
  built: boolean;
}

/**
 * Build `stage`'s `item` into opts.cacheDir. `expectedKey` is the coordinator's key: a job that
 * computes another one (other code or config on the node) fails before building anything.
 */
export async function buildItem(
  opts: RunnerOptions,
  stageName: string,
  item: Item,
  expectedKey: string | undefined,
  signal: AbortSignal,
): Promise<BuiltItem> {
  const session = openSession({ ...opts, targets: [stageName], task: undefined, until: undefined });
  const stage = session.dag.byName.get(stageName)!; // openSession named an unknown stage
  const node = { stage, item, id: itemId(stageName, item) };
  if (!stage.items(session.params).some((it) => itemId(stageName, it) === node.id)) {
    // an input item outside items() is legal (execute.ts builds it on demand), so only warn
    session.log(`note: ${node.id} is not among ${stageName}'s items for these params`);
  }
  const planned = await plan(session, [node]);
  const own = planned[planned.length - 1];
  const missing = planned.filter((p) =>
    p.id !== node.id && p.state !== "fresh" && session.inputs(node).some((n) => n.id === p.id)
  );
  if (missing.length) {
    throw new UsageError(
      `build-item ${node.id}: input(s) not in the cache ${opts.cacheDir}: ${
        missing.map((m) => `${m.id} (${m.state})`).join(", ")
      } — the coordinator submits an item only once its inputs are built`,
    );
  }
  if (expectedKey !== undefined && own.key !== expectedKey) {
    throw new Error(
      `build-item ${node.id}: this job computes key ${own.key}, the coordinator ${expectedKey}: ` +
        `the node sees other code, data or config than the coordinator`,
    );
  }
  const ex = executor(session, signal);
  try {
    const meta = await ex.ensure(node);
    return { meta, built: ex.summary.ran.includes(node.id) };
  } finally {
    ex.close();
  }
}
