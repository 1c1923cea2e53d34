/**
 * `deno task plan`: what a profile costs before it runs. Each item's wall time is, first found:
 * its own entry's (when cached); else `start-up + per unit × units` (the app's units, e.g.
 * images × steps × epochs) from, per stage, a fit on this cache's entries of the stage made
 * under the same cost class (e.g. segmenter; whatever profile made them), else the bench's
 * calibration file for that class (pipeline/calibration.ts), else the app's built-in defaults.
 * The wall time on N workers is a list schedule along the DAG (longest remaining path first),
 * bounded below by the critical path.
 */
import {
  calibrate,
  type Calibration,
  type CalibrationRecord,
  type CostUnits,
  entryWalls,
  priceOf,
  pricesTerms,
  readCalibrationFile,
} from "./calibration.ts";
import { plan, type PlanItem } from "./plan.ts";
import { type Node, openSession, type RunnerOptions, type Session } from "./session.ts";
import type { Item, Params } from "./stage.ts";

export interface CostModel extends CostUnits {
  /** a stage's built-in cost (start-up + per unit + per term) when nothing measured applies; undefined: no estimate */
  defaultCost(stage: string): { fixed: number; perUnit: number; perTerm?: number[] } | undefined;
  /** the stage's jobs hold a GPU */
  gpu(stage: string): boolean;
  /**
   * Optional, once per plan before pricing: look at the items (and the fresh entries among them)
   * for what the params cannot tell, e.g. how many images a task really has. Its `units` (and
   * `terms`) then replace CostUnits', for the items and for the fit on this cache's entries.
   */
  survey?(items: SurveyItem[]): Promise<UnitSurvey>;
}

/** One item the plan prices, for CostModel.survey. */
export interface SurveyItem {
  stage: string;
  item: Item;
  /** the folder of its fresh entry, when it has one */
  entry?: string;
}

/** What a survey learnt: better units, and lines saying where they came from (printed under the plan). */
export interface UnitSurvey {
  units(stage: string, item: Item, params: Params): number;
  terms?(stage: string, item: Item, params: Params): number[] | undefined;
  notes: string[];
}

/** Where an estimate came from, best first. */
export type CostSource = "entry" | "cache" | "bench" | "default" | "none";
const SOURCES: CostSource[] = ["entry", "cache", "bench", "default", "none"];

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
  /** the worst source among the items to build */
  source: CostSource;
  /** the stage's cost where it was not an entry's own: start-up + per unit, and on how many items */
  cost?: Calibration;
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
  /** the app's cost class (e.g. "segmenter=standin") and the bench calibration found for it */
  costClass: string;
  bench?: CalibrationRecord;
  /** the model's survey notes, e.g. where the units' image counts came from */
  notes: string[];
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
  return await costPlanOf(session, await plan(session, session.targets), model, workers, gpus);
}

/** The cost plan of items already planned in `session` (reproduce plans once and passes them). */
export async function costPlanOf(
  session: Session,
  planned: PlanItem[],
  model: CostModel,
  workers: number,
  gpus: number,
): Promise<CostPlan> {
  const nodes = new Map<string, Node>();
  const collect = (n: Node) => {
    if (nodes.has(n.id)) return;
    nodes.set(n.id, n);
    session.inputs(n).forEach(collect);
  };
  session.targets.forEach(collect);
  const cacheDir = session.opts.cacheDir;
  const costClass = (await model.costClass?.(session.params)) ?? "";
  const bench = (await readCalibrationFile(cacheDir))?.classes[costClass];
  const builtIn = (stage: string) => {
    const d = model.defaultCost(stage);
    return d ? { ...d, n: 0 } : undefined;
  };
  const survey = await model.survey?.(planned.map((p) => ({
    stage: p.stage,
    item: p.item,
    ...(p.state === "fresh" && p.key ? { entry: session.store.entryDir(p.key) } : {}),
  })));
  const units = survey
    ? survey.units
    : (stage: string, item: Item, params: Params) => model.units(stage, item, params);
  const terms = survey ? survey.terms : model.terms?.bind(model);
  const entries = await entryWalls(cacheDir);
  const byKey = new Map(entries.map((e) => [e.key, e]));
  const fitted = await calibrate(
    entries,
    { units, terms, costClass: (params) => model.costClass?.(params) ?? "" },
    costClass,
    (s) => bench?.stages[s] ?? builtIn(s),
  );
  // a bench calibration made before the app counted a stage's terms would price them at 0
  const stageTerms = new Map(planned.map((p) => [p.stage, terms?.(p.stage, p.item, session.params)]));
  const benchFor = (stage: string) => {
    const c = bench?.stages[stage];
    return c && pricesTerms(c, stageTerms.get(stage)) ? c : undefined;
  };
  /** a stage's cost to build one more item, and where it came from (the precedence above) */
  const stageCost = (stage: string): { cost?: Calibration; source: CostSource } => {
    const c = fitted.get(stage) ?? benchFor(stage) ?? builtIn(stage);
    const source = fitted.has(stage) ? "cache" : benchFor(stage) ? "bench" : c ? "default" : "none";
    return { cost: c, source };
  };

  const items: ItemCost[] = planned.map((p) => {
    const node = nodes.get(p.id)!;
    const gpu = model.gpu(p.stage);
    const inputs = session.inputs(node).map((n) => n.id);
    const own = p.state === "fresh" && p.key ? byKey.get(p.key) : undefined;
    const base = { id: p.id, stage: p.stage, gpu, inputs };
    if (own) return { ...base, seconds: own.wallSeconds, build: false, source: "entry" };
    const { cost, source } = stageCost(p.stage);
    const seconds = cost
      ? priceOf(cost, units(p.stage, p.item, session.params), terms?.(p.stage, p.item, session.params))
      : 0;
    return { ...base, seconds, build: true, source };
  });

  const stages: StageCost[] = session.dag.order.flatMap((s) => {
    const mine = items.filter((i) => i.stage === s.name);
    if (!mine.length) return [];
    const todo = mine.filter((i) => i.build);
    const secs = todo.reduce((a, i) => a + i.seconds, 0);
    const worst = Math.max(0, ...todo.map((i) => SOURCES.indexOf(i.source)));
    return [{
      stage: s.name,
      items: mine.length,
      build: todo.length,
      perItem: todo.length ? secs / todo.length : NaN,
      hours: secs / 3600,
      gpu: model.gpu(s.name),
      source: SOURCES[worst],
      cost: todo.length ? stageCost(s.name).cost : undefined,
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
    costClass,
    bench,
    notes: survey?.notes ?? [],
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
  bench: "the bench calibration",
  default: "the app's built-in defaults",
  none: "NO ESTIMATE (no entry, no model)",
};

function sourceText(s: StageCost): string {
  if (!s.build) return SOURCE_TEXT.entry;
  if (s.source === "cache") return `${SOURCE_TEXT.cache} (${s.cost?.n})`;
  return SOURCE_TEXT[s.source];
}

/** Which bench calibration the plan read, or how to make one. */
function benchLine(p: CostPlan): string {
  const cls = p.costClass ? ` for ${p.costClass}` : "";
  if (!p.bench) return `bench calibration${cls}: none in this cache (deno task bench --only plan writes one)`;
  const m = p.bench.machine;
  return `bench calibration${cls}: ${p.bench.measured.slice(0, 16).replace("T", " ")} UTC on ${m.host} ` +
    `(${m.cpus} CPUs${m.load1 !== undefined ? `, load ${m.load1.toFixed(1)}` : ""}): ${p.bench.how}`;
}

/** The plan as a table: per stage items, to build, s/item, start-up, hours; totals; critical path; wall. */
export function formatCostPlan(p: CostPlan): string {
  const head = [
    "stage",
    "items",
    "to build",
    "per item",
    "start-up",
    p.gpus > 0 ? "CPU/GPU h" : "CPU h",
    "estimate from",
  ];
  const rows = p.stages.map((s) => [
    s.stage,
    String(s.items),
    String(s.build),
    s.build ? formatDuration(s.perItem) : "-",
    s.build && s.cost ? formatDuration(s.cost.fixed) : "-",
    `${s.hours.toFixed(2)}${p.gpus > 0 && s.gpu ? " GPU" : ""}`,
    sourceText(s),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i > 0 && i < 6 ? c.padStart(w[i]) : c.padEnd(w[i]))).join("  ").trimEnd();
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
    benchLine(p),
    ...p.notes,
    `wall on ${slots}: ${formatDuration(p.wall)}`,
  ].join("\n");
}
