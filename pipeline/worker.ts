/**
 * Worker entry for `jobs > 1` (pipeline/pool.ts): imports the app's stages module once, then
 * runs one item at a time in its own thread. CPU-bound stages (training, evaluation) block
 * their thread, so items in one thread cannot overlap; one worker per job can.
 *
 * Messages in:  {type:"run", job} | {type:"abort"}
 * Messages out: {type:"log"|"progress", ...} while running, then {type:"done"} or {type:"error"}
 */
/// <reference lib="deno.worker" />
import { inputDir } from "./items.ts";
import type { WorkerJob, WorkerReply } from "./pool.ts";
import type { RunContext, Stage } from "./stage.ts";
import { openStore, type Store } from "./store.ts";

let stages: Map<string, Stage> | undefined;
let store: Store | undefined;
let current: AbortController | undefined;

const send = (m: WorkerReply) => self.postMessage(m);

async function run(job: WorkerJob): Promise<void> {
  if (!stages) {
    const mod = await import(job.stagesModule);
    const list = mod.STAGES as Stage[] | undefined;
    if (!Array.isArray(list)) throw new Error(`${job.stagesModule} exports no STAGES array`);
    stages = new Map(list.map((s) => [s.name, s]));
  }
  store ??= openStore(job.cacheDir);
  const stage = stages.get(job.stage);
  if (!stage) throw new Error(`${job.stagesModule} has no stage ${job.stage}`);
  current = new AbortController();
  const s = store;
  const ctx: RunContext = {
    item: job.item,
    params: job.params,
    inputs: job.inputs,
    input: (ref) => inputDir(job.id, job.inputs, ref),
    outDir: job.outDir,
    progress: (done, total, label) => send({ type: "progress", done, total, label }),
    log: (message) => send({ type: "log", message }),
    note: (name, value) => send({ type: "note", name, value }),
    memo: (k, make) => s.blobs.memo(k, make, ctx.log),
    signal: current.signal,
    codeHash: job.codeHash,
  };
  await stage.run(ctx);
}

self.onmessage = async (e: MessageEvent) => {
  const msg = e.data as { type: "run"; job: WorkerJob } | { type: "abort" };
  if (msg.type === "abort") {
    current?.abort();
    return;
  }
  try {
    await run(msg.job);
    send({ type: "done" });
  } catch (err) {
    const error = err as Error;
    send({ type: "error", message: error?.message ?? String(err), stack: error?.stack });
  } finally {
    current = undefined;
  }
};
