/**
 * sha256 of files, memoised in a JSON map (absolute path → size, mtime, sha256): a file is hashed
 * once until its size or mtime changes, so a 2.5 GB model or a data set of thousands of images
 * costs one stat per file on later calls. The memo only saves work: the hash it returns depends
 * on the bytes alone (issue 13 point 3, keys that agree across clones), never on the mtime.
 *
 * Several processes (SLURM jobs, two coordinators) share a cache: the memo is re-read just before
 * it is written and replaced whole (temp file + rename), so readers never see half of it; a lost
 * update only costs a re-hash.
 *
 * @example
 * const [a, b] = await sha256Memoised(["x.jpg", "y.png"], `${cache}/data/hashes.json`);
 */
import { resolve } from "node:path";
import { sha256File } from "./download.ts";

/** A JSON object file; {} when absent or unreadable (a memo, never the truth). */
export async function readJsonMap<T>(path: string): Promise<Record<string, T>> {
  try {
    const v = JSON.parse(await Deno.readTextFile(path));
    return v && typeof v === "object" && !Array.isArray(v) ? v : {};
  } catch {
    return {};
  }
}

/** Replace a JSON file whole: a fresh temp name (per host, pid and call), then rename. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.${Deno.pid}.${crypto.randomUUID()}.tmp`;
  await Deno.writeTextFile(tmp, JSON.stringify(value, null, 1));
  try {
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}

/** One memo row. */
export interface HashMemoEntry {
  size: number;
  /** ms since the epoch; only to tell whether the file changed since it was hashed */
  mtime: number;
  sha256: string;
}

/**
 * sha256 (hex) of each of `paths`, in order: from the memo at `memoPath` where the absolute path,
 * size and mtime match, else streamed from the file; the memo is written once, only when a file
 * was hashed (its folder is created).
 */
export async function sha256Memoised(paths: readonly string[], memoPath: string): Promise<string[]> {
  const abs = paths.map((p) => resolve(p));
  const stats = await Promise.all(abs.map((p) => Deno.stat(p)));
  const memo = await readJsonMap<HashMemoEntry>(memoPath);
  const fresh: Record<string, HashMemoEntry> = {};
  const out: string[] = [];
  for (let i = 0; i < abs.length; i++) {
    const key = { size: stats[i].size, mtime: stats[i].mtime?.getTime() ?? 0 };
    const hit = memo[abs[i]];
    if (hit && hit.size === key.size && hit.mtime === key.mtime && typeof hit.sha256 === "string") {
      out.push(hit.sha256);
      continue;
    }
    const sha256 = await sha256File(abs[i]);
    fresh[abs[i]] = { ...key, sha256 };
    out.push(sha256);
  }
  if (Object.keys(fresh).length > 0) {
    await Deno.mkdir(resolve(memoPath, ".."), { recursive: true });
    // another process may have added entries meanwhile: merge into the file as it is now
    await writeJsonAtomic(memoPath, { ...(await readJsonMap(memoPath)), ...fresh });
  }
  return out;
}
