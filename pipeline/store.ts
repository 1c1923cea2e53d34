/**
 * The content-addressed cache store (DVC's habit, DESIGN.md §4):
 *   entries/<key>/            one finished item: its files + _entry.json (whole or absent)
 *   index/<stage>/<item>.json the last key of each (stage, item), so `status` can say why
 *   blobs/<sha256(memo key)>  RunContext.memo values, each with its digest (pipeline/blobs.ts)
 *   claims/<key>              who is building a key right now (pipeline/claims.ts)
 *   tmp/                      work in progress: i-<key>-<claim token>/ per item being built
 * An entry is written in tmp/, every file fsynced, then renamed into entries/: a crash leaves
 * only tmp/ debris, never a partial entry.
 */
import { join, relative, sep } from "node:path";
import { hostname } from "node:os";
import { type Blobs, openBlobs } from "./blobs.ts";
import { replaceAtomic, syncDir, writeNewSynced } from "./durable.ts";
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

/** How old (ms) a temp file not tied to a claim must be before cleanTemp calls it debris. */
const LOOSE_TEMP_MS = 10 * 60_000;

/** A claim-bound temp dir: `i-<key>-<claim token>`. */
const ITEM_TEMP = /^i-([0-9a-f]{64})-(.+)$/;

export interface Store {
  dir: string;
  entryDir(key: string): string;
  /** a fresh empty directory under tmp/ for building `key` under the claim with `token` */
  newTemp(key: string, token: string): Promise<string>;
  /**
   * Remove tmp/ debris: item temp dirs whose claim (`claimToken(key)`) is gone or another's, and
   * loose temp files older than 10 minutes. Others' work in progress is left alone (many
   * coordinators share a cache). With `key`, only that key's item temp dirs. Returns how many.
   */
  cleanTemp(claimToken: (key: string) => string | undefined, key?: string): Promise<number>;
  /** hash + fsync `tmp`'s files, write _entry.json and rename it to entries/<key> */
  commit(tmp: string, meta: Omit<EntryMeta, "files" | "digest">): Promise<EntryMeta>;
  /** is entries/<key> whole? stat every file; re-hash where the stat differs or when `full` */
  check(key: string, full: boolean): Promise<CheckResult>;
  /** move a (corrupt) entry out of the way and delete it */
  discard(key: string): Promise<void>;
  readIndex(stage: string, item: Item): Promise<IndexRecord | undefined>;
  writeIndex(stage: string, item: Item, rec: IndexRecord): Promise<void>;
  /** RunContext.memo (pipeline/blobs.ts) */
  blobs: Blobs;
}

/** Open (create) the store at `dir`. */
export function openStore(dir: string): Store {
  const entries = join(dir, "entries");
  const tmpRoot = join(dir, "tmp");
  const index = join(dir, "index");
  const entryDir = (key: string) => join(entries, key);
  // loose temp names carry host and pid: unique across every process sharing the cache
  const loose = (kind: string) => join(tmpRoot, `${kind}-${hostname()}-${Deno.pid}-${crypto.randomUUID()}`);

  const writeAtomic = async (path: string, data: Uint8Array, syncParent = true) => {
    await Deno.mkdir(tmpRoot, { recursive: true });
    await replaceAtomic(path, loose("w"), data, syncParent);
  };

  const discard = async (key: string) => {
    // rename first so that a crash mid-delete leaves debris in tmp/, not a half entry
    await Deno.mkdir(tmpRoot, { recursive: true });
    const dest = loose("d");
    await Deno.rename(entryDir(key), dest);
    await Deno.remove(dest, { recursive: true });
  };

  return {
    dir,
    entryDir,
    async newTemp(key, token) {
      await Deno.mkdir(tmpRoot, { recursive: true });
      const path = join(tmpRoot, `i-${key}-${token}`);
      await Deno.mkdir(path);
      return path;
    },
    async cleanTemp(claimToken, key) {
      let n = 0;
      const now = Date.now();
      try {
        for await (const e of Deno.readDir(tmpRoot)) {
          const p = join(tmpRoot, e.name);
          const m = ITEM_TEMP.exec(e.name);
          if (key !== undefined && m?.[1] !== key) continue;
          const debris = m
            ? claimToken(m[1]) !== m[2]
            : now - ((await Deno.lstat(p).catch(() => undefined))?.mtime?.getTime() ?? now) > LOOSE_TEMP_MS;
          if (!debris) continue;
          try {
            await Deno.remove(p, { recursive: true });
            n++;
          } catch (err) {
            if (!(err instanceof Deno.errors.NotFound)) throw err; // another cleaner was first
          }
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
      await writeNewSynced(join(tmp, ENTRY_META), new TextEncoder().encode(JSON.stringify(meta, null, 1)));
      for (const sub of await listDirs(tmp)) await syncDir(sub);
      await Deno.mkdir(entries, { recursive: true });
      const dest = entryDir(meta.key);
      if (await exists(dest)) await discard(meta.key);
      try {
        await Deno.rename(tmp, dest);
      } catch (e) {
        // a --force twin committed the same key first: keep theirs if whole
        const theirs = await this.check(meta.key, false);
        if (theirs.state !== "ok") throw e;
        await Deno.remove(tmp, { recursive: true });
        return theirs.meta;
      }
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
      // the index only explains staleness: a lost update costs a vaguer `why`, not a wrong entry
      await writeAtomic(path, new TextEncoder().encode(JSON.stringify(rec, null, 1)), false);
    },
    blobs: openBlobs(join(dir, "blobs"), writeAtomic),
  };
}

/** `dir` and every directory under it. */
async function listDirs(dir: string, out: string[] = []): Promise<string[]> {
  out.push(dir);
  for await (const e of Deno.readDir(dir)) if (e.isDirectory) await listDirs(join(dir, e.name), out);
  return out;
}
