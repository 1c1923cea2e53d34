/**
 * The work queue between a coordinator and its SLURM worker jobs (`--executor slurm`, issue 13),
 * on the filesystem they share. One folder per stage (and `--force`) holds one file per ready
 * item. A worker job takes the oldest by renaming it into `taken/` under a name carrying its job
 * id: rename is atomic (on NFS too), so two jobs never take one item. After the item it writes
 * `<name>.<jobid>.ok` or `.fail` beside it (its node, then the error), which tells the coordinator at once,
 * while the job goes on to the next item.
 *
 *   DIR/<seq>-<item>.json               ready, not taken: {"item": {...}, "key": "..."}
 *   DIR/taken/<seq>-<item>.json.<jobid> taken by that job
 *   DIR/taken/<seq>-<item>.<jobid>.ok   built (or already whole) in the cache
 *   DIR/taken/<seq>-<item>.<jobid>.fail failed; the file holds the node, then the error
 */
import { join } from "node:path";
import { replaceAtomic } from "../durable.ts";
import type { Item } from "../stage.ts";

export interface QueuedItem {
  item: Item;
  key: string;
}

/** What `scanTaken` finds of one taken item. */
export interface TakenState {
  /** the queue file's name without ".json" */
  name: string;
  job: string;
  state: "taken" | "ok" | "fail";
  /** the error a `.fail` file holds */
  error?: string;
  /** the node a `.fail` file names */
  host?: string;
}

const tmpName = (path: string) => `${path}.${Deno.pid}.${crypto.randomUUID()}.tmp`;

/** Put a ready item in the queue as `name` (unique in the folder: a sequence number first). */
export async function enqueue(dir: string, name: string, q: QueuedItem): Promise<void> {
  await Deno.mkdir(join(dir, "taken"), { recursive: true });
  const path = join(dir, `${name}.json`);
  await replaceAtomic(path, tmpName(path), new TextEncoder().encode(JSON.stringify(q)), false);
}

/** Take an item back out of the queue (Ctrl-C); false when a job took it first. */
export async function withdraw(dir: string, name: string): Promise<boolean> {
  try {
    await Deno.remove(join(dir, `${name}.json`));
    return true;
  } catch {
    return false;
  }
}

/** The worker job's side: take the oldest item left for job `job`, or undefined when none is left. */
export async function takeNext(
  dir: string,
  job: string,
): Promise<(QueuedItem & { name: string }) | undefined> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile && e.name.endsWith(".json")) names.push(e.name.slice(0, -".json".length));
  }
  for (const name of names.sort()) {
    const taken = join(dir, "taken", `${name}.json.${job}`);
    try {
      await Deno.rename(join(dir, `${name}.json`), taken);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
      // another job took it, or it was withdrawn; or an NFS client resent a rename that had
      // succeeded, and the server answered the resend: then it is ours after all
      if (!(await Deno.stat(taken).then(() => true, () => false))) continue;
    }
    return { name, ...(JSON.parse(await Deno.readTextFile(taken)) as QueuedItem) };
  }
  return undefined;
}

/** The worker job's side: what became of the item it took. */
export async function markTaken(
  dir: string,
  name: string,
  job: string,
  outcome: { ok: true } | { ok: false; error: string },
): Promise<void> {
  const path = join(dir, "taken", `${name}.${job}.${outcome.ok ? "ok" : "fail"}`);
  const text = `${Deno.hostname()}\n${outcome.ok ? "" : outcome.error}`;
  await replaceAtomic(path, tmpName(path), new TextEncoder().encode(text), false);
}

/** The coordinator's side: every taken item, and whether its job has finished it. */
export async function scanTaken(dir: string): Promise<TakenState[]> {
  const found = new Map<string, TakenState>();
  const fails: TakenState[] = [];
  try {
    for await (const e of Deno.readDir(join(dir, "taken"))) {
      const m = e.name.match(/^(.*?)(?:\.json\.(\d+)|\.(\d+)\.(ok|fail))$/);
      if (!m || !e.isFile) continue;
      const [, name, takenBy, doneBy, outcome] = m;
      const job = takenBy ?? doneBy;
      const k = `${name}\u0000${job}`;
      const state = (outcome ?? "taken") as TakenState["state"];
      const prev = found.get(k);
      if (!prev || prev.state === "taken") found.set(k, { name, job, state });
      if (state === "fail") fails.push(found.get(k)!);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  for (const f of fails) {
    const text = await Deno.readTextFile(join(dir, "taken", `${f.name}.${f.job}.fail`)).catch(() => "");
    const nl = text.indexOf("\n");
    [f.host, f.error] = nl < 0 ? [undefined, text] : [text.slice(0, nl), text.slice(nl + 1)];
  }
  return [...found.values()];
}
