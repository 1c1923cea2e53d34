/**
 * Planning without running (`status`, `--dry-run`): for each item, is its cache entry fresh,
 * and if not, why. An item whose inputs are not fresh cannot have its key computed yet; its
 * reasons then name those inputs (`input stale: preprocess[task=sbu]`).
 */
import { claimWhere } from "./claims.ts";
import type { Node, Session } from "./session.ts";
import type { KeyParts } from "./store.ts";
import { keyOf } from "./store.ts";
import { explain, whyLine } from "./why.ts";

export type ItemState = "fresh" | "stale" | "missing" | "corrupt" | "forced" | "building";

export interface PlanItem {
  id: string;
  stage: string;
  item: Node["item"];
  state: ItemState;
  reasons: string[];
  /** known when every input is fresh */
  key?: string;
  /** known when fresh */
  digest?: string;
}

/** Plan `roots` and everything they need; returns items in dependency order (inputs first). */
export async function plan(
  session: Session,
  roots: Node[],
  /** items planned by an earlier call (a worker job plans one item after another); its items are not returned again */
  memo = new Map<string, Promise<PlanItem>>(),
): Promise<PlanItem[]> {
  const ordered: PlanItem[] = [];
  const visit = (node: Node): Promise<PlanItem> => {
    let p = memo.get(node.id);
    if (!p) {
      p = planNode(session, node, visit).then((r) => {
        ordered.push(r);
        return r;
      });
      memo.set(node.id, p);
    }
    return p;
  };
  for (const n of roots) await visit(n);
  return ordered;
}

async function planNode(
  session: Session,
  node: Node,
  visit: (n: Node) => Promise<PlanItem>,
): Promise<PlanItem> {
  const { store } = session;
  const ups: PlanItem[] = [];
  for (const n of session.inputs(node)) ups.push(await visit(n));
  const own = {
    stage: node.stage.name,
    item: node.item,
    code: await session.code(node.stage),
    params: session.declared(node.stage),
    fingerprint: await node.stage.fingerprint?.(node.item, session.params),
  };
  const prev = await store.readIndex(node.stage.name, node.item);
  const base = { id: node.id, stage: node.stage.name, item: node.item };
  const notFresh = ups.filter((u) => u.state !== "fresh");
  if (notFresh.length > 0) {
    const reasons = [
      ...(prev ? explain(prev.parts, own) : ["never built"]),
      ...notFresh.map((u) => `input ${u.state}: ${u.id}`),
    ];
    return { ...base, state: prev ? "stale" : "missing", reasons };
  }
  const parts: KeyParts = { ...own, inputs: ups.map((u) => ({ id: u.id, digest: u.digest! })) };
  const key = keyOf(parts);
  const check = await session.check(key);
  if (session.forced.has(node.stage.name)) return { ...base, key, state: "forced", reasons: ["--force"] };
  if (check.state === "ok") return { ...base, key, state: "fresh", reasons: [], digest: check.meta.digest };
  const claim = await session.claims.read(key);
  if (claim && !claim.stale) {
    return { ...base, key, state: "building", reasons: [`on ${claimWhere(claim.info, claim.ageMs)}`] };
  }
  if (check.state === "corrupt") return { ...base, key, state: "corrupt", reasons: [check.problem] };
  if (!prev) return { ...base, key, state: "missing", reasons: ["never built"] };
  if (prev.key === key) return { ...base, key, state: "missing", reasons: ["entry deleted from the cache"] };
  const why = explain(prev.parts, parts);
  return { ...base, key, state: "stale", reasons: why.length ? why : ["key changed"] };
}

/** `status` text: per stage a count line, then one line per item with its state and reasons. */
export function formatPlan(items: PlanItem[], stageOrder: string[], all = true): string {
  const lines: string[] = [];
  for (const stage of stageOrder) {
    const mine = items.filter((i) => i.stage === stage);
    if (mine.length === 0) continue;
    const counts = new Map<string, number>();
    for (const i of mine) counts.set(i.state, (counts.get(i.state) ?? 0) + 1);
    lines.push(`${stage}: ${[...counts].map(([s, n]) => `${n} ${s}`).join(", ")}`);
    for (const i of mine) {
      if (!all && i.state === "fresh") continue;
      lines.push(`  ${i.state.padEnd(7)} ${i.id}${i.reasons.length ? `: ${whyLine(i.id, i.reasons)}` : ""}`);
    }
  }
  return lines.join("\n") || "(no stages registered)";
}
