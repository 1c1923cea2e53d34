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
 */
import { dirname, join } from "node:path";
import { InterruptedError } from "../../core/errors.ts";
import { replaceAtomic } from "../durable.ts";
import { itemFileName } from "../items.ts";
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
  /** argv (program first) that builds exactly this item into the shared cache, then exits */
  command(node: RemoteItem): string[];
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
  /** .done poll period (default 250 ms) */
  pollMs?: number;
  /** squeue poll period (default 3000 ms) */
  squeueMs?: number;
  /** how long a job that left the queue may take to show its .done file (NFS caches; default 10 s) */
  graceMs?: number;
  /** program names, for tests (a missing sbatch) */
  bin?: Partial<Record<"sbatch" | "squeue" | "scancel" | "scontrol", string>>;
}

/** SLURM itself failed: a command is missing, the controller does not answer, or a job failed. */
export class SlurmError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SlurmError";
  }
}

interface Job {
  id: string;
  node: RemoteItem;
  log: string;
  done: string;
  ctx: RemoteContext;
  resolve(meta: EntryMeta): void;
  reject(e: Error): void;
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

/** A shell word: single-quoted, with embedded quotes closed and escaped. */
function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** The sbatch arguments for one item (without the script); exported for tests (--gres, issue 13). */
export function sbatchArgs(opts: SlurmOptions, node: RemoteItem, logPattern: string): string[] {
  const r = opts.resources(node.stage);
  return [
    "--parsable",
    `--job-name=alignsam:${node.id}`.slice(0, 200),
    `--output=${logPattern}`,
    `--chdir=${opts.cwd}`,
    `--cpus-per-task=${r.cpus}`,
    `--mem=${r.mem}`,
    `--time=${r.time}`,
    ...(r.gres ? [`--gres=${r.gres}`] : []),
    ...(opts.args ?? []),
  ];
}

/** The job script: run the build entry, then record its exit status and node atomically. */
function jobScript(node: RemoteItem, argv: string[], donePrefix: string): string {
  const done = `${shellQuote(donePrefix)}-"$SLURM_JOB_ID".done`;
  return [
    "#!/bin/sh",
    `# alignsam: build ${node.id} (key ${node.key}) into the shared cache`,
    argv.map(shellQuote).join(" "),
    "rc=$?",
    `printf '%s %s\\n' "$rc" "\${SLURMD_NODENAME:-$(hostname)}" > ${done}.tmp && mv ${done}.tmp ${done}`,
    'exit "$rc"',
    "",
  ].join("\n");
}

async function runCommand(bin: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  let res: Deno.CommandOutput;
  try {
    res = await new Deno.Command(bin, { args, stdout: "piped", stderr: "piped", stdin: "null" }).output();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new SlurmError(
        `--executor slurm: ${bin} not found on PATH (the coordinator needs SLURM's client commands: sbatch, squeue, scancel)`,
      );
    }
    throw e;
  }
  const dec = new TextDecoder();
  return { code: res.code, out: dec.decode(res.stdout), err: dec.decode(res.stderr) };
}

/** The last `n` lines of a log (empty when it cannot be read). */
async function tailLines(path: string, n = 20): Promise<string[]> {
  try {
    const text = await Deno.readTextFile(path);
    return text.trimEnd().split("\n").slice(-n);
  } catch {
    return [];
  }
}

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

  const fail = async (job: Job, why: string) => {
    live.delete(job.id);
    const lines = await tailLines(job.log);
    const tail = lines.length ? `; last lines:\n${lines.map((l) => `    ${l}`).join("\n")}` : " (empty)";
    job.reject(
      new SlurmError(
        `${job.node.id}: SLURM job ${job.id} ${why} on node ${job.host ?? "?"}; log ${job.log}${tail}`,
      ),
    );
  };

  const finish = async (job: Job, rc: number) => {
    if (rc !== 0) return await fail(job, `exited with status ${rc}`);
    const c = await job.ctx.check(job.node.key);
    live.delete(job.id);
    if (c.state === "ok") return job.resolve(c.meta);
    const why = c.state === "corrupt" ? c.problem : "absent";
    const where = `SLURM job ${job.id} exited 0 on node ${job.host ?? "?"}`;
    job.reject(
      new SlurmError(
        `${job.node.id}: ${where}, but entry ${job.node.key} is not whole in the cache (${why}): ` +
          `did the job see other code or config? log ${job.log}`,
      ),
    );
  };

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
        [...live.values()][0]?.ctx.log(
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
    for (const job of live.values()) job.reject(e);
    live.clear();
  };

  const cancelAll = async (log: (l: string) => void) => {
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
      job.reject(
        new InterruptedError(`interrupted: cancelled SLURM job ${job.id} (${job.node.id}); log ${job.log}`),
      );
    }
  };

  const submit = async (node: RemoteItem, ctx: RemoteContext): Promise<Omit<Job, "resolve" | "reject">> => {
    const base = join(opts.logDir, node.stage, itemFileName(node.item));
    await Deno.mkdir(dirname(base), { recursive: true });
    const script = `${base}.sh`;
    // temp + rename: a second coordinator on this cache writes the same path, and sbatch must
    // never read it half-written
    const text = new TextEncoder().encode(jobScript(node, opts.command(node), base));
    await replaceAtomic(script, `${script}.${Deno.pid}.${crypto.randomUUID()}.tmp`, text, false);
    const args = [...sbatchArgs(opts, node, `${base}-%j.log`), script];
    const release = await submitting.acquire();
    const res = await runCommand(bin.sbatch, args).finally(release);
    const id = res.out.trim().split(";")[0];
    if (res.code !== 0 || !/^\d+$/.test(id)) {
      throw new SlurmError(
        `${node.id}: \`${bin.sbatch} ${args.join(" ")}\` failed (exit ${res.code}): ${
          (res.err || res.out).trim().split("\n").slice(-3).join(" / ")
        }`,
      );
    }
    return { id, node, ctx, log: `${base}-${id}.log`, done: `${base}-${id}.done` };
  };

  return {
    runsHere: (stage) => opts.local?.(stage) ?? false,
    async build(node, ctx) {
      if (ctx.signal.aborted) throw new InterruptedError(`interrupted before ${node.id}`);
      await check();
      const job = await submit(node, ctx);
      ctx.log(`submitted ${node.id} as SLURM job ${job.id} (log ${job.log})`);
      // Ctrl-C: every job still queued or running is cancelled at once (one scancel)
      const onAbort = () => void cancelAll(ctx.log);
      try {
        return await new Promise<EntryMeta>((resolve, reject) => {
          live.set(job.id, { ...job, resolve, reject });
          ctx.signal.addEventListener("abort", onAbort, { once: true });
          if (ctx.signal.aborted) onAbort();
          schedule();
        });
      } finally {
        ctx.signal.removeEventListener("abort", onAbort);
      }
    },
    async close() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await cancelAll(() => {});
    },
  };
}
