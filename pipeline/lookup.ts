/**
 * Find a built entry by a partial item, e.g. `task=glass,seed=0` for stage train-agent: the
 * index names each (stage, item)'s last key. Lets commands take a readable spec instead of a
 * hash directory. Knows nothing about what the stage is.
 */
import { join } from "node:path";
import { itemId, itemLabel } from "./items.ts";
import type { Item } from "./stage.ts";
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

/**
 * The entry directory of the one built item of `stage` matching every key of `spec`.
 * None or several matching → UsageError listing what exists.
 */
export async function findEntry(
  cacheDir: string,
  stage: string,
  spec: Record<string, string>,
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
  const built = [];
  for (const m of matches) {
    const dir = join(cacheDir, "entries", m.key);
    try {
      await Deno.stat(dir);
      built.push({ ...m, dir });
    } catch { /* the index remembers an entry that was removed */ }
  }
  const list = (xs: { item: Item }[]) => xs.map((x) => `  ${itemId(stage, x.item)}`).join("\n");
  if (built.length === 1) return built[0].dir;
  if (built.length === 0) {
    throw new UsageError(
      `no built ${stage} item matches ${itemLabel(spec)} in ${cacheDir}` +
        (found.length ? `; built items:\n${list(found)}` : ` (run \`deno task run ${stage}\` first)`),
    );
  }
  throw new UsageError(
    `${built.length} ${stage} items match ${itemLabel(spec)}; add keys to pick one:\n${list(built)}`,
  );
}
