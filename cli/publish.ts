/**
 * Publish the report stage's entry at `out` (e.g. `out/report.html`): its report.html under
 * out's name, every other file of the entry beside it. The folder then holds exactly this run's
 * report files: what the previous publish put there (listed in `.<name>.published.json`) and this
 * run does not write is removed, so no stale figure of an earlier run survives; files that are
 * not the report's (a `segment --out out/` mask, say) are never touched. Each file is copied to
 * a temp name and renamed over its target, report.html last: a reader sees the old page or the
 * new one, never half of one.
 */
import { basename, dirname, join, relative } from "node:path";
import { ENTRY_META, listFiles } from "../pipeline/store.ts";

/** Copy to a temp sibling, then rename over `to` (atomic on one filesystem). */
async function copyAtomic(from: string, to: string): Promise<void> {
  await Deno.mkdir(dirname(to), { recursive: true });
  const tmp = join(dirname(to), `.${basename(to)}.${Deno.pid}.tmp`);
  await Deno.copyFile(from, tmp);
  await Deno.rename(tmp, to);
}

async function writeList(path: string, files: string[]): Promise<void> {
  const tmp = `${path}.${Deno.pid}.tmp`;
  await Deno.writeTextFile(tmp, JSON.stringify(files, null, 1) + "\n");
  await Deno.rename(tmp, path);
}

async function readList(path: string): Promise<string[]> {
  try {
    const v = JSON.parse(await Deno.readTextFile(path));
    return Array.isArray(v) ? v.filter((f): f is string => typeof f === "string") : [];
  } catch {
    return [];
  }
}

/** Publish `entryDir`'s report.html at `out` and its other files beside it; returns `out`. */
export async function publishEntry(entryDir: string, out: string): Promise<string> {
  const files = (await listFiles(entryDir)).filter((f) => f !== ENTRY_META);
  if (!files.includes("report.html")) throw new Error(`the report stage wrote no report.html in ${entryDir}`);
  const dir = dirname(out);
  const target = (f: string) => (f === "report.html" ? out : join(dir, f));
  const listPath = join(dir, `.${basename(out)}.published.json`);
  const before = await readList(listPath);
  const now = files.map((f) => relative(dir, target(f)));
  await Deno.mkdir(dir, { recursive: true });
  // listed before they are written, so a crash mid-way leaves nothing the next publish forgets
  await writeList(listPath, [...new Set([...before, ...now])].sort());
  for (const f of files.filter((f) => f !== "report.html")) await copyAtomic(join(entryDir, f), target(f));
  await copyAtomic(join(entryDir, "report.html"), out);
  for (const stale of before.filter((f) => !now.includes(f))) await removeStale(dir, stale);
  await writeList(listPath, now);
  return out;
}

/** Remove a file of an earlier publish, and the folders it leaves empty (up to `dir`). */
async function removeStale(dir: string, rel: string): Promise<void> {
  if (rel.startsWith("..")) return; // never outside the published folder
  try {
    await Deno.remove(join(dir, rel));
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  for (let d = dirname(rel); d !== "." && d !== ""; d = dirname(d)) {
    try {
      await Deno.remove(join(dir, d)); // fails (and stops) while the folder holds anything
    } catch {
      return;
    }
  }
}
