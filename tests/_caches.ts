/**
 * Two caches built from one DAG, compared (issue 13 (a)): the same entry keys, and every file of
 * every entry byte-identical, except _entry.json (its wall time, notes and build time differ by
 * design and are not hashed). Files are compared by sha256, so an entry of megabytes costs no
 * memory and a difference names its file.
 */
import { join } from "node:path";
import { hashFile } from "../pipeline/hash.ts";
import { ENTRY_META, listFiles } from "../pipeline/store.ts";

/** index/<stage>/<item>.json → itemId → key, for every item of a cache. */
export async function indexKeys(cache: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const s of Deno.readDir(join(cache, "index"))) {
    for await (const f of Deno.readDir(join(cache, "index", s.name))) {
      const rec = JSON.parse(await Deno.readTextFile(join(cache, "index", s.name, f.name)));
      out[rec.itemId] = rec.key;
    }
  }
  return out;
}

/** The keys under `<cache>/entries`, sorted. */
export async function entryKeys(cache: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(join(cache, "entries"))) if (e.isDirectory) out.push(e.name);
  return out.sort();
}

/** Relative path → sha256 of every file of an entry but _entry.json. */
async function entryHashes(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of await listFiles(dir)) if (f !== ENTRY_META) out[f] = await hashFile(join(dir, f));
  return out;
}

/**
 * Every way the caches `a` and `b` differ, one line each (empty: same keys, byte-identical
 * entries): keys only one holds, then per shared key the files missing on a side or differing.
 */
export async function cacheDifferences(a: string, b: string): Promise<string[]> {
  const [ka, kb] = [await entryKeys(a), await entryKeys(b)];
  const diffs: string[] = [
    ...ka.filter((k) => !kb.includes(k)).map((k) => `entry ${k} only in ${a}`),
    ...kb.filter((k) => !ka.includes(k)).map((k) => `entry ${k} only in ${b}`),
  ];
  for (const key of ka.filter((k) => kb.includes(k))) {
    const [ha, hb] = [await entryHashes(join(a, "entries", key)), await entryHashes(join(b, "entries", key))];
    const meta = JSON.parse(await Deno.readTextFile(join(a, "entries", key, ENTRY_META)));
    for (const f of [...new Set([...Object.keys(ha), ...Object.keys(hb)])].sort()) {
      if (ha[f] !== hb[f]) {
        const why = ha[f] === undefined ? `only in ${b}` : hb[f] === undefined ? `only in ${a}` : "differs";
        diffs.push(`${meta.itemId} (${key}): ${f} ${why}`);
      }
    }
  }
  return diffs;
}
