/**
 * pipeline/executors/slurm.ts's bookkeeping against fake sbatch/squeue/scancel/scontrol scripts
 * (no SLURM needed): a job submitted while squeue runs is not taken for gone; a job squeue shows
 * CANCELLED fails with its id, node and log; an abort scancels every job in flight.
 */
import { join } from "node:path";
import { assert, assertEquals, assertMatch, assertRejects } from "./pipeline_assert.ts";
import { InterruptedError } from "../core/errors.ts";
import { SlurmError, slurmExecutor, type SlurmOptions } from "../pipeline/executors/slurm.ts";
import { packGroups } from "../pipeline/executors/groups.ts";
import type { RemoteContext, RemoteItem } from "../pipeline/executors/remote.ts";
import type { EntryMeta } from "../pipeline/store.ts";

/**
 * Fake commands in DIR/bin. State in DIR: `n` (last job id), `state-<id>` (what squeue says;
 * PENDING when absent), `squeue-calls`, `scancel` (the ids cancelled).
 */
async function fakeSlurm(dir: string) {
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
  };
  for (const [name, body] of Object.entries(scripts)) {
    await Deno.writeTextFile(join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  }
  return Object.fromEntries(Object.keys(scripts).map((n) => [n, join(bin, n)]));
}

const meta = (key: string) => ({ key, wallSeconds: 1 }) as EntryMeta;

function setup(
  dir: string,
  bin: Record<string, string>,
  signal = new AbortController().signal,
  group?: SlurmOptions["group"],
) {
  const absent = new Set<string>();
  const commands: RemoteItem[][] = [];
  const ex = slurmExecutor({
    command: (nodes) => (commands.push(nodes), ["true"]),
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

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => Promise<boolean>, ms = 10_000) {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error("timed out");
    await wait(20);
  }
}

const exists = (p: string) => Deno.stat(p).then(() => true, () => false);

/** A test in a fresh folder with the fake commands; `fn` returns the executor to close. */
function pollTest(
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

pollTest(
  "slurm poll: a job submitted while squeue runs, then pending for several polls, is not taken for gone",
  async (dir, bin) => {
    const { ex, ctx, node, finish } = setup(dir, bin);
    const a = ex.build(node(1), ctx);
    // submit the second job while the first squeue call is sleeping
    await until(() => exists(join(dir, "squeue-calls")));
    const b = ex.build(node(2), ctx);
    await until(async () => (await Deno.readTextFile(join(dir, "squeue-calls"))).split("\n").length > 5);
    await finish(1, "1");
    assertEquals((await a).key, "k1");
    await finish(2, "2");
    assertEquals((await b).key, "k2");
    return ex;
  },
);

pollTest(
  "slurm poll: a job squeue shows CANCELLED fails with its id, node and log; finished ones resolve",
  async (dir, bin) => {
    const { ex, ctx, node, finish, logs, absent } = setup(dir, bin);
    absent.add("k2");
    const a = ex.build(node(1), ctx);
    const b = ex.build(node(2), ctx);
    const idOf = (i: number) =>
      logs.map((l) => l.match(new RegExp(`^submitted s\\[i=${i}\\] as SLURM job (\\d+)`))?.[1]).find(
        Boolean,
      );
    await until(() => Promise.resolve(idOf(1) !== undefined && idOf(2) !== undefined));
    const [id1, id2] = [idOf(1)!, idOf(2)!];
    const failed = assertRejects(
      () => b,
      SlurmError,
      `s[i=2]: SLURM job ${id2} ended CANCELLED on node n1; log `,
    );
    await Deno.writeTextFile(join(dir, `state-${id2}`), "CANCELLED");
    await finish(1, id1);
    assertEquals((await a).key, "k1");
    const err = await failed;
    assert(err.message.includes(join(dir, "logs", "s", `i=2-${id2}.log`)), err.message);
    return ex;
  },
);

pollTest(
  "slurm poll: an abort scancels every job in flight and rejects them as interrupted",
  async (dir, bin) => {
    const ac = new AbortController();
    const { ex, ctx, node, logs } = setup(dir, bin, ac.signal);
    const jobs = [ex.build(node(1), ctx), ex.build(node(2), ctx)];
    await until(() =>
      exists(join(dir, "n")).then(async (e) => e && (await Deno.readTextFile(join(dir, "n"))).trim() === "2")
    );
    await wait(50);
    ac.abort();
    for (const j of jobs) await assertRejects(() => j, InterruptedError, "interrupted: cancelled SLURM job");
    await until(() => exists(join(dir, "scancel")));
    assertEquals((await Deno.readTextFile(join(dir, "scancel"))).trim().split(/\s+/).sort(), ["1", "2"]);
    assert(logs.some((l) => /^cancelled 2 SLURM job\(s\): /.test(l)), logs.join("\n"));
    return ex;
  },
);

pollTest(
  "slurm group jobs: items priced under half the group share one sbatch, in balanced groups; the others go alone",
  async (dir, bin) => {
    // s[i=9] has no estimate, s[i=8] costs more than half the group: a job each
    const priced: Record<string, number> = {
      "s[i=1]": 4,
      "s[i=2]": 4,
      "s[i=3]": 4,
      "s[i=4]": 4,
      "s[i=8]": 6,
    };
    const { ex, ctx, node, logs, commands } = setup(dir, bin, undefined, {
      seconds: 10,
      estimate: (n) => priced[n.id],
    });
    const builds = [1, 2, 3, 4, 8, 9].map((i) => ex.build(node(i), ctx));
    await until(() => Promise.resolve(logs.filter((l) => l.startsWith("submitted")).length === 4));
    const sizes = commands.map((c) => c.map((n) => n.item.i).join(",")).sort();
    assertEquals(sizes, ["1,3", "2,4", "8", "9"]);
    for (const l of logs.filter((l) => l.startsWith("submitted 2 items"))) {
      assertMatch(
        l,
        /^submitted 2 items of s \(s\[i=\d\], s\[i=\d\]\) as SLURM job \d+ \(log .*group-i=\d-and-1-\d+\.log\)$/,
      );
    }
    // one .done for a group settles both its members
    const id = logs.find((l) => l.includes("(s[i=1], s[i=3])"))!.match(/SLURM job (\d+)/)![1];
    await Deno.writeTextFile(join(dir, "logs", "s", `group-i=1-and-1-${id}.done`), "0 n1\n");
    assertEquals((await builds[0]).key, "k1");
    assertEquals((await builds[2]).key, "k3");
    for (const b of builds) b.catch(() => {}); // the rest are cancelled by close()
    return ex;
  },
);

Deno.test("packGroups: ceil(total / limit) balanced groups, every item once, input order inside a group", () => {
  const secs = [5, 1, 4, 2, 3, 5];
  const g = packGroups(secs.map((_, i) => i), (i) => secs[i], 10);
  assertEquals(g.length, 2);
  assertEquals(g.flat().sort(), [0, 1, 2, 3, 4, 5]);
  for (const grp of g) {
    assertEquals([...grp].sort((a, b) => a - b), grp);
    assertEquals(grp.reduce((s, i) => s + secs[i], 0), 10);
  }
  assertEquals(packGroups([3, 3], (x) => x, 10), [[3, 3]]);
  assertEquals(packGroups([], (x: number) => x, 10), []);
});

pollTest("slurm group jobs: forced and unforced items of a stage go to separate groups", async (dir, bin) => {
  const { ex, ctx, node, logs, commands } = setup(dir, bin, undefined, { seconds: 10, estimate: () => 1 });
  const builds = [1, 2, 3, 4].map((i) => ex.build({ ...node(i), force: i % 2 === 0 }, ctx));
  for (const b of builds) b.catch(() => {}); // cancelled by close()
  await until(() => Promise.resolve(logs.filter((l) => l.startsWith("submitted")).length === 2));
  const groups = commands.map((c) => c.map((n) => `${n.item.i}${n.force ? "f" : ""}`).join(",")).sort();
  assertEquals(groups, ["1,3", "2f,4f"]);
  return ex;
});
