/**
 * Find a built entry by a partial item, e.g. `task=glass,seed=0` for stage train-agent: the
 * index names each (stage, item)'s last key. Lets commands take a readable spec instead of a
 * hash directory. Knows nothing about what the stage is: it reads only items, the index and
 * each entry's recorded run config.
 */
import { join } from "node:path";
import { itemLabel } from "./items.ts";
import type { Item, Params } from "./stage.ts";
import { ENTRY_META, type EntryMeta } from "./store.ts";
import { UsageError } from "../core/errors.ts";

/** `task=glass,seed=0` → { task: "glass", seed: "0" } (values compared as text). */
export function parseItemSpec(spec: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of spec.split(",").filter(Boolean)) {
    const eq = part.indexOf("=");
    if (eq <= 0) {
      throw new UsageError(`item spec '${spec}': expected KEY=VALUE[,KEY=VALUE…], e.g. task=glass,seed=0`);
    }
    out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

interface Candidate {
  item: Item;
  key: string;
  dir: string;
}

/**
 * The entry directory of the one built item of `stage` matching every key of `spec`. When
 * several match, two rules pick the plain one, so `task=glass,seed=0` means a run's own agent:
 * 1. a key the spec does not name, held by only some of them, marks a variant (e.g. `shots`):
 *    those are dropped while any candidate lacks it;
 * 2. an item key that is also a run param (e.g. T, E) at the value its run had marks the run's
 *    own item; one at another value is a sweep point, dropped while any candidate is plain.
 * None left, or several → UsageError listing the candidates as specs to paste after `flag`.
 */
export async function findEntry(
  cacheDir: string,
  stage: string,
  spec: Record<string, string>,
  flag = "",
): Promise<string> {
  const indexDir = join(cacheDir, "index", stage);
  const found: { item: Item; key: string }[] = [];
  try {
    for await (const e of Deno.readDir(indexDir)) {
      if (!e.name.endsWith(".json")) continue;
      const rec = JSON.parse(await Deno.readTextFile(join(indexDir, e.name))) as { key: string; item: Item };
      found.push(rec);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const matches = found.filter((r) => Object.entries(spec).every(([k, v]) => String(r.item[k]) === v));
  const built: Candidate[] = [];
  for (const m of matches) {
    const dir = join(cacheDir, "entries", m.key);
    try {
      await Deno.stat(dir);
      built.push({ ...m, dir });
    } catch { /* the index remembers an entry that was removed */ }
  }
  const paste = (xs: { item: Item }[]) =>
    xs.map((x) => `  ${flag ? `${flag} ` : ""}${itemLabel(x.item)}`).sort().join("\n");
  if (built.length === 0) {
    throw new UsageError(
      `no built ${stage} item matches ${itemLabel(spec)} in ${cacheDir}` +
        (found.length ? `; built items:\n${paste(found)}` : ` (run \`deno task run ${stage}\` first)`),
    );
  }
  const plain = await runOwn(withoutVariants(built, spec));
  if (plain.length === 1) return plain[0].dir;
  throw new UsageError(
    `${plain.length} ${stage} items match ${itemLabel(spec)}; name one of them:\n${paste(plain)}`,
  );
}

/** Rule 1: drop candidates holding a key that the spec does not name and others lack. */
function withoutVariants(cs: Candidate[], spec: Record<string, string>): Candidate[] {
  const keys = new Set(cs.flatMap((c) => Object.keys(c.item)));
  const optional = [...keys].filter((k) => !(k in spec) && cs.some((c) => !(k in c.item)));
  return cs.filter((c) => optional.every((k) => !(k in c.item)));
}

/** Rule 2: keep the candidates whose item keys equal their run's params of the same name. */
async function runOwn(cs: Candidate[]): Promise<Candidate[]> {
  if (cs.length < 2) return cs;
  const own: Candidate[] = [];
  for (const c of cs) {
    let config: Params = {};
    try {
      config = (JSON.parse(await Deno.readTextFile(join(c.dir, ENTRY_META))) as EntryMeta).config ?? {};
    } catch { /* unreadable metadata: no evidence either way, so it counts as the run's own */ }
    const sweep = Object.entries(c.item).some(([k, v]) =>
      k in config && typeof config[k] !== "object" && String(config[k]) !== String(v)
    );
    if (!sweep) own.push(c);
  }
  return own.length ? own : cs;
}
