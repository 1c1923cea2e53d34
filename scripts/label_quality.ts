/**
 * How good the labels of the agent's points were (issue 15: why masks balloon): for each evaluated
 * (task, segmenter, policy, variant, T, E, shots) in a cache, over seeds and test images, the points
 * t = 1..T by their label (from the labeller) against the ground truth at the point (StepRecord.fg):
 * how many landed on the object, how many background points were labelled positive (each one grows
 * the mask onto background), how many object points were labelled negative (each one cuts it).
 * Reads the evaluate-family entries' summary.json (core/records.ts EvalSummary); builds nothing.
 *
 * @example
 * deno run -A scripts/label_quality.ts ~/.cache/alignsam glass,saliency
 */
import { join } from "node:path";
import type { EvalSummary } from "../core/records.ts";
import { ENTRY_META } from "../pipeline/store.ts";

const [cacheDir, tasksArg = ""] = Deno.args;
if (!cacheDir) {
  console.error("usage: deno run -A scripts/label_quality.ts CACHE_DIR [task,task,...]");
  Deno.exit(2);
}
const only = new Set(tasksArg.split(",").filter(Boolean));

interface Tally {
  seeds: Set<number>;
  points: number;
  onObject: number;
  /** background point labelled 1 */
  fpos: number;
  /** object point labelled 0 */
  fneg: number;
  labelledPos: number;
}

const groups = new Map<string, Tally>();
const entries = join(cacheDir, "entries");
for await (const e of Deno.readDir(entries)) {
  let s: EvalSummary;
  try {
    s = JSON.parse(await Deno.readTextFile(join(entries, e.name, "summary.json")));
  } catch {
    continue; // not an evaluate-family entry
  }
  if (!Array.isArray(s.images) || (only.size && !only.has(s.task))) continue;
  const meta = JSON.parse(await Deno.readTextFile(join(entries, e.name, ENTRY_META)));
  const shots = meta.item?.shots ?? "";
  const key = [
    s.task,
    meta.config?.segmenter ?? s.segmenter,
    meta.stage,
    s.policy,
    s.variant,
    s.T,
    s.E,
    shots,
  ]
    .join("\t");
  const g = groups.get(key) ??
    { seeds: new Set<number>(), points: 0, onObject: 0, fpos: 0, fneg: 0, labelledPos: 0 };
  g.seeds.add(s.seed);
  for (const im of s.images) {
    for (const st of im.steps) {
      if (st.t < 1) continue;
      g.points++;
      if (st.fg) g.onObject++;
      if (st.point.label === 1) g.labelledPos++;
      if (st.point.label === 1 && !st.fg) g.fpos++;
      if (st.point.label === 0 && st.fg) g.fneg++;
    }
  }
  groups.set(key, g);
}

const pct = (a: number, b: number) => (b > 0 ? (100 * a / b).toFixed(1) : "-");
console.log(
  [
    "task",
    "segmenter",
    "stage",
    "policy",
    "variant",
    "T",
    "E",
    "shots",
    "seeds",
    "points",
    "on object %",
    "labelled + %",
    "bg labelled + (% of bg)",
    "obj labelled − (% of obj)",
    "label accuracy %",
  ].join("\t"),
);
for (const [key, g] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
  const bg = g.points - g.onObject;
  console.log([
    key,
    g.seeds.size,
    g.points,
    pct(g.onObject, g.points),
    pct(g.labelledPos, g.points),
    pct(g.fpos, bg),
    pct(g.fneg, g.onObject),
    pct(g.points - g.fpos - g.fneg, g.points),
  ].join("\t"));
}
