/**
 * `deno task plan`: what a profile costs before it runs. Each item's wall time is its entry's
 * (when cached), else its stage's seconds per work unit times the item's units (the app's cost
 * model: e.g. images × steps × epochs), plus a fixed start-up part: both fitted on this cache's
 * own entries of the stage (whatever profile made them; fitCost), else the app's defaults.
 * The wall time on N workers is a list schedule along the DAG (longest remaining path first),
 * bounded below by the critical path.
 */
import { join } from "node:path";
import { plan, type PlanItem } from "./plan.ts";
import { type Node, openSession, type RunnerOptions } from "./session.ts";
import type { Item, Params } from "./stage.ts";
import { ENTRY_META, type EntryMeta } from "./store.ts";

export interface CostModel {
  /** work units of one item, e.g. images × T × E (1 for a stage without a model) */
  units(stage: string, item: Item, params: Params): number;
  /** seconds per unit when the cache has no entry of the stage; undefined: no estimate */
  defaultSecondsPerUnit(stage: string): number | undefined;
  /** the stage's jobs hold a GPU */
  gpu(stage: string): boolean;
}

export type CostSource = "entry" | "cache" | "default" | "none";

export interface ItemCost {
  id: string;
  stage: string;
  /** estimated (or, for cached items, measured) wall seconds of one run */
  seconds: number;
  /** false when a fresh entry is cached */
  build: boolean;
  source: CostSource;
  gpu: boolean;
  inputs: string[];
}

export interface StageCost {
  stage: string;
  items: number;
  build: number;
  /** seconds per item to build (mean), NaN when none is built */
  perItem: number;
  /** hours to build what is not cached */
  hours: number;
  gpu: boolean;
  source: CostSource;
  /** entries of this stage the seconds per unit came from */
  calibratedOn: number;
}

export interface CostPlan {
  items: ItemCost[];
  stages: StageCost[];
  cpuHours: number;
  gpuHours: number;
  /** seconds: the longest chain of items to build */
  criticalPath: number;
  criticalChain: string[];
  /** seconds on `workers` job slots, of which `gpus` hold a GPU (0: GPU stages run on CPU slots) */
  wall: number;
  workers: number;
  gpus: number;
}

/** Every entry's stage, item, config and wall seconds (the calibration data). */
async function entryWalls(cacheDir: string): Promise<EntryMeta[]> {
  const out: EntryMeta[] = [];
  try {
    for await (const e of Deno.readDir(join(cacheDir, "entries"))) {
      try {
        const meta = JSON.parse(await Deno.readTextFile(join(cacheDir, "entries", e.name, ENTRY_META)));
        if (typeof meta.wallSeconds === "number" && meta.stage) out.push(meta);
      } catch {
        // an entry being committed or a corrupt one: not calibration data
      }
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** A stage's calibrated cost: `fixed + perUnit × units` seconds, fitted on `n` entries. */
export interface Calibration {
  fixed: number;
  perUnit: number;
  n: number;
}

/**
 * `wall = fixed + perUnit × units` through (units, wall) points: least squares when the points
 * have at least two unit counts (a per-item start-up cost then shows as `fixed`, so a smoke
 * run's small items do not inflate a paper run's big ones), both terms kept ≥ 0; otherwise the
 * median of wall / units with no fixed part.
 */
export function fitCost(points: { units: number; wall: number }[]): Calibration {
  const n = points.length;
  const mu = points.reduce((a, p) => a + p.units, 0) / n;
  const mw = points.reduce((a, p) => a + p.wall, 0) / n;
  const varU = points.reduce((a, p) => a + (p.units - mu) ** 2, 0);
  if (varU > 0) {
    const perUnit = points.reduce((a, p) => a + (p.units - mu) * (p.wall - mw), 0) / varU;
    const fixed = mw - perUnit * mu;
    if (perUnit >= 0 && fixed >= 0) return { fixed, perUnit, n };
    if (perUnit < 0) return { fixed: mw, perUnit: 0, n }; // wall does not grow with units here
    // a negative start-up cost: the line through the origin instead
    const uw = points.reduce((a, p) => a + p.units * p.wall, 0);
    return { fixed: 0, perUnit: uw / points.reduce((a, p) => a + p.units ** 2, 0), n };
  }
  return { fixed: 0, perUnit: median(points.map((p) => p.wall / p.units)), n };
}

/** Each stage's cost fitted on the cache's entries of it (whatever profile made them). */
export function calibrate(entries: EntryMeta[], model: CostModel): Map<string, Calibration> {
  const by = new Map<string, { units: number; wall: number }[]>();
  for (const e of entries) {
    const units = model.units(e.stage, e.item, e.config ?? {});
    if (!(units > 0)) continue;
    by.set(e.stage, [...(by.get(e.stage) ?? []), { units, wall: e.wallSeconds }]);
  }
  return new Map([...by].map(([s, points]) => [s, fitCost(points)]));
}

/**
 * Wall time of `items` (inputs first) on `workers` slots, `gpus` of the slots' GPU items at once
 * (0: GPU items use CPU slots like any other): when a slot frees, the ready item with the longest
 * remaining path starts. Cached items take no time.
 */
export function schedule(items: ItemCost[], workers: number, gpus: number): number {
  const byId = new Map(items.map((i) => [i.id, i]));
  const dur = (i: ItemCost) => (i.build ? i.seconds : 0);
  const tail = new Map<string, number>(); // longest path from an item to the end, itself included
  const users = new Map<string, string[]>();
  for (const i of items) for (const up of i.inputs) users.set(up, [...(users.get(up) ?? []), i.id]);
  for (const i of [...items].reverse()) {
    const after = (users.get(i.id) ?? []).map((u) => tail.get(u) ?? 0);
    tail.set(i.id, dur(i) + Math.max(0, ...after));
  }
  const waiting = new Map(items.map((i) => [i.id, i.inputs.filter((u) => byId.has(u)).length]));
  const ready = items.filter((i) => waiting.get(i.id) === 0);
  const running: { end: number; item: ItemCost }[] = [];
  let now = 0;
  let gpuBusy = 0;
  const needsGpu = (i: ItemCost) => gpus > 0 && i.gpu;
  while (ready.length || running.length) {
    ready.sort((a, b) => tail.get(b.id)! - tail.get(a.id)!);
    for (let k = 0; k < ready.length && running.length < workers;) {
      const it = ready[k];
      if (needsGpu(it) && gpuBusy >= gpus) {
        k++;
        continue;
      }
      ready.splice(k, 1);
      if (needsGpu(it)) gpuBusy++;
      running.push({ end: now + dur(it), item: it });
    }
    running.sort((a, b) => a.end - b.end);
    const next = running.shift();
    if (!next) break; // nothing can start: cannot happen with workers ≥ 1
    now = next.end;
    if (needsGpu(next.item)) gpuBusy--;
    for (const u of users.get(next.item.id) ?? []) {
      const left = waiting.get(u)! - 1;
      waiting.set(u, left);
      if (left === 0) ready.push(byId.get(u)!);
    }
  }
  return now;
}

/** The longest chain of items to build: its seconds and item ids. */
export function criticalPath(items: ItemCost[]): { seconds: number; chain: string[] } {
  const best = new Map<string, { s: number; chain: string[] }>();
  let top = { s: 0, chain: [] as string[] };
  for (const i of items) {
    const ups = i.inputs.map((u) => best.get(u)).filter((x) => x !== undefined);
    const from = ups.reduce((a, b) => (b.s > a.s ? b : a), { s: 0, chain: [] as string[] });
    const own = i.build ? i.seconds : 0;
    const mine = { s: from.s + own, chain: own > 0 ? [...from.chain, i.id] : from.chain };
    best.set(i.id, mine);
    if (mine.s > top.s) top = mine;
  }
  return { seconds: top.s, chain: top.chain };
}

/** The cost plan of a runner call's targets (everything they need), on `workers` and `gpus`. */
export async function costPlan(
  opts: RunnerOptions,
  model: CostModel,
  workers: number,
  gpus: number,
): Promise<CostPlan> {
  const session = openSession({ ...opts, dryRun: true });
  const planned: PlanItem[] = await plan(session, session.targets);
  const nodes = new Map<string, Node>();
  const collect = (n: Node) => {
    if (nodes.has(n.id)) return;
    nodes.set(n.id, n);
    session.inputs(n).forEach(collect);
  };
  session.targets.forEach(collect);
  const entries = await entryWalls(opts.cacheDir);
  const byKey = new Map(entries.map((e) => [e.key, e]));
  const cal = calibrate(entries, model);

  const items: ItemCost[] = planned.map((p) => {
    const node = nodes.get(p.id)!;
    const gpu = model.gpu(p.stage);
    const inputs = session.inputs(node).map((n) => n.id);
    const own = p.state === "fresh" && p.key ? byKey.get(p.key) : undefined;
    if (own) {
      return {
        id: p.id,
        stage: p.stage,
        seconds: own.wallSeconds,
        build: false,
        source: "entry",
        gpu,
        inputs,
      };
    }
    const units = model.units(p.stage, p.item, session.params);
    const c = cal.get(p.stage);
    const perUnit = c?.perUnit ?? model.defaultSecondsPerUnit(p.stage);
    const source: CostSource = c ? "cache" : perUnit !== undefined ? "default" : "none";
    const seconds = (c?.fixed ?? 0) + (perUnit ?? 0) * units;
    return { id: p.id, stage: p.stage, seconds, build: true, source, gpu, inputs };
  });

  const stages: StageCost[] = session.dag.order.flatMap((s) => {
    const mine = items.filter((i) => i.stage === s.name);
    if (!mine.length) return [];
    const todo = mine.filter((i) => i.build);
    const secs = todo.reduce((a, i) => a + i.seconds, 0);
    const sources = new Set(todo.map((i) => i.source));
    const source: CostSource = sources.has("none")
      ? "none"
      : sources.has("default")
      ? "default"
      : sources.has("cache")
      ? "cache"
      : "entry";
    return [{
      stage: s.name,
      items: mine.length,
      build: todo.length,
      perItem: todo.length ? secs / todo.length : NaN,
      hours: secs / 3600,
      gpu: model.gpu(s.name),
      source,
      calibratedOn: cal.get(s.name)?.n ?? 0,
    }];
  });
  const cp = criticalPath(items);
  // with GPUs, a GPU stage's hours are GPU hours; without, every stage runs on CPU slots
  const onGpu = (s: StageCost) => gpus > 0 && s.gpu;
  return {
    items,
    stages,
    cpuHours: stages.filter((s) => !onGpu(s)).reduce((a, s) => a + s.hours, 0),
    gpuHours: stages.filter(onGpu).reduce((a, s) => a + s.hours, 0),
    criticalPath: cp.seconds,
    criticalChain: cp.chain,
    wall: schedule(items, workers, gpus),
    workers,
    gpus,
  };
}

/** A duration for people: 42 s, 12.5 min, 3.2 h, 2.1 d. */
export function formatDuration(s: number): string {
  if (s < 90) return `${s.toFixed(0)} s`;
  if (s < 5400) return `${(s / 60).toFixed(1)} min`;
  if (s < 172800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} d`;
}

const SOURCE_TEXT: Record<CostSource, string> = {
  entry: "cached entries' wall times",
  cache: "this cache's entries of the stage",
  default: "the app's default cost model",
  none: "NO ESTIMATE (no entry, no model)",
};

/** The plan as a table: per stage items, to build, s/item, hours; totals; critical path; wall. */
export function formatCostPlan(p: CostPlan): string {
  const head = [
    "stage",
    "items",
    "to build",
    "per item",
    p.gpus > 0 ? "CPU/GPU h" : "CPU h",
    "estimate from",
  ];
  const rows = p.stages.map((s) => [
    s.stage,
    String(s.items),
    String(s.build),
    s.build ? formatDuration(s.perItem) : "-",
    `${s.hours.toFixed(2)}${p.gpus > 0 && s.gpu ? " GPU" : ""}`,
    s.build
      ? `${SOURCE_TEXT[s.source]}${s.source === "cache" ? ` (${s.calibratedOn})` : ""}`
      : SOURCE_TEXT.entry,
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i > 0 && i < 5 ? c.padStart(w[i]) : c.padEnd(w[i]))).join("  ").trimEnd();
  const total = p.items.length;
  const build = p.items.filter((i) => i.build).length;
  const slots = `${p.workers} worker(s)${p.gpus > 0 ? `, ${p.gpus} GPU(s)` : " (GPU stages on CPU)"}`;
  return [
    line(head),
    ...rows.map(line),
    `total: ${total} item(s), ${build} to build: ${p.cpuHours.toFixed(2)} CPU h, ${
      p.gpuHours.toFixed(2)
    } GPU h`,
    `critical path: ${formatDuration(p.criticalPath)}${
      p.criticalChain.length ? ` (${p.criticalChain.length} items, ending ${p.criticalChain.at(-1)})` : ""
    }`,
    `wall on ${slots}: ${formatDuration(p.wall)}`,
  ].join("\n");
}
