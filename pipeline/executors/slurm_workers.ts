/**
 * The worker jobs of `--executor slurm` (slurm.ts): cheap items wait here a moment for others of
 * their stage, go into that stage's queue (queue.ts), and worker jobs take them. This side keeps
 * enough workers for what waits (workersToStart), settles each item as soon as its worker says
 * so, and when a worker ends, fails what it left half-built and gets a new worker for what waits.
 */
import { join } from "node:path";
import { itemFileName } from "../items.ts";
import type { EntryMeta } from "../store.ts";
import { enqueue, scanTaken, withdraw } from "./queue.ts";
import type { RemoteContext, RemoteItem } from "./remote.ts";
import type { JobWork, SlurmOptions } from "./slurm_options.ts";
import { SlurmError, workersToStart } from "./slurm_job.ts";

/** One item waiting for its entry, and the build() promise to settle. */
export interface Member {
  node: RemoteItem;
  ctx: RemoteContext;
  resolve(meta: EntryMeta): void;
  reject(e: Error): void;
}

/** One stage's queue (queue.ts) in this coordinator, and its items by queue file name. */
export interface Queue {
  stage: string;
  force: boolean;
  dir: string;
  /** queued, not taken yet */
  waiting: Map<string, Member>;
  /** taken by a worker job, not settled yet */
  taken: Map<string, { m: Member; job: string }>;
  /** a refill is running; `again`: another was asked for meanwhile */
  refilling?: boolean;
  again?: boolean;
  /** the worker jobs seen to take an item */
  tookAny: Set<string>;
  /** worker jobs in a row that ended without taking an item while items waited */
  idleEnds: number;
}

export interface Job {
  id: string;
  /** a one-item job's member; [] for a worker job (its items are in `queue.taken`) */
  members: Member[];
  queue?: Queue;
  log: string;
  done: string;
  /** last squeue state and node */
  state?: string;
  host?: string;
  /** when squeue first showed it finished (or forgot it) */
  goneAt?: number;
  /** a worker job: the items queued before it was submitted (their sequence numbers are ≤ this) */
  queuedBefore?: number;
}

/** A queue file's name starts with its sequence number, this many digits (queue.ts takes the oldest first). */
const SEQ_DIGITS = 6;
const seqOf = (name: string) => Number(name.slice(0, SEQ_DIGITS));

/** What the worker side needs from the executor (slurm.ts). */
export interface WorkerHost {
  opts: SlurmOptions & { group: NonNullable<SlurmOptions["group"]> };
  /** the jobs in flight, by id */
  live: ReadonlyMap<string, Job>;
  /** submit a job made by `make`; `onFail` hears of a failure to submit */
  launch(stage: string, make: () => Promise<Job>, onFail: (e: Error) => void): Promise<void>;
  /** write a job's script and sbatch it */
  submit(
    work: JobWork,
    base: string,
    what: string,
    jobName: string,
  ): Promise<{ id: string; log: string; done: string }>;
  /** job slots of `cpus` idle now, less our jobs not started */
  idleNow(cpus: number): Promise<number>;
  cpusOf(stage: string): number;
  /** resolve `m` if its entry is whole, else reject it with `whyNot` */
  settleMember(m: Member, whyNot: (absent: string) => Error): Promise<void>;
  /** a log's last lines as an error message's end */
  lastLines(log: string): Promise<string>;
  closed(): boolean;
  /** an error in the background: fail everything */
  failAll(e: Error): void;
}

/** `a worker job of stage` or the one item's id */
export const jobLabel = (job: { members: Member[]; queue?: Queue }) =>
  job.queue ? `a worker job of ${job.queue.stage}` : job.members[0].node.id;

export function workerQueues(host: WorkerHost) {
  const { opts, live, launch, submit, idleNow, cpusOf, settleMember, lastLines } = host;
  const estimate = (node: RemoteItem) => opts.group.estimate(node) ?? 0;
  const workers = new Map<string, Job>(); // every worker job submitted, also after it ended

  /**
   * What the queue's worker jobs have taken and finished since the last look: settle those
   * members at once (their dependants can be submitted while the job goes on), and remove the
   * files, so that the next look lists only what is open.
   */
  const scanQueue = async (q: Queue) => {
    for (const t of await scanTaken(q.dir)) {
      q.tookAny.add(t.job);
      const w = q.waiting.get(t.name);
      if (w) {
        q.waiting.delete(t.name);
        q.taken.set(t.name, { m: w, job: t.job });
      }
      const tk = q.taken.get(t.name);
      if (!tk || t.state === "taken") continue;
      q.taken.delete(t.name);
      const job = workers.get(t.job);
      const where = `SLURM job ${t.job} (a worker job of ${q.stage}) on node ${t.host ?? job?.host ?? "?"}`;
      const log = job?.log ?? "?";
      const failed = () =>
        new SlurmError(`${tk.m.node.id}: ${where} failed it: ${t.error?.trim()}; log ${log}`);
      const notWhole = (absent: string) =>
        new SlurmError(
          `${tk.m.node.id}: ${where} built it, but entry ${tk.m.node.key} is not whole in the cache (${absent}): ` +
            `did the job see other code or config? log ${log}`,
        );
      if (t.state === "ok") await settleMember(tk.m, notWhole);
      else tk.m.reject(failed());
      for (const f of [`${t.name}.json.${t.job}`, `${t.name}.${t.job}.${t.state}`]) {
        await Deno.remove(join(q.dir, "taken", f)).catch(() => {});
      }
    }
  };

  /**
   * A worker job is over: the items it finished are settled by their own files; one it had taken
   * and not finished fails with `why` (undefined: it exited 0); then the queue gets a new worker
   * if items still wait, unless workers keep ending without taking any.
   */
  const ended = async (job: Job, why?: string) => {
    const where = `SLURM job ${job.id}`;
    const q = job.queue!;
    await scanQueue(q);
    for (const [name, tk] of [...q.taken].filter(([, t]) => t.job === job.id)) {
      q.taken.delete(name);
      const tail = await lastLines(job.log);
      await settleMember(tk.m, (absent) =>
        new SlurmError(
          `${tk.m.node.id}: ${where} (${jobLabel(job)}) ${why ?? "exited 0"} on node ${job.host ?? "?"} ` +
            `while building it (entry ${absent}); log ${job.log}${tail}`,
        ));
    }
    // items that were in the folder before this worker was submitted, and are still there
    const missed = [...q.waiting.keys()].some((name) => seqOf(name) <= (job.queuedBefore ?? 0));
    if (q.tookAny.has(job.id) || !missed) q.idleEnds = 0;
    else if (why !== undefined && ![...live.values()].some((j) => j.queue === q)) {
      // the last worker died before taking anything: another would too (a bad node, a queue
      // folder it cannot read): what waits fails with its story, not with endless resubmits
      const tail = await lastLines(job.log);
      return failWaiting(q, (m) =>
        new SlurmError(
          `${m.node.id}: ${where} (${jobLabel(job)}) ${why} on node ${
            job.host ?? "?"
          } before taking an item; ` +
            `log ${job.log}${tail}`,
        ));
    } else if (why === undefined && ++q.idleEnds >= 3) {
      return failWaiting(q, (m) =>
        new SlurmError(
          `${m.node.id}: ${q.idleEnds} worker jobs of ${q.stage} in a row found nothing in the queue ${q.dir} ` +
            `while items waited there: do the nodes see ${opts.logDir} (--log-dir) as this host does? last log ${job.log}`,
        ));
    }
    void refill(q);
  };

  let workerSeq = 0;
  const launchWorker = (q: Queue) =>
    launch(q.stage, async () => {
      const base = join(opts.logDir, q.stage, `worker-${++workerSeq}`);
      const what = `build ${q.stage} items from the queue ${q.dir} for up to ${opts.group.seconds} s`;
      const work = { stage: q.stage, force: q.force, queue: q.dir, budget: opts.group.seconds };
      const queuedBefore = queued;
      const job: Job = {
        ...(await submit(work, base, what, `${q.stage} worker`)),
        members: [],
        queue: q,
        queuedBefore,
      };
      workers.set(job.id, job);
      return job;
    }, (e) => void failWaiting(q, () => e)); // a worker that cannot be submitted: what waits for one fails with the reason

  /** Fail every item waiting in `q` (taken out of the queue first). */
  const failWaiting = async (q: Queue, error: (m: Member) => Error) => {
    const waiting = [...q.waiting];
    q.waiting.clear();
    for (const [name, m] of waiting) {
      await withdraw(q.dir, name);
      m.reject(error(m));
    }
  };

  /** Enough worker jobs for what waits in `q` (workersToStart), one refill at a time. */
  const refill = async (q: Queue) => {
    if (q.refilling) return void (q.again = true);
    q.refilling = true;
    try {
      do {
        q.again = false;
        if (host.closed() || !q.waiting.size) break;
        const mine = [...live.values()].filter((j) => j.queue === q);
        const n = workersToStart({
          waiting: q.waiting.size,
          seconds: [...q.waiting.values()].reduce((s, m) => s + estimate(m.node), 0),
          budget: opts.group.seconds,
          workers: mine.length,
          notStarted: mine.filter((j) => j.state === undefined || j.state === "PENDING").length,
          idle: await idleNow(cpusOf(q.stage)),
        });
        await Promise.all(Array.from({ length: n }, () => launchWorker(q)));
      } while (q.again);
    } finally {
      q.refilling = false;
    }
  };

  // worker jobs: items priced well under a job's start-up are queued, by stage and --force
  const pending: Member[] = [];
  const queues = new Map<string, Queue>();
  // one folder per coordinator: two on one cache keep their queues apart (their claims share keys)
  const queueRoot = join(
    opts.logDir,
    "queues",
    `${Deno.hostname()}-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`,
  );
  let queued = 0;
  let gatherTimer: ReturnType<typeof setTimeout> | undefined;
  const flush = async () => {
    gatherTimer = undefined;
    const touched = new Set<Queue>();
    for (const m of pending.splice(0)) {
      // one job's command has one --force: forced and unforced items go to separate queues
      const k = `${m.node.stage}${m.node.force ? ".force" : ""}`;
      let q = queues.get(k);
      if (!q) {
        q = {
          stage: m.node.stage,
          force: m.node.force,
          dir: join(queueRoot, k),
          waiting: new Map(),
          taken: new Map(),
          tookAny: new Set(),
          idleEnds: 0,
        };
        queues.set(k, q);
      }
      const name = `${String(++queued).padStart(SEQ_DIGITS, "0")}-${itemFileName(m.node.item)}`;
      try {
        await enqueue(q.dir, name, { item: m.node.item, key: m.node.key });
        q.waiting.set(name, m);
        touched.add(q);
      } catch (e) {
        m.reject(e as Error);
      }
    }
    for (const q of touched) await refill(q);
  };

  return {
    /** Queue `m` (after gathering others of its stage for `gatherMs`). */
    add(m: Member) {
      pending.push(m);
      gatherTimer ??= setTimeout(() => void flush().catch(host.failAll), opts.group.gatherMs ?? 150);
    },
    /** Settle what the workers finished since the last look. */
    async scan() {
      for (const q of queues.values()) if (q.waiting.size || q.taken.size) await scanQueue(q);
    },
    ended,
    /** Ctrl-C, first part: take every waiting item out of its queue; returns them. */
    async withdrawAll(): Promise<Member[]> {
      if (gatherTimer !== undefined) clearTimeout(gatherTimer);
      gatherTimer = undefined;
      const out = pending.splice(0);
      for (const q of queues.values()) {
        for (const [name, m] of [...q.waiting]) {
          if (!(await withdraw(q.dir, name))) continue; // a job took it: scanQueue finds which
          q.waiting.delete(name);
          out.push(m);
        }
      }
      return out;
    },
    /** Ctrl-C, after scancel: reject what the cancelled workers had taken. */
    async rejectTaken(reject: (m: Member, why: string) => void) {
      for (const q of queues.values()) {
        await scanQueue(q); // what the cancelled jobs had taken, or finished
        for (const t of q.taken.values()) {
          reject(
            t.m,
            `cancelled SLURM job ${t.job} (a worker job of ${q.stage}, building ${t.m.node.id}); log ${
              workers.get(t.job)?.log
            }`,
          );
        }
        // taken by a job that wrote nothing yet: that job is cancelled too
        for (const m of q.waiting.values()) reject(m, `cancelled ${m.node.id}`);
        q.taken.clear();
        q.waiting.clear();
      }
    },
    /** Every item not settled (for failAll), taken out of the books. */
    drain(): Member[] {
      const out = pending.splice(0);
      for (const q of queues.values()) {
        out.push(...q.waiting.values(), ...[...q.taken.values()].map((t) => t.m));
        q.waiting.clear();
        q.taken.clear();
      }
      return out;
    },
    /** close(): no more gathering; the queue folders go. */
    async close() {
      if (gatherTimer !== undefined) clearTimeout(gatherTimer);
      gatherTimer = undefined;
      await Deno.remove(queueRoot, { recursive: true }).catch(() => {});
    },
  };
}
