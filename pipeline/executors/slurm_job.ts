/**
 * What `--executor slurm` hands to SLURM and reads back: one job's sbatch arguments and script,
 * running a client command, and a log's last lines (pipeline/executors/slurm.ts drives them).
 */
import type { SlurmOptions } from "./slurm_options.ts";

/** SLURM itself failed: a command is missing, the controller does not answer, or a job failed. */
export class SlurmError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SlurmError";
  }
}

/** A shell word: single-quoted, with embedded quotes closed and escaped. */
function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** The sbatch arguments for one job of `stage` (without the script); exported for tests (--gres, issue 13). */
export function sbatchArgs(opts: SlurmOptions, stage: string, logPattern: string, name: string): string[] {
  const r = opts.resources(stage);
  return [
    "--parsable",
    `--job-name=alignsam:${name}`.slice(0, 200),
    `--output=${logPattern}`,
    `--chdir=${opts.cwd}`,
    `--cpus-per-task=${r.cpus}`,
    `--mem=${r.mem}`,
    `--time=${r.time}`,
    ...(r.gres ? [`--gres=${r.gres}`] : []),
    ...(opts.args ?? []),
  ];
}

/**
 * The partitions sbatch arguments name (`--partition=a,b`, `--partition a`, `-p a`, `-pa`), or []
 * when they name none (the cluster's default partition).
 */
export function partitionsOf(args: readonly string[]): string[] {
  const out: string[] = [];
  args.forEach((a, i) => {
    const v = a.startsWith("--partition=")
      ? a.slice("--partition=".length)
      : a === "--partition" || a === "-p"
      ? args[i + 1] ?? ""
      : a.startsWith("-p") && !a.startsWith("--")
      ? a.slice(2)
      : undefined;
    if (v !== undefined) out.push(...v.split(",").filter(Boolean));
  });
  return out;
}

/**
 * Jobs of `cpus` CPUs each that fit on the idle CPUs of `partitions` ([]: the default one) now,
 * from `sinfo -h -N -o '%N|%P|%C'` (node, partition with a trailing '*' on the default,
 * CPUs "allocated/idle/other/total": drained and down nodes' CPUs are "other"). A node in several
 * of the partitions counts once.
 */
export function idleSlots(sinfo: string, partitions: readonly string[], cpus: number): number {
  const idle = new Map<string, number>();
  for (const line of sinfo.split("\n")) {
    const [node, part, counts] = line.trim().split("|");
    if (!node || !part || !counts) continue;
    const wanted = partitions.length ? partitions.includes(part.replace(/\*$/, "")) : part.endsWith("*");
    const free = Number(counts.split("/")[1]);
    if (wanted && Number.isFinite(free)) idle.set(node, free);
  }
  let slots = 0;
  for (const free of idle.values()) slots += Math.floor(free / Math.max(1, cpus));
  return slots;
}

/**
 * How many worker jobs to submit for a queue: at least one while items wait and none is there;
 * one per idle slot, up to the items waiting (a wave of cheap items spread over idle CPUs ends
 * sooner than one job taking them all); on a busy cluster, one per `budget` seconds of waiting
 * work, counting the queue's workers already there; never more workers not started than items
 * waiting.
 */
export function workersToStart(q: {
  /** items waiting, and their estimated seconds */
  waiting: number;
  seconds: number;
  /** a worker's budget, seconds */
  budget: number;
  /** the queue's worker jobs in flight, and how many of them have not started */
  workers: number;
  notStarted: number;
  /** job slots idle now, less this coordinator's jobs not started (idleSlots) */
  idle: number;
}): number {
  if (q.waiting <= 0) return 0;
  const want = Math.max(
    Math.min(q.waiting, q.idle),
    Math.ceil(q.seconds / q.budget) - q.workers,
    q.workers === 0 ? 1 : 0,
  );
  return Math.max(0, Math.min(q.waiting - q.notStarted, want));
}

/** The job script: run the build entry, then record its exit status and node atomically. */
export function jobScript(what: string, argv: string[], donePrefix: string): string {
  const done = `${shellQuote(donePrefix)}-"$SLURM_JOB_ID".done`;
  return [
    "#!/bin/sh",
    `# alignsam: ${what}`,
    argv.map(shellQuote).join(" "),
    "rc=$?",
    `printf '%s %s\\n' "$rc" "\${SLURMD_NODENAME:-$(hostname)}" > ${done}.tmp && mv ${done}.tmp ${done}`,
    'exit "$rc"',
    "",
  ].join("\n");
}

export async function runCommand(
  bin: string,
  args: string[],
): Promise<{ code: number; out: string; err: string }> {
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
export async function tailLines(path: string, n = 20): Promise<string[]> {
  try {
    const text = await Deno.readTextFile(path);
    return text.trimEnd().split("\n").slice(-n);
  } catch {
    return [];
  }
}
