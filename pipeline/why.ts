/**
 * Why an item is stale, DVC-style: the difference between the key parts recorded at its last
 * build (the index) and today's, e.g. `param E: 50 → 30`, `code changed: kernels/agent/ppo.ts`,
 * `input changed: preprocess[task=sbu]`, `fingerprint changed`.
 */
import { canonicalJson } from "./hash.ts";
import type { KeyParts } from "./store.ts";

function show(v: unknown): string {
  if (typeof v === "string") return v;
  if (v === undefined) return "(unset)";
  return canonicalJson(v);
}

/** Reasons `cur` differs from `prev`; `inputs` is skipped when `cur.inputs` is undefined. */
export function explain(
  prev: KeyParts,
  cur: Omit<KeyParts, "inputs"> & { inputs?: KeyParts["inputs"] },
): string[] {
  const out: string[] = [];
  const names = new Set([...Object.keys(prev.params ?? {}), ...Object.keys(cur.params)]);
  for (const n of names) {
    const a = prev.params?.[n];
    const b = cur.params[n];
    if (!(n in (prev.params ?? {}))) out.push(`param ${n} added: ${show(b)}`);
    else if (!(n in cur.params)) out.push(`param ${n} removed`);
    else if (canonicalJson(a) !== canonicalJson(b)) out.push(`param ${n}: ${show(a)} → ${show(b)}`);
  }
  const files = new Set([...Object.keys(prev.code ?? {}), ...Object.keys(cur.code)]);
  for (const f of files) {
    const a = prev.code?.[f];
    const b = cur.code[f];
    if (a === undefined) out.push(`code added: ${f}`);
    else if (b === undefined) out.push(`code removed: ${f}`);
    else if (a !== b) out.push(`code changed: ${f}`);
  }
  if (cur.inputs) {
    const before = new Map((prev.inputs ?? []).map((i) => [i.id, i.digest]));
    const now = new Set(cur.inputs.map((i) => i.id));
    for (const i of cur.inputs) {
      const d = before.get(i.id);
      if (d === undefined) out.push(`input added: ${i.id}`);
      else if (d !== i.digest) out.push(`input changed: ${i.id}`);
    }
    for (const id of before.keys()) if (!now.has(id)) out.push(`input removed: ${id}`);
  }
  if ((prev.fingerprint ?? "") !== (cur.fingerprint ?? "")) out.push("fingerprint changed");
  return out;
}

/** [singular, plural] of each kind of reason, in the order a summary lists them. */
const KINDS: [RegExp, string, string][] = [
  [/^never built$/, "never built", "never built"],
  [/^param \S+ added/, "param added", "params added"],
  [/^param \S+ removed/, "param removed", "params removed"],
  [/^param /, "param changed", "params changed"],
  [/^code added/, "code file added", "code files added"],
  [/^code removed/, "code file removed", "code files removed"],
  [/^code changed/, "code file changed", "code files changed"],
  [/^input added/, "input added", "inputs added"],
  [/^input changed/, "input changed", "inputs changed"],
  [/^input removed/, "input removed", "inputs removed"],
  [/^input /, "input not fresh", "inputs not fresh"],
  [/^fingerprint/, "fingerprint changed", "fingerprint changed"],
];

/**
 * An item's reasons as one line. Longer than `max` characters (a report item can have hundreds),
 * they are counted by kind instead, and the line says which command lists them all, e.g.
 * "12 params changed, 81 inputs removed; `deno task status --why 'report'` lists them all".
 */
export function whyLine(id: string, reasons: string[], max = 200): string {
  const full = reasons.join("; ");
  if (full.length <= max) return full;
  const counts = new Map<number, number>();
  for (const r of reasons) {
    const k = KINDS.findIndex(([re]) => re.test(r));
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const parts = [...counts].sort(([a], [b]) => (a < 0 ? 99 : a) - (b < 0 ? 99 : b)).map(([k, n]) =>
    k < 0
      ? `${n} other reason${n > 1 ? "s" : ""}`
      // a reason an item has at most once ("never built") is not counted
      : KINDS[k][1] === KINDS[k][2]
      ? KINDS[k][1]
      : `${n} ${KINDS[k][n > 1 ? 2 : 1]}`
  );
  return `${parts.join(", ")}; \`deno task status --why '${id}'\` (same flags) lists them all`;
}
