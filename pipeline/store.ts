/**
 * The content-addressed cache store (DVC's habit, DESIGN.md §4):
 *   entries/<key>/            one finished item: its files + _entry.json (whole or absent)
 *   index/<stage>/<item>.json the last key of each (stage, item), so `status` can say why
 *   blobs/<sha256(memo key)>  RunContext.memo values
 *   tmp/                      work in progress; emptied by the next runner that takes the lock
 * An entry is written in tmp/, every file fsynced, then renamed into entries/: a crash leaves
 * only tmp/ debris, never a partial entry.
 */
import { join, relative, sep } from "node:path";
import { canonicalJson, hashFile, sha256Hex } from "./hash.ts";
import { itemFileName } from "./items.ts";
import type { Item, Params } from "./stage.ts";

export const ENTRY_META = "_entry.json";

export interface FileRecord {
  sha256: string;
  size: number;
  /** ms since epoch, as stat reported after the write; a differing mtime triggers a re-hash */
  mtime: number;
}

/** What a cache key is made of; kept in the index so `status` can diff it against today's. */
export interface KeyParts {
  stage: string;
  /** the fan-out item itself: two items with equal params and inputs still differ */
  item: Item;
  /** project-relative path → sha256 of its content */
  code: Record<string, string>;
  /** declared params only */
  params: Params;
  inputs: { id: string; digest: string }[];
  fingerprint?: string;
}

export interface EntryMeta {
  stage: string;
  item: Item;
  itemId: string;
  key: string;
  params: Params;
  /** every effective config value of the run that made the entry */
  config: Params;
  code: Record<string, string>;
  inputs: { id: string; key: string; digest: string }[];
  fingerprint?: string;
  files: Record<string, FileRecord>;
  /** sha256 over the sorted file records: what downstream keys see */
  digest: string;
  /** the item's wall time, measured by the runner; like `notes`, never hashed */
  wallSeconds: number;
  /** RunContext.note values: run-to-run measurements kept out of the digested files */
  notes?: Record<string, number>;
  created: string;
}

export interface IndexRecord {
  key: string;
  itemId: string;
  item: Item;
  parts: KeyParts;
  updated: string;
}

export type CheckResult = { state: "absent" } | { state: "ok"; meta: EntryMeta } | {
  state: "corrupt";
  problem: string;
};

/** The cache key of an item. */
export function keyOf(parts: KeyParts): string {
  return sha256Hex(canonicalJson(parts));
}

/** Digest over file records: changes when any output file's content, name or size changes. */
export function filesDigest(files: Record<string, FileRecord>): string {
  const lines = Object.keys(files).sort().map((p) => `${p}\t${files[p].sha256}\t${files[p].size}\n`);
  return sha256Hex(lines.join(""));
}

/** Every file under `dir`, as sorted `/`-separated relative paths. */
export async function listFiles(dir: string, base = dir, out: string[] = []): Promise<string[]> {
  for await (const e of Deno.readDir(dir)) {
    const p = join(dir, e.name);
    if (e.isDirectory) await listFiles(p, base, out);
    else out.push(relative(base, p).split(sep).join("/"));
  }
  return out.sort();
}

async function hashAndSync(path: string): Promise<string> {
  const h = await hashFile(path);
  using f = await Deno.open(path, { read: true });
  await f.sync();
  return h;
}

async function syncDir(path: string): Promise<void> {
  try {
    using d = await Deno.open(path, { read: true });
    await d.sync();
  } catch {
    // some platforms cannot open a directory for fsync; the rename is still atomic
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/** Hash (and fsync) every file under `dir`: the manifest of an entry. */
export async function manifest(dir: string, sync = true): Promise<Record<string, FileRecord>> {
  const files: Record<string, FileRecord> = {};
  for (const rel of await listFiles(dir)) {
    if (rel === ENTRY_META) continue;
    const p = join(dir, rel);
    const sha256 = sync ? await hashAndSync(p) : await hashFile(p);
    const st = await Deno.stat(p);
    files[rel] = { sha256, size: st.size, mtime: st.mtime?.getTime() ?? 0 };
  }
  return files;
}

export interface Store {
  dir: string;
  entryDir(key: string): string;
  /** a fresh empty directory under tmp/ */
  newTemp(): Promise<string>;
  /** remove tmp/ debris left by a crashed or killed runner; returns how many were removed */
  cleanTemp(): Promise<number>;
  /** hash + fsync `tmp`'s files, write _entry.json and rename it to entries/<key> */
  commit(tmp: string, meta: Omit<EntryMeta, "files" | "digest">): Promise<EntryMeta>;
  /** is entries/<key> whole? stat every file; re-hash where the stat differs or when `full` */
  check(key: string, full: boolean): Promise<CheckResult>;
  /** move a (corrupt) entry out of the way */
  discard(key: string): Promise<void>;
  readIndex(stage: string, item: Item): Promise<IndexRecord | undefined>;
  writeIndex(stage: string, item: Item, rec: IndexRecord): Promise<void>;
  memo(key: string, make: () => Promise<Uint8Array>, full: boolean): Promise<Uint8Array>;
}

/** Open (create) the store at `dir`. */
export function openStore(dir: string): Store {
  const entries = join(dir, "entries");
  const tmpRoot = join(dir, "tmp");
  const index = join(dir, "index");
  const blobs = join(dir, "blobs");
  const entryDir = (key: string) => join(entries, key);

  const newTemp = async () => {
    await Deno.mkdir(tmpRoot, { recursive: true });
    return await Deno.makeTempDir({ dir: tmpRoot, prefix: `${Deno.pid}-` });
  };

  const writeAtomic = async (path: string, data: Uint8Array) => {
    await Deno.mkdir(tmpRoot, { recursive: true });
    const tmp = await Deno.makeTempFile({ dir: tmpRoot, prefix: `${Deno.pid}-` });
    using f = await Deno.open(tmp, { write: true, truncate: true });
    let off = 0;
    while (off < data.length) off += await f.write(data.subarray(off));
    await f.sync();
    await Deno.rename(tmp, path);
  };

  const discard = async (key: string) => {
    // rename first so that a crash mid-delete leaves debris in tmp/, not a half entry
    const dest = join(await newTemp(), "discarded");
    await Deno.rename(entryDir(key), dest);
    await Deno.remove(dest, { recursive: true });
  };

  return {
    dir,
    entryDir,
    newTemp,
    async cleanTemp() {
      let n = 0;
      try {
        for await (const e of Deno.readDir(tmpRoot)) {
          await Deno.remove(join(tmpRoot, e.name), { recursive: true });
          n++;
        }
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
      return n;
    },
    async commit(tmp, partial) {
      if (await exists(join(tmp, ENTRY_META))) {
        throw new Error(`stage ${partial.stage} wrote ${ENTRY_META}, a name the cache reserves`);
      }
      const files = await manifest(tmp);
      const meta: EntryMeta = { ...partial, files, digest: filesDigest(files) };
      await writeAtomicIn(tmp, ENTRY_META, new TextEncoder().encode(JSON.stringify(meta, null, 1)));
      await syncDir(tmp);
      await Deno.mkdir(entries, { recursive: true });
      const dest = entryDir(meta.key);
      if (await exists(dest)) await discard(meta.key);
      await Deno.rename(tmp, dest);
      await syncDir(entries);
      return meta;
    },
    async check(key, full) {
      const dirOf = entryDir(key);
      let meta: EntryMeta;
      try {
        // sync: small reads, and a no-op run makes hundreds of them (no thread-pool hop each)
        meta = JSON.parse(Deno.readTextFileSync(join(dirOf, ENTRY_META)));
      } catch (e) {
        if (e instanceof Deno.errors.NotFound) {
          return (await exists(dirOf))
            ? { state: "corrupt", problem: `${ENTRY_META} missing` }
            : { state: "absent" };
        }
        return { state: "corrupt", problem: `${ENTRY_META} unreadable (${(e as Error).message})` };
      }
      if (meta.key !== key || !meta.files || filesDigest(meta.files) !== meta.digest) {
        return { state: "corrupt", problem: `${ENTRY_META} does not match its key or digest` };
      }
      for (const [rel, rec] of Object.entries(meta.files)) {
        const p = join(dirOf, rel);
        let st: Deno.FileInfo;
        try {
          st = Deno.statSync(p);
        } catch {
          return { state: "corrupt", problem: `file ${rel} missing` };
        }
        if (st.size !== rec.size) {
          return { state: "corrupt", problem: `file ${rel} size ${st.size} ≠ recorded ${rec.size}` };
        }
        if (full || (st.mtime?.getTime() ?? 0) !== rec.mtime) {
          if ((await hashFile(p)) !== rec.sha256) {
            return { state: "corrupt", problem: `file ${rel} hash mismatch` };
          }
        }
      }
      return { state: "ok", meta };
    },
    discard,
    readIndex(stage, item) {
      try {
        return Promise.resolve(
          JSON.parse(Deno.readTextFileSync(join(index, stage, `${itemFileName(item)}.json`))) as IndexRecord,
        );
      } catch {
        return Promise.resolve(undefined);
      }
    },
    async writeIndex(stage, item, rec) {
      await Deno.mkdir(join(index, stage), { recursive: true });
      const path = join(index, stage, `${itemFileName(item)}.json`);
      await writeAtomic(path, new TextEncoder().encode(JSON.stringify(rec, null, 1)));
    },
    async memo(key, make, full) {
      const h = sha256Hex(key);
      const blob = join(blobs, h);
      const side = `${blob}.json`;
      try {
        const rec = JSON.parse(await Deno.readTextFile(side)) as { size: number; sha256: string };
        const bytes = await Deno.readFile(blob);
        if (bytes.length === rec.size && (!full || sha256Hex(bytes) === rec.sha256)) return bytes;
      } catch {
        // absent or unreadable: recompute below
      }
      const bytes = await make();
      await Deno.mkdir(blobs, { recursive: true });
      await writeAtomic(blob, bytes);
      const rec = { key, size: bytes.length, sha256: sha256Hex(bytes) };
      await writeAtomic(side, new TextEncoder().encode(JSON.stringify(rec)));
      return bytes;
    },
  };
}

async function writeAtomicIn(dir: string, name: string, data: Uint8Array): Promise<void> {
  const path = join(dir, name);
  using f = await Deno.open(path, { write: true, create: true, truncate: true });
  let off = 0;
  while (off < data.length) off += await f.write(data.subarray(off));
  await f.sync();
}
