/**
 * Writes that survive a crash or a power cut whole or not at all, on local disks and NFS alike:
 * data fsynced before it is renamed or linked into place, and the directory fsynced after, so
 * the new name itself is on disk (issue 13: entries stay whole or absent).
 */
import { dirname } from "node:path";

/** Write all of `data` to the open file and fsync it. */
async function writeAllSync(f: Deno.FsFile, data: Uint8Array): Promise<void> {
  let off = 0;
  while (off < data.length) off += await f.write(data.subarray(off));
  await f.sync();
}

/** Create `path` (it must not exist), write `data` and fsync it. */
export async function writeNewSynced(path: string, data: Uint8Array): Promise<void> {
  using f = await Deno.open(path, { write: true, createNew: true });
  await writeAllSync(f, data);
}

/** fsync a directory, so that a rename, link or create in it is durable (a no-op where unsupported). */
export async function syncDir(path: string): Promise<void> {
  try {
    using d = await Deno.open(path, { read: true });
    await d.sync();
  } catch {
    // some platforms cannot open a directory for fsync; the rename is still atomic
  }
}

/**
 * Replace `path` atomically: write `tmp` (a fresh name), fsync, rename over `path`; with
 * `syncParent`, fsync its directory too (content others build on; not for mere bookkeeping).
 */
export async function replaceAtomic(
  path: string,
  tmp: string,
  data: Uint8Array,
  syncParent = true,
): Promise<void> {
  try {
    await writeNewSynced(tmp, data);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
  if (syncParent) await syncDir(dirname(path));
}
