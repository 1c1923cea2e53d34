/**
 * pipeline/executors/slurm.ts's bookkeeping against fake sbatch/squeue/scancel/scontrol scripts
 * (no SLURM needed): a job submitted while squeue runs is not taken for gone; a job squeue shows
 * CANCELLED fails with its id, node and log; an abort scancels every job in flight.
 */
import { join } from "node:path";
import { assert, assertEquals, assertRejects } from "./pipeline_assert.ts";
import { InterruptedError } from "../core/errors.ts";
import { SlurmError } from "../pipeline/executors/slurm.ts";
import { exists, pollTest, setup, until, wait } from "./_fake_slurm.ts";

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
