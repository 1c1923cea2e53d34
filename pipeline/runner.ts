/**
 * The runner's public API: `reproduce` (build targets, or print what would run with dryRun),
 * `status` (fresh / stale and why, per stage and item) and `dag` (the static DAG as text).
 * Generic: it knows stages, params and files, nothing of SAM, RL or images.
 *
 * @example
 * const summary = await reproduce({ stages, schema, profiles, profile: "smoke", root, cacheDir });
 * console.log(summary.ran); // ["preprocess[task=glass]", ...]
 */
import { buildDag, dagMermaid, formatDag } from "./dag.ts";
import { InterruptedError } from "../core/errors.ts";
import { type Executor, executor, HaltedError, type RunSummary } from "./execute.ts";
import type { BadBlob } from "./blobs.ts";
import { describeHolder, type Holder } from "./claims.ts";
import { formatPlan, plan, type PlanItem } from "./plan.ts";
import { whyLine } from "./why.ts";
import { openSession, type RunnerOptions, type Session } from "./session.ts";
import type { ParamSchema, Stage } from "./stage.ts";

export type { PlanItem, RunnerOptions, RunSummary };
export { formatPlan };

export interface ReproduceResult extends RunSummary {
  /** with dryRun: every target and needed input with its state and reasons */
  plan?: PlanItem[];
  /** the store directory of each target item's entry, by item id (not with dryRun) */
  entries: Record<string, string>;
}

/** Build every target item (and the inputs they need) that is not cached; see RunnerOptions. */
export async function reproduce(opts: RunnerOptions): Promise<ReproduceResult> {
  const session = openSession(opts);
  if (opts.dryRun) return await dryRun(session);
  // no cache-wide lock: each key is claimed by whoever builds it (pipeline/claims.ts)
  const release = () => session.claims.releaseAll();
  const controller = new AbortController();
  const stopSignals = (opts.handleSignals ?? true) ? listenSignals(controller, session, release) : () => {};
  const onOuter = () => controller.abort();
  opts.signal?.addEventListener("abort", onOuter);
  if (opts.signal?.aborted) controller.abort();
  try {
    // planned once: the hook's entry checks are the build's (session.check)
    if (opts.onPlan) await opts.onPlan(await plan(session, session.targets), session);
    const cleaned = await session.store.cleanTemp((key) => session.claims.tokenOnDisk(key));
    if (cleaned > 0) session.log(`removed ${cleaned} unfinished temp dir(s) left by an interrupted run`);
    const ex = executor(session, controller.signal);
    const entries: Record<string, string> = {};
    try {
      if ((opts.jobs ?? 1) > 1) await buildAll(session, ex, entries);
      else await buildInOrder(session, ex, entries, controller.signal);
    } finally {
      ex.close();
    }
    return { ...ex.summary, entries };
  } finally {
    opts.signal?.removeEventListener("abort", onOuter);
    stopSignals();
    release();
  }
}

/** One item after another, stage by stage (jobs = 1): a stage's bar ticks per item. */
async function buildInOrder(
  session: Session,
  ex: Executor,
  entries: Record<string, string>,
  signal: AbortSignal,
) {
  for (const stage of session.dag.order) {
    const mine = session.targets.filter((t) => t.stage === stage);
    if (mine.length === 0) continue;
    const bar = session.progress(stage.name, mine.length);
    const ran0 = ex.summary.ran.length;
    for (const node of mine) {
      if (signal.aborted) throw new InterruptedError(`interrupted before ${node.id}`);
      const meta = await ex.ensure(node);
      entries[node.id] = session.store.entryDir(meta.key);
      bar.tick();
    }
    const ran = ex.summary.ran.slice(ran0).filter((id) => mine.some((m) => m.id === id)).length;
    bar.done(`(${ran} built, ${mine.length - ran} cached)`);
  }
}

/**
 * Every target at once (jobs > 1): an item starts as soon as its inputs are built and a job is
 * free, so no stage waits for all of the previous stage. Waits for every item to settle, then
 * throws the first real failure (items already running when it happened are kept).
 */
async function buildAll(session: Session, ex: Executor, entries: Record<string, string>) {
  const t0 = performance.now();
  const results = await Promise.allSettled(session.targets.map(async (node) => {
    const meta = await ex.ensure(node);
    entries[node.id] = session.store.entryDir(meta.key);
  }));
  const errors = results.filter((r) => r.status === "rejected").map((r) => r.reason);
  const ran = new Set(ex.summary.ran);
  for (const stage of session.dag.order) {
    const mine = session.targets.filter((t) => t.stage === stage);
    if (mine.length === 0) continue;
    const built = mine.filter((m) => ran.has(m.id)).length;
    const done = mine.filter((m) => entries[m.id] !== undefined).length;
    session.log(`${stage.name}: ${done}/${mine.length} (${built} built, ${done - built} cached)`);
  }
  if (errors.length) {
    throw errors.find((e) => e instanceof InterruptedError) ??
      errors.find((e) => !(e instanceof HaltedError)) ?? errors[0];
  }
  session.log(`all ${session.targets.length} item(s) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

async function dryRun(session: Session): Promise<ReproduceResult> {
  const items = await plan(session, session.targets);
  const todo = items.filter((i) => i.state !== "fresh");
  for (const i of todo) session.log(`would run ${i.id}: ${whyLine(i.id, i.reasons)}`);
  session.log(`${todo.length} of ${items.length} item(s) would run`);
  const fresh = items.filter((i) => i.state === "fresh").map((i) => i.id);
  return { ran: [], fresh, rebuilt: [], plan: items, entries: {} };
}

function listenSignals(controller: AbortController, session: Session, release: () => void): () => void {
  let count = 0;
  const handler = () => {
    count++;
    if (count === 1) {
      session.log(
        "interrupt: stopping after the current item (its partial output is discarded); again to quit now",
      );
      controller.abort();
    } else {
      release();
      Deno.exit(130);
    }
  };
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, handler);
  return () => {
    for (const s of signals) Deno.removeSignalListener(s, handler);
  };
}

/**
 * Every stage's items (and the inputs they reach) with their state and reasons, and the items
 * being built right now and where; with `verify`, every memo blob is checked too. Read-only.
 */
export async function status(
  opts: RunnerOptions,
): Promise<{ items: PlanItem[]; text: string; building: Holder[]; badBlobs?: BadBlob[] }> {
  const session = openSession({ ...opts, force: false, dryRun: true });
  const items = await plan(session, session.targets);
  const building = await session.claims.list();
  const lines = [formatPlan(items, session.dag.order.map((s) => s.name))];
  if (building.length) {
    lines.push(`building now (${building.length}):`);
    for (const b of building) {
      lines.push(
        `  ${describeHolder(b.info, b.ageMs)}${b.stale ? " — stale: the next run takes it over" : ""}`,
      );
    }
  }
  if (!opts.verify) return { items, text: lines.join("\n"), building };
  const blobs = await session.store.blobs.verify();
  lines.push(`memo blobs: ${blobs.checked} checked, ${blobs.bad.length} corrupt`);
  for (const b of blobs.bad) {
    lines.push(`  corrupt blob ${b.name} (${b.key}): ${b.problem}; re-made when next used`);
  }
  return { items, text: lines.join("\n"), building, badBlobs: blobs.bad };
}

/** The static DAG as text (with item counts when params are given) and as mermaid. */
export function dag(
  stages: readonly Stage[],
  config?: { schema: ParamSchema; params: Record<string, unknown> },
): { text: string; mermaid: string; order: string[] } {
  const d = buildDag(stages, config?.schema);
  const counts = config ? new Map(d.order.map((s) => [s.name, s.items(config.params).length])) : undefined;
  return { text: formatDag(d, counts), mermaid: dagMermaid(d), order: d.order.map((s) => s.name) };
}
