/**
 * `--executor slurm`: every item that must be built becomes one `sbatch` job that runs the app's
 * one-item build entry (e.g. `cli/main.ts build-item`) against the shared cache, then exits. The
 * coordinator submits an item as soon as its inputs are built (execute.ts), so the DAG's own
 * order replaces `--dependency` chains, and a failed item submits nothing that needs it.
 *
 * The outcome of a job is learnt two ways: its script's last act writes `<name>-<jobid>.done`
 * ("<exit status> <node>"), polled with a cheap stat every `pollMs`; and `squeue -t all` every
 * `squeueMs` catches jobs that died without writing it (scancel, time limit, node failure).
 * `sacct` is not used: clusters may run without accounting.
 *
 * Items priced far below a job's start-up are packed into group jobs (`group`, groups.ts).
 */
import { dirname, join } from "node:path";
import { InterruptedError } from "../../core/errors.ts";
import { replaceAtomic } from "../durable.ts";
import { itemFileName } from "../items.ts";
import { packGroups } from "./groups.ts";
import { jobScript, runCommand, sbatchArgs, SlurmError, tailLines } from "./slurm_job.ts";

export { sbatchArgs, SlurmError };
import { Slots } from "../pool.ts";
import type { EntryMeta } from "../store.ts";
import type { RemoteContext, RemoteExecutor, RemoteItem } from "./remote.ts";

/** What one job asks the scheduler for (sbatch's --cpus-per-task, --mem, --time, --gres). */
export interface SlurmResources {
  cpus: number;
  /** sbatch --mem syntax: "8G", "500M" */
  mem: string;
  /** sbatch --time syntax: "4:00:00", "30:00" */
  time: string;
  /** e.g. "gpu:1"; absent for CPU-only stages */
  gres?: string;
}

export interface SlurmOptions {
  /** argv (program first) that builds exactly these items (one stage) into the shared cache, then exits */
  command(nodes: RemoteItem[]): string[];
  /** per stage */
  resources(stage: string): SlurmResources;
  /** job scripts, logs and .done files (on a filesystem the coordinator and the nodes share) */
  logDir: string;
  /** working directory of every job */
  cwd: string;
  /** stages built in the coordinator, not as jobs (RemoteExecutor.runsHere) */
  local?(stage: string): boolean;
  /** extra sbatch arguments, e.g. ["--partition=gpu", "--account=lab"] */
  args?: readonly string[];
  /**
   * Group jobs: a ready item whose `estimate` is at most half of `seconds` waits `gatherMs`
   * (default 150) for others of its stage, and they are packed into jobs of about `seconds`.
   * Absent, or an item without an estimate: one job per item.
   */
  group?: { seconds: number; estimate(node: RemoteItem): number | undefined; gatherMs?: number };
  /** .done poll period (default 250 ms) */
  pollMs?: number;
  /** squeue poll period (default 3000 ms) */
  squeueMs?: number;
  /** how long a job that left the queue may take to show its .done file (NFS caches; default 10 s) */
  graceMs?: number;
  /** program names, for tests (a missing sbatch) */
  bin?: Partial<Record<"sbatch" | "squeue" | "scancel" | "scontrol", string>>;
}

/** One item waiting for its entry, and the build() promise to settle. */
interface Member {
  node: RemoteItem;
  ctx: RemoteContext;
  resolve(meta: EntryMeta): void;
  reject(e: Error): void;
}

interface Job {
  id: string;
  /** one item, or a group of one stage's items */
  members: Member[];
  log: string;
  done: string;
  /** last squeue state and node */
  state?: string;
  host?: string;
  /** when squeue first showed it finished (or forgot it) */
  goneAt?: number;
}

// squeue states after which a job does nothing more (squeue(1) JOB STATE CODES)
const FINAL = new Set([
  "COMPLETED",
  "FAILED",
  "CANCELLED",
  "TIMEOUT",
  "NODE_FAIL",
  "PREEMPTED",
  "OUT_OF_MEMORY",
  "BOOT_FAIL",
  "DEADLINE",
  "SPECIAL_EXIT",
  "REVOKED",
]);

export function slurmExecutor(opts: SlurmOptions): RemoteExecutor {
  const bin = { sbatch: "sbatch", squeue: "squeue", scancel: "scancel", scontrol: "scontrol", ...opts.bin };
  const pollMs = opts.pollMs ?? 250;
  const squeueMs = opts.squeueMs ?? 3000;
  const graceMs = opts.graceMs ?? 10_000;
  const live = new Map<string, Job>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastSqueue = 0;
  let squeueWarned = false;
  let preflight: Promise<void> | undefined;
  // a wave of hundreds of ready items must not fork hundreds of sbatch processes at once
  const submitting = new Slots(4);

  /** Once, before the first submission: sbatch is there and the controller answers. */
  const check = () =>
    preflight ??= (async () => {
      await runCommand(bin.sbatch, ["--version"]); // names sbatch if it is missing
      const ping = await runCommand(bin.scontrol, ["ping"]);
      if (ping.code !== 0 || !/\bUP\b/.test(ping.out)) {
        const said = (ping.out + ping.err).trim().split("\n")[0];
        throw new SlurmError(
          `--executor slurm: the SLURM controller does not answer: \`${bin.scontrol} ping\` exited ${ping.code}: ${said}`,
        );
      }
    })();

  /** `stage[a]`, or `3 items of stage (stage[a], stage[b], stage[c])` for a group job */
  const named = (job: { members: Member[] }) =>
    job.members.length === 1
      ? job.members[0].node.id
      : `${job.members.length} items of ${job.members[0].node.stage} (${
        job.members.map((m) => m.node.id).join(", ")
      })`;

  /**
   * The job is over: every member whose entry is whole in the cache resolves (a group that failed
   * half-way keeps what it built); the others fail with `why` (undefined: it exited 0), naming
   * the job, its node and log, and the log's last lines.
   */
  const settle = async (job: Job, why?: string) => {
    live.delete(job.id);
    const where = `SLURM job ${job.id}`;
    let tail: string | undefined;
    for (const m of job.members) {
      const c = await m.ctx.check(m.node.key);
      if (c.state === "ok") {
        m.resolve(c.meta);
        continue;
      }
      const absent = c.state === "corrupt" ? c.problem : "absent";
      if (why === undefined) {
        m.reject(
          new SlurmError(
            `${m.node.id}: ${where} exited 0 on node ${
              job.host ?? "?"
            }, but entry ${m.node.key} is not whole ` +
              `in the cache (${absent}): did the job see other code or config? log ${job.log}`,
          ),
        );
        continue;
      }
      if (tail === undefined) {
        const lines = await tailLines(job.log);
        tail = lines.length ? `; last lines:\n${lines.map((l) => `    ${l}`).join("\n")}` : " (empty)";
      }
      const of = job.members.length > 1 ? ` (a group job of ${named(job)})` : "";
      m.reject(
        new SlurmError(
          `${m.node.id}: ${where}${of} ${why} on node ${job.host ?? "?"}; log ${job.log}${tail}`,
        ),
      );
    }
  };
  const fail = (job: Job, why: string) => settle(job, why);
  const finish = (job: Job, rc: number) => settle(job, rc === 0 ? undefined : `exited with status ${rc}`);

  const readDone = async (job: Job): Promise<boolean> => {
    let text: string;
    try {
      text = await Deno.readTextFile(job.done);
    } catch {
      return false;
    }
    const [rc, host] = text.trim().split(/\s+/);
    if (host) job.host = host;
    await finish(job, Number(rc));
    return true;
  };

  const squeue = async () => {
    const ids = [...live.keys()];
    const res = await runCommand(bin.squeue, ["-h", "-t", "all", "-o", "%i|%T|%N", "-j", ids.join(",")])
      .catch((e) => ({ code: -1, out: "", err: (e as Error).message }));
    // every id purged from the controller's memory (MinJobAge passed): squeue names none of them
    const purged = res.code !== 0 && /Invalid job id/i.test(res.err);
    if (res.code !== 0 && !purged) {
      // the controller may be restarting: keep waiting on the .done files, say so once
      if (!squeueWarned) {
        [...live.values()][0]?.members[0].ctx.log(
          `squeue failed (${res.err.trim()}); still waiting for the jobs' .done files`,
        );
      }
      squeueWarned = true;
      return;
    }
    const seen = new Map<string, { state: string; host: string }>();
    for (const line of res.out.split("\n")) {
      const [id, state, host] = line.trim().split("|");
      if (id) seen.set(id, { state, host });
    }
    const now = Date.now();
    // only the jobs asked about: others were submitted while squeue ran
    for (const id of ids) {
      const job = live.get(id);
      if (!job) continue;
      const s = seen.get(id);
      if (s) {
        job.state = s.state;
        if (s.host) job.host = s.host;
      }
      if (!s || FINAL.has(s.state)) job.goneAt ??= now;
      else job.goneAt = undefined; // listed again (a controller that had not answered for it)
    }
  };

  const tick = async () => {
    timer = undefined;
    if (Date.now() - lastSqueue >= squeueMs && live.size) {
      lastSqueue = Date.now();
      await squeue();
    }
    for (const job of [...live.values()]) {
      if (await readDone(job)) continue;
      if (job.goneAt === undefined) continue;
      // left the queue without a .done file: killed (scancel, time limit, node failure), or the
      // file is not visible yet (NFS attribute cache) — wait graceMs for a COMPLETED one
      const state = job.state ?? "no longer known to squeue";
      if (job.state !== "COMPLETED" && job.state !== undefined) await fail(job, `ended ${state}`);
      else if (Date.now() - job.goneAt > graceMs) {
        await fail(job, `ended ${state} without writing ${job.done}`);
      }
    }
    schedule();
  };

  const schedule = () => {
    if (timer === undefined && live.size) timer = setTimeout(() => void tick().catch(failAll), pollMs);
  };

  const failAll = (e: Error) => {
    for (const job of live.values()) for (const m of job.members) m.reject(e);
    live.clear();
  };

  const cancelAll = async (log: (l: string) => void) => {
    // not submitted yet: nothing to cancel, only promises to settle
    for (const m of pending.splice(0)) m.reject(new InterruptedError(`interrupted before ${m.node.id}`));
    // taken out of `live` at once: every build's abort listener calls this, one scancel is enough
    const jobs = [...live.values()];
    live.clear();
    if (!jobs.length) return;
    const ids = jobs.map((j) => j.id);
    const res = await runCommand(bin.scancel, ids).catch((e) => ({ code: -1, err: (e as Error).message }));
    log(
      res.code === 0
        ? `cancelled ${ids.length} SLURM job(s): ${ids.join(" ")}`
        : `scancel ${ids.join(" ")} failed: ${res.err.trim()}`,
    );
    for (const job of jobs) {
      const e = new InterruptedError(
        `interrupted: cancelled SLURM job ${job.id} (${named(job)}); log ${job.log}`,
      );
      for (const m of job.members) m.reject(e);
    }
  };

  const submit = async (members: Member[]): Promise<Job> => {
    const nodes = members.map((m) => m.node);
    const first = nodes[0];
    const name = nodes.length === 1
      ? itemFileName(first.item)
      : `group-${itemFileName(first.item)}-and-${nodes.length - 1}`;
    const base = join(opts.logDir, first.stage, name);
    await Deno.mkdir(dirname(base), { recursive: true });
    const script = `${base}.sh`;
    // temp + rename: a second coordinator on this cache writes the same path, and sbatch must
    // never read it half-written
    const text = new TextEncoder().encode(jobScript(nodes, opts.command(nodes), base));
    await replaceAtomic(script, `${script}.${Deno.pid}.${crypto.randomUUID()}.tmp`, text, false);
    const jobName = nodes.length === 1 ? first.id : `${first.stage}×${nodes.length}`;
    const args = [...sbatchArgs(opts, first, `${base}-%j.log`, jobName), script];
    const release = await submitting.acquire();
    const res = await runCommand(bin.sbatch, args).finally(release);
    const id = res.out.trim().split(";")[0];
    if (res.code !== 0 || !/^\d+$/.test(id)) {
      throw new SlurmError(
        `${named({ members })}: \`${bin.sbatch} ${args.join(" ")}\` failed (exit ${res.code}): ${
          (res.err || res.out).trim().split("\n").slice(-3).join(" / ")
        }`,
      );
    }
    return { id, members, log: `${base}-${id}.log`, done: `${base}-${id}.done` };
  };

  /** Submit one job for `members` (one stage); a failure to submit fails them all. */
  const launch = async (members: Member[]) => {
    try {
      await check();
      const job = await submit(members);
      const ctx = members[0].ctx;
      ctx.log(`submitted ${named(job)} as SLURM job ${job.id} (log ${job.log})`);
      live.set(job.id, job);
      // Ctrl-C while sbatch ran: the listener fired before the job was known
      if (members.some((m) => m.ctx.signal.aborted)) void cancelAll(ctx.log);
      schedule();
    } catch (e) {
      for (const m of members) m.reject(e as Error);
    }
  };

  // group jobs: items priced well under a job's start-up wait here for others of their stage
  const pending: Member[] = [];
  let gatherTimer: ReturnType<typeof setTimeout> | undefined;
  const groupable = (node: RemoteItem): number | undefined => {
    if (!opts.group || opts.group.seconds <= 0) return undefined;
    const s = opts.group.estimate(node);
    return s !== undefined && s <= opts.group.seconds / 2 ? s : undefined;
  };
  const flush = () => {
    gatherTimer = undefined;
    const byGroupKey = new Map<string, Member[]>();
    // one job's command has one --force: forced and unforced items go to separate groups
    for (const m of pending.splice(0)) {
      const k = `${m.node.stage}\u0000${m.node.force}`;
      byGroupKey.set(k, [...(byGroupKey.get(k) ?? []), m]);
    }
    for (const ms of byGroupKey.values()) {
      for (const g of packGroups(ms, (m) => groupable(m.node) ?? 0, opts.group!.seconds)) void launch(g);
    }
  };

  return {
    runsHere: (stage) => opts.local?.(stage) ?? false,
    async build(node, ctx) {
      if (ctx.signal.aborted) throw new InterruptedError(`interrupted before ${node.id}`);
      // Ctrl-C: every job still queued or running is cancelled at once (one scancel)
      const onAbort = () => void cancelAll(ctx.log);
      ctx.signal.addEventListener("abort", onAbort, { once: true });
      try {
        return await new Promise<EntryMeta>((resolve, reject) => {
          const m: Member = { node, ctx, resolve, reject };
          if (groupable(node) === undefined) return void launch([m]);
          pending.push(m);
          gatherTimer ??= setTimeout(flush, opts.group!.gatherMs ?? 150);
        });
      } finally {
        ctx.signal.removeEventListener("abort", onAbort);
      }
    },
    async close() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      if (gatherTimer !== undefined) clearTimeout(gatherTimer);
      gatherTimer = undefined;
      await cancelAll(() => {});
    },
  };
}
