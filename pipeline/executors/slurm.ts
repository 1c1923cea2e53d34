/**
 * `--executor slurm`: items that must be built become `sbatch` jobs that run the app's build
 * entry (e.g. `cli/main.ts build-item`) against the shared cache, then exit. The coordinator
 * submits an item as soon as its inputs are built (execute.ts), so the DAG's own order replaces
 * `--dependency` chains, and a failed item submits nothing that needs it.
 *
 * An item priced over half of `group.seconds` (or not priced) gets a job of its own. Cheaper ones
 * go into a queue per stage (queue.ts) that worker jobs take items from, one after another, for
 * up to `group.seconds` each (slurm_workers.ts): a job costs seconds to start and runs cold (issue 13's benchmark),
 * and a warm worker that takes the next ready item pipelines the DAG as the local pool does.
 * Each item still has its own claim and entry, and tells the coordinator as soon as it is done.
 *
 * The outcome of a job is learnt two ways: its script's last act writes `<name>-<jobid>.done`
 * ("<exit status> <node>"), polled with a cheap stat every `pollMs` (with the queues' `taken/`
 * folders); and `squeue -t all` every `squeueMs` catches jobs that died without writing it
 * (scancel, time limit, node failure). `sacct` is not used: clusters may run without accounting.
 */
import { dirname, join } from "node:path";
import { InterruptedError } from "../../core/errors.ts";
import { replaceAtomic } from "../durable.ts";
import { itemFileName } from "../items.ts";
import {
  idleSlots,
  jobScript,
  partitionsOf,
  runCommand,
  sbatchArgs,
  SlurmError,
  tailLines,
} from "./slurm_job.ts";
import { type Job, jobLabel, type Member, workerQueues } from "./slurm_workers.ts";

import type { JobWork, SlurmOptions } from "./slurm_options.ts";

export { sbatchArgs, SlurmError };
export type { JobWork, SlurmOptions, SlurmResources } from "./slurm_options.ts";
import type { EntryMeta } from "../store.ts";
import type { RemoteExecutor, RemoteItem } from "./remote.ts";
import { Slots } from "../pool.ts";

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
  const bin = {
    sbatch: "sbatch",
    squeue: "squeue",
    scancel: "scancel",
    scontrol: "scontrol",
    sinfo: "sinfo",
    ...opts.bin,
  };
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

  const cpusOf = (stage: string) => Math.max(1, opts.resources(stage).cpus);

  /** The log's last lines, indented, as an error message's end. */
  const lastLines = async (log: string) => {
    const lines = await tailLines(log);
    return lines.length ? `; last lines:\n${lines.map((l) => `    ${l}`).join("\n")}` : " (empty)";
  };

  /** A member's entry is done: resolve it if the entry is whole, else reject with `whyNot`. */
  const settleMember = async (m: Member, whyNot: (absent: string) => Error) => {
    const c = await m.ctx.check(m.node.key);
    if (c.state === "ok") m.resolve(c.meta);
    else m.reject(whyNot(c.state === "corrupt" ? c.problem : "absent"));
  };

  /**
   * The job is over. A one-item job: its member resolves if its entry is whole, else fails with
   * `why` (undefined: it exited 0). A worker job: the items it finished are settled by their own
   * files; one it had taken and not finished fails with `why`; then the queue gets a new worker
   * job if items are still waiting and none is left.
   */
  const settle = async (job: Job, why?: string) => {
    live.delete(job.id);
    const where = `SLURM job ${job.id}`;
    if (job.queue) return await workers!.ended(job, why); // only worker queues make worker jobs
    const m = job.members[0];
    if (why === undefined) {
      return await settleMember(m, (absent) =>
        new SlurmError(
          `${m.node.id}: ${where} exited 0 on node ${
            job.host ?? "?"
          }, but entry ${m.node.key} is not whole ` +
            `in the cache (${absent}): did the job see other code or config? log ${job.log}`,
        ));
    }
    const tail = await lastLines(job.log);
    await settleMember(
      m,
      () => new SlurmError(`${m.node.id}: ${where} ${why} on node ${job.host ?? "?"}; log ${job.log}${tail}`),
    );
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
        logLine(`squeue failed (${res.err.trim()}); still waiting for the jobs' .done files`);
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
    await workers?.scan();
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
    for (const m of workers?.drain() ?? []) m.reject(e);
    for (const job of live.values()) for (const m of job.members) m.reject(e);
    live.clear();
  };

  /**
   * Ctrl-C or close(): withdraw the queued items (so that no job starts on them), scancel every
   * job in flight with one call, and reject what is not settled, naming the job that had it.
   * Calls while one runs (every build's abort listener calls it) share it.
   */
  let cancelling: Promise<void> | undefined;
  const cancelAll = (log: (l: string) => void) =>
    cancelling ??= cancelNow(log).finally(() => (cancelling = undefined));
  const cancelNow = async (log: (l: string) => void) => {
    const jobs = [...live.values()];
    live.clear();
    const notStarted = (await workers?.withdrawAll()) ?? [];
    // scancel before any build is rejected: the coordinator exits once they all are
    if (jobs.length) {
      const ids = jobs.map((j) => j.id);
      const res = await runCommand(bin.scancel, ids).catch((e) => ({ code: -1, err: (e as Error).message }));
      log(
        res.code === 0
          ? `cancelled ${ids.length} SLURM job(s): ${ids.join(" ")}`
          : `scancel ${ids.join(" ")} failed: ${res.err.trim()}`,
      );
    }
    const interrupted = (m: Member, why: string) => m.reject(new InterruptedError(`interrupted: ${why}`));
    for (const m of notStarted) interrupted(m, `${m.node.id} was not started`);
    for (const job of jobs) {
      for (const m of job.members) {
        interrupted(m, `cancelled SLURM job ${job.id} (${m.node.id}); log ${job.log}`);
      }
    }
    await workers?.rejectTaken(interrupted);
  };

  /** Write the job's script and sbatch it; `base` names its script, log and .done file. */
  const submit = async (work: JobWork, base: string, what: string, jobName: string) => {
    const stage = "node" in work ? work.node.stage : work.stage;
    await Deno.mkdir(dirname(base), { recursive: true });
    const script = `${base}.sh`;
    // temp + rename: a second coordinator on this cache writes the same path, and sbatch must
    // never read it half-written
    const text = new TextEncoder().encode(jobScript(what, opts.command(work), base));
    await replaceAtomic(script, `${script}.${Deno.pid}.${crypto.randomUUID()}.tmp`, text, false);
    const args = [...sbatchArgs(opts, stage, `${base}-%j.log`, jobName), script];
    const release = await submitting.acquire();
    const res = await runCommand(bin.sbatch, args).finally(release);
    const id = res.out.trim().split(";")[0];
    if (res.code !== 0 || !/^\d+$/.test(id)) {
      throw new SlurmError(
        `${what}: \`${bin.sbatch} ${args.join(" ")}\` failed (exit ${res.code}): ${
          (res.err || res.out).trim().split("\n").slice(-3).join(" / ")
        }`,
      );
    }
    return { id, log: `${base}-${id}.log`, done: `${base}-${id}.done` };
  };

  /** The CPUs of jobs being submitted (sbatch not back yet): idleNow counts them as taken. */
  let launchingCpus = 0;
  let closed = false;

  /** Submit a job; `onFail` hears of a failure to submit. */
  const launch = async (
    stage: string,
    make: () => Promise<Job>,
    onFail: (e: Error) => void,
  ) => {
    const cpus = cpusOf(stage);
    launchingCpus += cpus;
    try {
      // close() ran meanwhile: submit nothing nobody will cancel
      if (closed) throw new InterruptedError(`interrupted before a ${stage} job was submitted`);
      await check();
      const job = await make();
      logLine(
        `submitted ${
          job.queue ? `${jobLabel(job)} (${job.queue.waiting.size} waiting)` : jobLabel(job)
        } as SLURM job ${job.id} (log ${job.log})`,
      );
      live.set(job.id, job);
      // Ctrl-C while sbatch ran: the listener fired before the job was known
      if (aborted) void cancelAll(logLine);
      schedule();
    } catch (e) {
      onFail(e as Error);
    } finally {
      launchingCpus -= cpus;
    }
  };

  const launchOne = (m: Member) =>
    launch(m.node.stage, async () => {
      const base = join(opts.logDir, m.node.stage, itemFileName(m.node.item));
      const what = `build ${m.node.id} (key ${m.node.key}) into the shared cache`;
      return { ...(await submit({ node: m.node }, base, what, m.node.id)), members: [m] };
    }, (e) => m.reject(e));

  /**
   * Job slots of `cpus` CPUs idle now where the jobs go, less this coordinator's jobs that are
   * submitted but not started (they will take idle CPUs first). 0 when sinfo fails: worker jobs
   * are then counted by queued seconds alone. Memory is not looked at: a 1-CPU job rarely waits for it.
   */
  const idleNow = async (cpus: number): Promise<number> => {
    if (live.size) {
      lastSqueue = Date.now();
      await squeue();
    }
    const res = await runCommand(bin.sinfo, ["-h", "-N", "-o", "%N|%P|%C"]).catch(() => undefined);
    if (!res || res.code !== 0) return 0;
    let waiting = launchingCpus;
    for (const job of live.values()) {
      const stage = job.queue?.stage ?? job.members[0].node.stage;
      if (job.state === undefined || job.state === "PENDING") waiting += cpusOf(stage);
    }
    return Math.max(0, idleSlots(res.out, partitionsOf(opts.args ?? []), cpus) - Math.ceil(waiting / cpus));
  };

  let aborted = false;
  let logLine: (l: string) => void = () => {};
  const group = opts.group && opts.group.seconds > 0 ? opts.group : undefined;
  // items priced at most half a worker's budget go to worker jobs (slurm_workers.ts)
  const cheap = (node: RemoteItem) => {
    const s = group?.estimate(node);
    return s !== undefined && s <= group!.seconds / 2;
  };
  const workers = group
    ? workerQueues({
      opts: { ...opts, group },
      live,
      launch,
      submit,
      idleNow,
      cpusOf,
      settleMember,
      lastLines,
      closed: () => closed,
      failAll,
    })
    : undefined;

  return {
    runsHere: (stage) => opts.local?.(stage) ?? false,
    async build(node, ctx) {
      if (ctx.signal.aborted) throw new InterruptedError(`interrupted before ${node.id}`);
      logLine = ctx.log;
      // Ctrl-C: every job still queued or running is cancelled at once (one scancel)
      const onAbort = () => {
        aborted = true;
        void cancelAll(ctx.log);
      };
      ctx.signal.addEventListener("abort", onAbort, { once: true });
      try {
        return await new Promise<EntryMeta>((resolve, reject) => {
          const m: Member = { node, ctx, resolve, reject };
          if (workers && cheap(node)) workers.add(m);
          else void launchOne(m);
        });
      } finally {
        ctx.signal.removeEventListener("abort", onAbort);
      }
    },
    async close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await cancelAll(() => {});
      await workers?.close();
    },
  };
}
