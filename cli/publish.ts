/**
 * Publish the report stage's entry at `out` (e.g. `out/report.html`): its report.html under
 * out's name, every other file of the entry beside it. The folder then holds exactly this run's
 * report files: what the previous publish put there (listed in `.<name>.published.json`) and this
 * run does not write is removed, so no stale figure of an earlier run survives; files that are
 * not the report's (a `segment --out out/` mask, say) are never touched. Each file is copied to
 * a temp name and renamed over its target, report.html last: a reader sees the old page or the
 * new one, never half of one.
 *
 * The published report.html gets the run's provenance (the command, when the report was built,
 * each item's wall time) in the slot the report stage left for it: those differ from run to run,
 * so they live in the entries' _entry.json, never in a hashed file (issue 13 point 3).
 */
import { basename, dirname, join, relative } from "node:path";
import { itemLabel } from "../pipeline/items.ts";
import { ENTRY_META, type EntryMeta, listFiles } from "../pipeline/store.ts";
import type { RunProvenance } from "../reports/data.ts";
import { withProvenance } from "../reports/html.ts";

/** Write (copy `from`, or `text`) to a temp sibling, then rename over `to` (atomic on one filesystem). */
async function writeAtomic(to: string, content: { from: string } | { text: string }): Promise<void> {
  await Deno.mkdir(dirname(to), { recursive: true });
  const tmp = join(dirname(to), `.${basename(to)}.${Deno.pid}.tmp`);
  if ("from" in content) await Deno.copyFile(content.from, tmp);
  else await Deno.writeTextFile(tmp, content.text);
  await Deno.rename(tmp, to);
}

async function readMeta(entryDir: string): Promise<EntryMeta> {
  return JSON.parse(await Deno.readTextFile(join(entryDir, ENTRY_META))) as EntryMeta;
}

/**
 * The provenance of the report entry at `entryDir`, published by `command`: when it was built
 * and its inputs' wall times, read from their _entry.json (the inputs' entries lie beside it in
 * the store's entries/<key>).
 */
export async function entryProvenance(entryDir: string, command: string): Promise<RunProvenance> {
  const meta = await readMeta(entryDir);
  const stageTimes: RunProvenance["stageTimes"] = [];
  for (const input of meta.inputs) {
    const m = await readMeta(join(dirname(entryDir), input.key));
    stageTimes.push({ stage: m.stage, item: itemLabel(m.item), seconds: m.wallSeconds });
  }
  return { command, createdAt: meta.created, stageTimes };
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

/**
 * Publish `entryDir`'s report.html at `out`, its provenance slot filled (entryProvenance with
 * `command`), and its other files beside it; returns `out`.
 */
export async function publishEntry(entryDir: string, out: string, command: string): Promise<string> {
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
  const html = withProvenance(
    await Deno.readTextFile(join(entryDir, "report.html")),
    await entryProvenance(entryDir, command),
  );
  for (const f of files.filter((f) => f !== "report.html")) {
    await writeAtomic(target(f), { from: join(entryDir, f) });
  }
  await writeAtomic(out, { text: html });
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
