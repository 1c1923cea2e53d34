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
