/**
 * One runner per cache: `<cache>/lock` holds the holder's pid, host and start time. It is
 * created with O_EXCL, so two runners can never both believe they hold it. A lock whose pid is
 * gone on this same host (a killed runner) is taken over with a warning.
 */
import { hostname } from "node:os";
import process from "node:process";
import { join } from "node:path";
import { LockError } from "../core/errors.ts";

interface LockInfo {
  pid: number;
  host: string;
  started: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else
    return (e as { code?: string }).code === "EPERM";
  }
}

/** Take the lock of `cacheDir`; returns the function that releases it. */
export async function acquireLock(cacheDir: string, warn: (msg: string) => void): Promise<() => void> {
  await Deno.mkdir(cacheDir, { recursive: true });
  const path = join(cacheDir, "lock");
  const me: LockInfo = { pid: Deno.pid, host: hostname(), started: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      using f = await Deno.open(path, { write: true, createNew: true });
      await f.write(new TextEncoder().encode(JSON.stringify(me)));
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try {
          Deno.removeSync(path);
        } catch {
          // already gone
        }
      };
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
    }
    let holder: LockInfo | undefined;
    let age = 0;
    try {
      holder = JSON.parse(await Deno.readTextFile(path));
    } catch {
      // empty or torn: a runner killed between create and write, or one writing right now
      try {
        age = Date.now() - ((await Deno.stat(path)).mtime?.getTime() ?? 0);
      } catch {
        continue; // released meanwhile: try again
      }
    }
    if (holder && (holder.host !== me.host || alive(holder.pid))) {
      throw new LockError(
        `cache ${cacheDir} is locked by pid ${holder.pid} (started ${holder.started} on ${holder.host}); ` +
          `wait for it or remove ${path} if that process is gone`,
        holder.pid,
      );
    }
    if (!holder && age < 2000) {
      throw new LockError(`cache ${cacheDir} is being locked by another runner; try again (${path})`);
    }
    warn(
      holder
        ? `taking over stale lock ${path}: pid ${holder.pid} (started ${holder.started}) is gone`
        : `taking over unreadable lock ${path}`,
    );
    try {
      await Deno.remove(path);
    } catch {
      // another runner took it over first; the next attempt sees theirs
    }
  }
  throw new LockError(`could not take the lock ${path}`);
}
