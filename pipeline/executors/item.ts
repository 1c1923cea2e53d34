/**
 * The builds a remote job runs (`cli/main.ts build-item`): open the same session as the
 * coordinator, make sure every input is already in the shared cache and that this process
 * computes the coordinator's key, then build exactly that item and commit it; a worker job does
 * so for each item it takes from its stage's queue (queue.ts).
 *
 * The job claims its key itself (execute.ts claims every key it builds), so the claim names the
 * job's host, pid and SLURM job id; the coordinator claims none of the keys it submits. A key
 * claimed by another builder (a second coordinator's job) is waited for, then its entry is used.
 */
import { UsageError } from "../../core/errors.ts";
import { markTaken, takeNext } from "./queue.ts";
import { executor } from "../execute.ts";
import { itemId } from "../items.ts";
import { plan, type PlanItem } from "../plan.ts";
import { type Node, openSession, type RunnerOptions, type Session } from "../session.ts";
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
  const session = jobSession(opts, stageName);
  const node = nodesOf(session, stageName)(item);
  const planned = new Map((await plan(session, [node])).map((p) => [p.id, p]));
  return await buildPlanned(session, node, planned, expectedKey, signal);
}

/**
 * A worker job (queue.ts): take the queue's items one after another and build each, for up to
 * `budgetS` seconds (an item once started is finished), with one session and one plan memo: a
 * job's start-up (a fresh process, module load, the session) is paid once for many cheap items,
 * and the job stays warm (issue 13's benchmark). A failed item does not stop the next (each gets
 * an executor of its own: one halts after a failure), except on `signal`. `done` hears of each.
 */
export async function buildFromQueue(
  opts: RunnerOptions,
  stageName: string,
  dir: string,
  job: string,
  budgetS: number,
  signal: AbortSignal,
  done: (id: string, res: BuiltItem | { error: Error }) => void = () => {},
): Promise<{ built: number; failed: string[] }> {
  const t0 = performance.now();
  const session = jobSession(opts, stageName);
  const nodeOf = nodesOf(session, stageName);
  const planned = new Map<string, PlanItem>();
  const memo = new Map<string, Promise<PlanItem>>();
  const out = { built: 0, failed: [] as string[] };
  while (!signal.aborted && (performance.now() - t0) / 1000 < budgetS) {
    // a worker is submitted only when items wait: if its first look finds none, look again for a
    // few seconds (another worker may have taken them; or an NFS client lists a folder from its cache)
    let next = await takeNext(dir, job);
    for (const ms of out.built || out.failed.length ? [] : [1000, 2000]) {
      if (next || signal.aborted) break;
      await new Promise((r) => setTimeout(r, ms));
      next = await takeNext(dir, job);
    }
    if (!next) break;
    const node = nodeOf(next.item);
    let res: BuiltItem | { error: Error };
    try {
      for (const p of await plan(session, [node], memo)) planned.set(p.id, p);
      res = await buildPlanned(session, node, planned, next.key, signal);
      memo.delete(node.id); // planned before it was built: a later item that needs it plans it anew
      out.built++;
      await markTaken(dir, next.name, job, { ok: true });
    } catch (e) {
      if (signal.aborted) throw e;
      res = { error: e as Error };
      out.failed.push(node.id);
      await markTaken(dir, next.name, job, { ok: false, error: (e as Error).message });
    }
    done(node.id, res);
  }
  return out;
}

function jobSession(opts: RunnerOptions, stageName: string): Session {
  return openSession({ ...opts, targets: [stageName], task: undefined, until: undefined });
}

/** `stageName`'s items as nodes; the stage's own list is computed once, to warn of one outside it. */
function nodesOf(session: Session, stageName: string): (item: Item) => Node {
  const stage = session.dag.byName.get(stageName)!; // openSession named an unknown stage
  let listed: Set<string> | undefined;
  return (item) => {
    const node = { stage, item, id: itemId(stageName, item) };
    listed ??= new Set(stage.items(session.params).map((it) => itemId(stageName, it)));
    if (!listed.has(node.id)) {
      // an input item outside items() is legal (execute.ts builds it on demand), so only warn
      session.log(`note: ${node.id} is not among ${stageName}'s items for these params`);
    }
    return node;
  };
}

async function buildPlanned(
  session: Session,
  node: Node,
  planned: ReadonlyMap<string, PlanItem>,
  expectedKey: string | undefined,
  signal: AbortSignal,
): Promise<BuiltItem> {
  const own = planned.get(node.id)!;
  const missing = session.inputs(node).map((n) => planned.get(n.id)!).filter((p) => p.state !== "fresh");
  if (missing.length) {
    throw new UsageError(
      `build-item ${node.id}: input(s) not in the cache ${session.opts.cacheDir}: ${
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
