/**
 * Fake sbatch/squeue/scancel/scontrol/sinfo scripts and an executor over them, for
 * tests/slurm_poll_test.ts and tests/slurm_workers_test.ts (no SLURM needed). Files starting
 * with "_" are helpers, not tests.
 */
import { join } from "node:path";
import { assert } from "./pipeline_assert.ts";
import { type JobWork, slurmExecutor, type SlurmOptions } from "../pipeline/executors/slurm.ts";
import { markTaken, takeNext } from "../pipeline/executors/queue.ts";
import type { RemoteContext, RemoteItem } from "../pipeline/executors/remote.ts";
import type { EntryMeta } from "../pipeline/store.ts";

/**
 * Fake commands in DIR/bin. State in DIR: `n` (last job id), `state-<id>` (what squeue says;
 * PENDING when absent), `squeue-calls`, `scancel` (the ids cancelled), `sinfo` (its output).
 */
export async function fakeSlurm(dir: string) {
  const bin = join(dir, "bin");
  await Deno.mkdir(bin);
  const scripts: Record<string, string> = {
    sbatch: `[ "$1" = --version ] && { echo "slurm 22.05 (fake)"; exit 0; }
exec 9>${dir}/lock; flock 9; n=$(( $(cat ${dir}/n 2>/dev/null || echo 0) + 1 )); echo $n > ${dir}/n; echo $n`,
    scontrol: `echo "Slurmctld(primary) at fake is UP"`,
    // squeue -h -t all -o FMT -j IDS: slow, so that jobs are submitted while it runs
    squeue: `echo x >> ${dir}/squeue-calls; sleep 0.3; for id in $(echo "$7" | tr , ' '); do
  s=$(cat ${dir}/state-$id 2>/dev/null || echo PENDING); echo "$id|$s|n1"; done`,
    scancel: `echo "$@" >> ${dir}/scancel`,
    // sinfo -h -N -o '%N|%P|%C': DIR/sinfo, else one busy node (groups sized by time alone)
    sinfo: `cat ${dir}/sinfo 2>/dev/null || echo "n1|debug*|2/0/0/2"`,
  };
  for (const [name, body] of Object.entries(scripts)) {
    await Deno.writeTextFile(join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  }
  return Object.fromEntries(Object.keys(scripts).map((n) => [n, join(bin, n)]));
}

const meta = (key: string) => ({ key, wallSeconds: 1 }) as EntryMeta;

export function setup(
  dir: string,
  bin: Record<string, string>,
  signal = new AbortController().signal,
  group?: SlurmOptions["group"],
) {
  const absent = new Set<string>();
  const commands: JobWork[] = [];
  const ex = slurmExecutor({
    command: (work) => (commands.push(work), ["true"]),
    group,
    resources: () => ({ cpus: 1, mem: "1G", time: "1:00" }),
    logDir: join(dir, "logs"),
    cwd: dir,
    pollMs: 20,
    squeueMs: 50,
    graceMs: 300,
    bin,
  });
  const logs: string[] = [];
  const ctx: RemoteContext = {
    signal,
    log: (l) => logs.push(l),
    // a job that failed left no entry: its key is in `absent`
    check: (key) =>
      Promise.resolve(absent.has(key) ? { state: "absent" as const } : { state: "ok", meta: meta(key) }),
  };
  const node = (i: number): RemoteItem => ({
    stage: "s",
    item: { i },
    id: `s[i=${i}]`,
    key: `k${i}`,
    force: false,
  });
  /** what the job script writes last: "<exit status> <node>" */
  const finish = (i: number, id: string, rc = 0) =>
    Deno.writeTextFile(join(dir, "logs", "s", `i=${i}-${id}.done`), `${rc} n1\n`);
  return { ex, ctx, node, finish, logs, absent, commands };
}

export const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until(cond: () => Promise<boolean>, ms = 10_000) {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error("timed out");
    await wait(20);
  }
}

export const exists = (p: string) => Deno.stat(p).then(() => true, () => false);

/** A test in a fresh folder with the fake commands; `fn` returns the executor to close. */
export function pollTest(
  name: string,
  fn: (dir: string, bin: Record<string, string>) => Promise<{ close(): Promise<void> }>,
) {
  Deno.test(name, async () => {
    const dir = await Deno.makeTempDir({ prefix: "alignsam-slurm-poll-" });
    const ex = await fn(dir, await fakeSlurm(dir));
    await ex.close();
    await wait(400); // a squeue call may still be running
    await Deno.remove(dir, { recursive: true });
  });
}

/** The worker jobs submitted so far: job id and queue folder, in order. */
export function workerJobs(logs: string[], commands: JobWork[]): { id: string; queue: string }[] {
  const ids = logs.map((l) => l.match(/^submitted a worker job of s \(\d+ waiting\) as SLURM job (\d+)/)?.[1])
    .filter((x): x is string => x !== undefined);
  const queues = commands.flatMap((c) => ("queue" in c ? [c.queue] : []));
  return ids.map((id, i) => ({ id, queue: queues[i] }));
}

/** What a worker job does with one item: take it, then say it is built (or failed). */
export async function work(queue: string, job: string, outcome: "ok" | "fail" | "none" = "ok") {
  const t = await takeNext(queue, job);
  assert(t, `nothing left in ${queue}`);
  if (outcome === "ok") await markTaken(queue, t.name, job, { ok: true });
  if (outcome === "fail") await markTaken(queue, t.name, job, { ok: false, error: `boom at ${t.item.i}` });
  return t;
}

export const submitted = (logs: string[], n: number) =>
  until(() => Promise.resolve(logs.filter((l) => l.startsWith("submitted")).length >= n));

/** End worker job `id` as its script does: write its .done file with `rc`. */
export async function endWorker(logs: string[], id: string, rc: number) {
  const log = logs.map((l) => l.match(new RegExp(`as SLURM job ${id} \\(log (\\S+)\\)$`))?.[1]).find(
    Boolean,
  )!;
  await Deno.writeTextFile(log.replace(/\.log$/, ".done"), `${rc} n1\n`);
}
