/**
 * Running items side by side (`jobs > 1`). Stages are CPU-bound JavaScript/wasm, so a second item
 * in the same thread would only interleave; each job gets a Web Worker (pipeline/worker.ts) that
 * imports the app's stages module itself. Items are independent by construction (each writes
 * only its own temp dir; memo blobs are written atomically), so no other coordination is needed.
 */
import type { InputRef, Item, Params, RunContext } from "./stage.ts";

/** What a worker needs to run one item: all plain data (structured-cloned). */
export interface WorkerJob {
  /** module URL exporting `STAGES: Stage[]` */
  stagesModule: string;
  cacheDir: string;
  stage: string;
  id: string;
  item: Item;
  params: Params;
  inputs: { ref: InputRef; dir: string }[];
  outDir: string;
  codeHash: string;
}

export type WorkerReply =
  | { type: "log"; message: string }
  | { type: "progress"; done: number; total: number; label?: string }
  | { type: "note"; name: string; value: number }
  | { type: "done" }
  | { type: "error"; message: string; stack?: string };

/** At most n holders at once; waiters are served first come, first served. */
export class Slots {
  #free: number;
  #waiting: (() => void)[] = [];
  constructor(n: number) {
    this.#free = n;
  }
  async acquire(): Promise<() => void> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((r) => this.#waiting.push(r));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    };
  }
}

/**
 * Workers started on first use and reused, so a stage module's imports and wasm init are paid
 * once per worker. The caller bounds how many runs overlap (Slots); the pool keeps one worker
 * per overlapping run.
 */
export class WorkerPool {
  #idle: Worker[] = [];
  #busy = new Set<Worker>();
  #started = 0;

  constructor(readonly stagesModule: string) {}

  /** Run one item in a worker; ctx receives its log and progress; ctx.signal aborts it. */
  async run(
    job: Omit<WorkerJob, "stagesModule">,
    ctx: Pick<RunContext, "log" | "progress" | "note" | "signal">,
  ) {
    const worker = this.#idle.pop() ?? this.#spawn();
    this.#busy.add(worker);
    let crashed = false;
    try {
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => worker.postMessage({ type: "abort" });
        ctx.signal.addEventListener("abort", onAbort, { once: true });
        const finish = (f: () => void) => {
          ctx.signal.removeEventListener("abort", onAbort);
          worker.onmessage = null;
          worker.onerror = null;
          f();
        };
        worker.onmessage = (e: MessageEvent<WorkerReply>) => {
          const m = e.data;
          if (m.type === "log") ctx.log(m.message);
          else if (m.type === "progress") ctx.progress(m.done, m.total, m.label);
          else if (m.type === "note") ctx.note(m.name, m.value);
          else if (m.type === "done") finish(resolve);
          else {
            const err = new Error(m.message);
            if (m.stack) err.stack = m.stack;
            finish(() => reject(err));
          }
        };
        // an uncaught error or a crash of the worker itself (not a stage's thrown error)
        worker.onerror = (e: ErrorEvent) => {
          e.preventDefault();
          crashed = true;
          finish(() => reject(new Error(`worker crashed: ${e.message}`)));
        };
        worker.postMessage({ type: "run", job: { ...job, stagesModule: this.stagesModule } });
      });
    } finally {
      this.#busy.delete(worker);
      if (crashed) worker.terminate();
      else this.#idle.push(worker);
    }
  }

  /** Stop every worker (idle ones at once; call after all runs settled). */
  close(): void {
    for (const w of [...this.#idle, ...this.#busy]) w.terminate();
    this.#idle = [];
    this.#busy.clear();
  }

  /** workers started so far (tests) */
  get started(): number {
    return this.#started;
  }

  #spawn(): Worker {
    this.#started++;
    return new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
  }
}
