/**
 * The worker jobs of pipeline/executors/slurm.ts (slurm_workers.ts, queue.ts) against fake SLURM
 * commands (tests/_fake_slurm.ts): items settle on their markers while the job runs, failures
 * stay with their item, workers are counted by idle slots and queued work, an abort withdraws and
 * scancels, and the pure parts (the queue, workersToStart, idleSlots, partitionsOf).
 */
import { join } from "node:path";
import { assertEquals, assertMatch, assertRejects } from "./pipeline_assert.ts";
import { InterruptedError } from "../core/errors.ts";
import { SlurmError } from "../pipeline/executors/slurm.ts";
import { idleSlots, partitionsOf, workersToStart } from "../pipeline/executors/slurm_job.ts";
import { enqueue, markTaken, scanTaken, takeNext, withdraw } from "../pipeline/executors/queue.ts";
import {
  endWorker,
  exists,
  pollTest,
  setup,
  submitted,
  until,
  wait,
  work,
  workerJobs,
} from "./_fake_slurm.ts";

pollTest(
  "slurm worker jobs: cheap items are queued for worker jobs, and each settles when its job says so, before the job ends; dear or unpriced items go alone",
  async (dir, bin) => {
    // s[i=9] has no estimate, s[i=8] costs more than half the budget: a job each
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
    for (const b of builds) b.catch(() => {}); // the rest are cancelled by close()
    // 16 s queued, budget 10 s, no idle CPU (the fake sinfo): two worker jobs
    await submitted(logs, 4);
    assertEquals(commands.filter((c) => "node" in c).map((c) => "node" in c && c.node.item.i).sort(), [8, 9]);
    const w = workerJobs(logs, commands);
    assertEquals(w.length, 2);
    assertEquals(w[0].queue, w[1].queue);
    // the first worker takes the oldest items, in order; each resolves on its own .ok
    assertEquals((await work(w[0].queue, w[0].id)).item, { i: 1 });
    assertEquals((await builds[0]).key, "k1");
    assertEquals((await work(w[0].queue, w[0].id)).item, { i: 2 });
    assertEquals((await builds[1]).key, "k2");
    return ex;
  },
);

pollTest(
  "slurm worker jobs: a failed item fails alone, naming the job, its log and the error; the job's next item resolves",
  async (dir, bin) => {
    const { ex, ctx, node, logs, commands, absent } = setup(dir, bin, undefined, {
      seconds: 10,
      estimate: () => 1,
    });
    absent.add("k1");
    const builds = [1, 2].map((i) => ex.build(node(i), ctx));
    await submitted(logs, 1);
    const [w] = workerJobs(logs, commands);
    const failed = assertRejects(
      () => builds[0],
      SlurmError,
      `s[i=1]: SLURM job ${w.id} (a worker job of s)`,
    );
    await work(w.queue, w.id, "fail");
    const err = await failed;
    assertMatch(err.message, /failed it: boom at 1; log .*worker-\d+-\d+\.log$/);
    await work(w.queue, w.id);
    assertEquals((await builds[1]).key, "k2");
    return ex;
  },
);

pollTest(
  "slurm worker jobs: a worker killed while building fails that item; the items left get a new worker job",
  async (dir, bin) => {
    const { ex, ctx, node, logs, commands, absent } = setup(dir, bin, undefined, {
      seconds: 10,
      estimate: () => 1,
    });
    absent.add("k1");
    const builds = [1, 2, 3].map((i) => ex.build(node(i), ctx));
    for (const b of builds) b.catch(() => {}); // cancelled by close()
    await submitted(logs, 1);
    const [w] = workerJobs(logs, commands);
    await work(w.queue, w.id, "none"); // taken, then the job is killed
    const failed = assertRejects(
      () => builds[0],
      SlurmError,
      `s[i=1]: SLURM job ${w.id} (a worker job of s) ended CANCELLED on node n1 while building it`,
    );
    await Deno.writeTextFile(join(dir, `state-${w.id}`), "CANCELLED");
    await failed;
    await submitted(logs, 2);
    const [, w2] = workerJobs(logs, commands);
    assertMatch(logs.find((l) => l.includes(`SLURM job ${w2.id}`))!, /\(2 waiting\)/);
    assertEquals((await work(w2.queue, w2.id)).item, { i: 2 });
    assertEquals((await builds[1]).key, "k2");
    return ex;
  },
);

pollTest(
  "slurm worker jobs: forced and unforced items of a stage go to separate queues",
  async (dir, bin) => {
    const { ex, ctx, node, logs, commands } = setup(dir, bin, undefined, { seconds: 10, estimate: () => 1 });
    const builds = [1, 2, 3, 4].map((i) => ex.build({ ...node(i), force: i % 2 === 0 }, ctx));
    for (const b of builds) b.catch(() => {}); // cancelled by close()
    await submitted(logs, 2);
    const queues = commands.flatMap((c) => ("queue" in c ? [`${c.force}`] : [])).sort();
    assertEquals(queues, ["false", "true"]);
    const w = workerJobs(logs, commands);
    const forced = w.find((x) => x.queue.endsWith(".force"))!;
    assertEquals(
      [(await work(forced.queue, forced.id)).item.i, (await work(forced.queue, forced.id)).item.i],
      [2, 4],
    );
    return ex;
  },
);

pollTest(
  "slurm worker jobs: one per slot sinfo shows idle, less our jobs not started; a later wave waits for them",
  async (dir, bin) => {
    // the default partition has 3 idle CPUs (n2 is in another partition only)
    await Deno.writeTextFile(join(dir, "sinfo"), "n1|debug*|1/3/0/4\nn1|big|1/3/0/4\nn2|big|0/8/0/8\n");
    const { ex, ctx, node, logs } = setup(dir, bin, undefined, { seconds: 60, estimate: () => 1 });
    const first = [1, 2, 3, 4, 5, 6].map((i) => ex.build(node(i), ctx));
    await submitted(logs, 3);
    // those 3 jobs are PENDING (the fake squeue) while sinfo still shows 3 idle: no new job
    const second = [7, 8].map((i) => ex.build(node(i), ctx));
    for (const b of [...first, ...second]) b.catch(() => {}); // cancelled by close()
    await wait(600);
    assertEquals(logs.filter((l) => l.startsWith("submitted")).length, 3);
    return ex;
  },
);

pollTest(
  "slurm worker jobs: an abort withdraws the queued items and scancels the worker jobs",
  async (dir, bin) => {
    const ac = new AbortController();
    const { ex, ctx, node, logs, commands } = setup(dir, bin, ac.signal, { seconds: 10, estimate: () => 1 });
    const builds = [1, 2, 3].map((i) => ex.build(node(i), ctx));
    for (const b of builds) b.catch(() => {}); // each is looked at below
    await submitted(logs, 1);
    const [w] = workerJobs(logs, commands);
    await work(w.queue, w.id, "none");
    await wait(100); // a poll sees it taken
    ac.abort();
    await assertRejects(
      () => builds[0],
      InterruptedError,
      `interrupted: cancelled SLURM job ${w.id} (a worker job of s, building s[i=1])`,
    );
    for (const b of builds.slice(1)) await assertRejects(() => b, InterruptedError, "was not started");
    await until(() => exists(join(dir, "scancel")));
    assertEquals((await Deno.readTextFile(join(dir, "scancel"))).trim(), w.id);
    assertEquals(await takeNext(w.queue, "99"), undefined);
    return ex;
  },
);

pollTest(
  "slurm worker jobs: the last worker failing before it took an item fails what waits, with its log; no endless resubmits",
  async (dir, bin) => {
    const { ex, ctx, node, logs, commands } = setup(dir, bin, undefined, { seconds: 10, estimate: () => 1 });
    const builds = [1, 2].map((i) => ex.build(node(i), ctx));
    for (const b of builds) b.catch(() => {});
    await submitted(logs, 1);
    const [w] = workerJobs(logs, commands);
    await endWorker(logs, w.id, 1);
    for (const b of builds) {
      await assertRejects(
        () => b,
        SlurmError,
        `SLURM job ${w.id} (a worker job of s) exited with status 1 on node n1 before taking an item; log `,
      );
    }
    assertEquals(workerJobs(logs, commands).length, 1);
    return ex;
  },
);

pollTest(
  "slurm worker jobs: three workers in a row that find the queue empty while items wait fail them, naming the folder",
  async (dir, bin) => {
    const { ex, ctx, node, logs, commands } = setup(dir, bin, undefined, { seconds: 10, estimate: () => 1 });
    const build = ex.build(node(1), ctx);
    build.catch(() => {});
    for (let n = 1; n <= 3; n++) {
      await submitted(logs, n);
      await endWorker(logs, workerJobs(logs, commands)[n - 1].id, 0);
    }
    await assertRejects(() => build, SlurmError, "3 worker jobs of s in a row found nothing in the queue");
    assertEquals(workerJobs(logs, commands).length, 3);
    return ex;
  },
);

pollTest(
  "slurm worker jobs: a worker that found nothing is not held against the queue when what waits came after it",
  async (dir, bin) => {
    const { ex, ctx, node, logs, commands } = setup(dir, bin, undefined, { seconds: 10, estimate: () => 1 });
    const builds = [ex.build(node(1), ctx)];
    builds[0].catch(() => {}); // cancelled by close()
    await submitted(logs, 1);
    const [w1] = workerJobs(logs, commands);
    await work(w1.queue, "77", "none"); // another job took it first
    await wait(100);
    builds.push(ex.build(node(2), ctx)); // queued after w1 was submitted; w1 is still pending
    builds[1].catch(() => {});
    await wait(400);
    assertEquals(workerJobs(logs, commands).length, 1);
    await endWorker(logs, w1.id, 0); // w1 started late and found nothing
    await submitted(logs, 2);
    const [, w2] = workerJobs(logs, commands);
    assertEquals((await work(w2.queue, w2.id)).item, { i: 2 });
    assertEquals((await builds[1]).key, "k2");
    return ex;
  },
);

Deno.test("idleSlots, partitionsOf: idle CPUs of the partitions asked for, a node once, in jobs of N CPUs", () => {
  const out = "n1|debug*|1/3/0/4\nn1|big|1/3/0/4\nn2|big|0/8/0/8\nn3|big|0/0/16/16\n";
  assertEquals(idleSlots(out, [], 1), 3);
  assertEquals(idleSlots(out, ["big"], 1), 11);
  assertEquals(idleSlots(out, ["big", "debug"], 2), 1 + 4);
  assertEquals(idleSlots(out, ["gpu"], 1), 0);
  assertEquals(idleSlots("garbage\n", [], 1), 0);
  assertEquals(partitionsOf(["--partition=a,b", "--account=x"]), ["a", "b"]);
  assertEquals(partitionsOf(["-p", "gpu", "--mem=3G"]), ["gpu"]);
  assertEquals(partitionsOf(["-pcpu", "--partition", "long"]), ["cpu", "long"]);
  assertEquals(partitionsOf(["--cpus-per-task=1"]), []);
});

Deno.test("queue: items are taken oldest first and once each however many jobs race; a withdrawn item is gone", async () => {
  const dir = await Deno.makeTempDir({ prefix: "alignsam-queue-" });
  for (const i of [3, 1, 2]) await enqueue(dir, `00000${i}-i=${i}`, { item: { i }, key: `k${i}` });
  assertEquals(await withdraw(dir, "000003-i=3"), true);
  const got = await Promise.all(["11", "12", "13", "14"].map((job) => takeNext(dir, job)));
  assertEquals(got.filter(Boolean).map((t) => t!.item.i).sort(), [1, 2]);
  assertEquals(await withdraw(dir, "000001-i=1"), false); // taken
  const first = got.find((t) => t?.item.i === 1)!;
  const job = ["11", "12", "13", "14"][got.indexOf(first)];
  await markTaken(dir, first.name, job, { ok: false, error: "boom\nsecond line" });
  const seen = await scanTaken(dir);
  assertEquals(seen.find((t) => t.name === first.name), {
    name: first.name,
    job,
    state: "fail",
    host: Deno.hostname(),
    error: "boom\nsecond line",
  });
  assertEquals(seen.filter((t) => t.state === "taken").length, 1);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("workersToStart: one at least, one per idle slot, one per budget of queued work, never more waiting jobs than items", () => {
  const q = { waiting: 6, seconds: 6, budget: 60, workers: 0, notStarted: 0, idle: 0 };
  assertEquals(workersToStart(q), 1); // a busy cluster: one worker takes them all
  assertEquals(workersToStart({ ...q, idle: 3 }), 3); // spread over the idle slots
  assertEquals(workersToStart({ ...q, idle: 10 }), 6); // never more than the items
  assertEquals(workersToStart({ ...q, seconds: 300 }), 5); // 300 s of work in 60 s workers
  assertEquals(workersToStart({ ...q, seconds: 300, workers: 2, notStarted: 2 }), 3);
  assertEquals(workersToStart({ ...q, workers: 1, notStarted: 1 }), 0); // one waits already
  assertEquals(workersToStart({ ...q, waiting: 2, workers: 2, notStarted: 2, idle: 5 }), 0);
  assertEquals(workersToStart({ ...q, waiting: 0, idle: 5 }), 0);
});
