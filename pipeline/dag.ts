/**
 * The static DAG of stages from `Stage.after`: validation (unknown stage, unknown param,
 * cycle) and a topological order. Items are expanded later, by the runner.
 */
import { DagError } from "../core/errors.ts";
import type { ParamSchema, Stage } from "./stage.ts";

export interface Dag {
  /** stages in a topological order (a stage after everything it depends on) */
  order: Stage[];
  byName: Map<string, Stage>;
  /** stage → the stages it names in `after` */
  parents: Map<string, string[]>;
}

/** Build and check the DAG; throws DagError naming a duplicate, unknown stage or param, or a cycle. */
export function buildDag(stages: readonly Stage[], schema?: ParamSchema): Dag {
  const byName = new Map<string, Stage>();
  for (const s of stages) {
    if (byName.has(s.name)) throw new DagError(`two stages are named ${s.name}`);
    byName.set(s.name, s);
  }
  const parents = new Map<string, string[]>();
  for (const s of stages) {
    for (const p of s.after) {
      if (!byName.has(p)) {
        throw new DagError(`stage ${s.name} runs after unknown stage ${p} (stages: ${names(byName)})`);
      }
    }
    if (schema) {
      for (const p of s.params) {
        if (!(p in schema)) throw new DagError(`stage ${s.name} declares unknown param ${p}`);
      }
    }
    parents.set(s.name, [...s.after]);
  }
  return { order: topoOrder(stages, parents), byName, parents };
}

function names(byName: Map<string, Stage>): string {
  return [...byName.keys()].join(", ") || "none";
}

/** Depth-first topological sort that reports the first cycle it meets as `a → b → a`. */
function topoOrder(stages: readonly Stage[], parents: Map<string, string[]>): Stage[] {
  const state = new Map<string, "visiting" | "done">();
  const order: Stage[] = [];
  const byName = new Map(stages.map((s) => [s.name, s]));
  const path: string[] = [];
  const visit = (name: string) => {
    const st = state.get(name);
    if (st === "done") return;
    if (st === "visiting") {
      const cycle = [...path.slice(path.indexOf(name)), name];
      // path runs child → parent; print it in data-flow direction (parent → child)
      throw new DagError(`cycle: ${cycle.reverse().join(" → ")}`);
    }
    state.set(name, "visiting");
    path.push(name);
    for (const p of parents.get(name) ?? []) visit(p);
    path.pop();
    state.set(name, "done");
    order.push(byName.get(name)!);
  };
  for (const s of stages) visit(s.name);
  return order;
}

/** `name` and every stage it depends on, directly or not. */
export function ancestors(dag: Dag, name: string): Set<string> {
  const out = new Set<string>();
  const walk = (n: string) => {
    if (out.has(n)) return;
    out.add(n);
    for (const p of dag.parents.get(n) ?? []) walk(p);
  };
  walk(name);
  return out;
}

/** The DAG as text: one line per stage with what it runs after and its doc. */
export function formatDag(dag: Dag, itemCounts?: Map<string, number>): string {
  const width = Math.max(8, ...dag.order.map((s) => s.name.length));
  const afterOf = (s: Stage) => s.after.length ? `← ${s.after.join(", ")}` : "(source)";
  const afterWidth = Math.max(...dag.order.map((s) => afterOf(s).length));
  const lines = dag.order.map((s) => {
    const n = itemCounts?.get(s.name);
    const items = n === undefined ? "" : `  [${n} item${n === 1 ? "" : "s"}]`;
    return `${s.name.padEnd(width)}  ${afterOf(s).padEnd(afterWidth)}${items}\n${
      " ".repeat(width + 2)
    }${s.doc}`;
  });
  return lines.join("\n") || "(no stages registered)";
}

/** The DAG as a mermaid flowchart (for the report). */
export function dagMermaid(dag: Dag): string {
  const id = (n: string) => n.replace(/[^A-Za-z0-9_]/g, "_");
  const lines = ["flowchart LR"];
  for (const s of dag.order) {
    lines.push(`  ${id(s.name)}["${s.name}"]`);
    for (const p of s.after) lines.push(`  ${id(p)} --> ${id(s.name)}`);
  }
  return lines.join("\n");
}
