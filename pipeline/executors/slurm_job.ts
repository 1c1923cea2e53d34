/**
 * What `--executor slurm` hands to SLURM and reads back: one job's sbatch arguments and script,
 * running a client command, and a log's last lines (pipeline/executors/slurm.ts drives them).
 */
import type { RemoteItem } from "./remote.ts";
import type { SlurmOptions } from "./slurm.ts";

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

/** The sbatch arguments for one job (without the script); exported for tests (--gres, issue 13). */
export function sbatchArgs(
  opts: SlurmOptions,
  node: RemoteItem,
  logPattern: string,
  name = node.id,
): string[] {
  const r = opts.resources(node.stage);
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

/** The job script: run the build entry, then record its exit status and node atomically. */
export function jobScript(nodes: RemoteItem[], argv: string[], donePrefix: string): string {
  const done = `${shellQuote(donePrefix)}-"$SLURM_JOB_ID".done`;
  return [
    "#!/bin/sh",
    ...nodes.map((n) => `# alignsam: build ${n.id} (key ${n.key}) into the shared cache`),
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
