/**
 * End to end, as a user runs it (issue 8): `deno task reproduce --profile smoke` on the real
 * samples of ../shared/data and the demo tasks publishes a report with every table, a second run builds nothing,
 * and `status` then calls every item fresh. The whole method runs here: weight-free segmenter,
 * PPO + SRM training, evaluation, studies, PerSAM, report. The first run uses `--jobs 2` (items in
 * worker threads); the rerun uses one job, so "builds nothing" also checks both give the same keys.
 *
 * Then, on a real SLURM (issue 13 (a)), the same DAG built with `--executor slurm` (sbatch jobs;
 * the default --slurm-group queues the cheapest items of a stage for worker jobs) into a second fresh cache: the same keys and byte-identical entries as the local
 * build, and a rerun in either mode, on either cache, builds nothing. Byte-identical trainings
 * need V8's JS compilation on the main thread (background compilation made them differ: tests/train_reproducible_test.ts),
 * which the CLI here and every SLURM job (cli/main.ts jobCommand) run with.
 */
import { join } from "node:path";
import { assert, assertEquals, assertMatch } from "./pipeline_assert.ts";
import { needsShared, SHARED_DATA } from "./_shared.ts";
import { needsSlurm, requireSlurm } from "./_slurm.ts";
import { cacheDifferences, indexKeys } from "./_caches.ts";
import { runCli } from "./_cli.ts";

const cli = runCli;

const SLURM = needsSlurm();
/** The local build's temp folder, handed to the SLURM test below (which removes it). */
let localBuild: { tmp: string; cache: string } | undefined;

Deno.test({
  name:
    "e2e: reproduce --profile smoke --jobs 2 publishes the report; a one-job rerun builds nothing; status is all fresh",
  ...needsShared("data"),
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const tmp = await Deno.makeTempDir({ prefix: "alignsam-e2e-" });
    const env = { ALIGNSAM_CACHE: join(tmp, "cache"), ALIGNSAM_OFFLINE: "1" };
    const common = ["--profile", "smoke", "--data", SHARED_DATA];
    const t0 = performance.now();
    const first = await cli(["reproduce", ...common, "--jobs", "2"], env);
    assertEquals(first.code, 0, `reproduce failed:\n${first.err.slice(-3000)}`);
    assertMatch(first.err, /^all \d+ item\(s\) in [\d.]+ s$/m); // the --jobs path ran
    console.error(`[e2e] smoke locally, --jobs 2: ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    const published = first.out.match(/report: (.+report\.html)/)?.[1];
    assert(published, `no report published:\n${first.out}`);
    const out = join(tmp, "report.html");
    const rep = await cli(["report", ...common, "--out", out], env);
    assertEquals(rep.code, 0, rep.err.slice(-2000));
    const html = await Deno.readTextFile(out);
    for (const id of ["Supp. Table 3", "Supp. Table 4", "Supp. Table 5", "Main Table 2", "Supp. Fig. 1"]) {
      assert(html.includes(id), `report lacks ${id}`);
    }
    assert(html.includes("weight-free (not SAM)"), "the report must say the segmenter is not SAM");
    // the provenance the report entry leaves out (it is hashed) is added where it is published
    assertMatch(html, /<code>deno task report --profile smoke /);
    assertMatch(
      html,
      /<h3>Wall time per stage<\/h3>[\s\S]*<td>train-agent<\/td><td>\d+<\/td><td>[\d.]+<\/td>/,
    );
    // the demo tasks run beside the real ones: named as such, and their columns filled
    assert(
      html.includes("synthetic demo tasks, not the paper's datasets"),
      "the report must flag the demo tasks",
    );
    // (the inlined vega library mentions NaN itself: look at the table cells only)
    const cells = [...html.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((m) => m[1]);
    assert(cells.length > 20, `expected table cells, found ${cells.length}`);
    const bad = cells.filter((c) => /\bNaN\b|undefined/.test(c));
    assertEquals(bad, [], "no NaN or undefined cells");
    for (const csv of ["supp-4.csv", "supp-3.csv", "main-2.csv"]) await Deno.stat(join(tmp, csv));
    const main2 = await Deno.readTextFile(join(tmp, "main-2.csv"));
    for (const task of ["demo-blobs", "demo-regions", "demo-objects"]) {
      assertMatch(main2, new RegExp(`^main-2,Ours,${task}:miou,[^,]*,miou,\\d`, "m"));
    }

    const again = await cli(["reproduce", ...common], env);
    assertEquals(again.code, 0, again.err.slice(-2000));
    assertMatch(again.err, /\b0 item\(s\) built\b/);
    const st = await cli(["status", ...common], env);
    assertEquals(st.code, 0, st.err.slice(-2000));
    assert(!/\b(stale|missing|corrupt)\b/.test(st.out), `status after a full run:\n${st.out.slice(0, 2000)}`);
    if (SLURM.ignore) await Deno.remove(tmp, { recursive: true });
    else localBuild = { tmp, cache: env.ALIGNSAM_CACHE };
  },
});

/**
 * What every job asks for here: no GPU (a CPU-only node) and one CPU, so that two jobs run side
 * by side on a 2-core node, as `--jobs 2` does locally (the stages' defaults ask for 4 CPUs).
 */
const SLURM_FLAGS = [
  "--executor",
  "slurm",
  "--slurm-gres",
  "none",
  "--slurm-args=--cpus-per-task=1 --mem=3G",
];

Deno.test({
  name:
    "e2e slurm (issue 13 (a)): smoke built by SLURM jobs has local's keys and byte-identical entries; reruns in either mode build nothing",
  ignore: SLURM.ignore || needsShared("data").ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    let passed = false;
    try {
      requireSlurm();
      assert(localBuild, "needs the local smoke build of the test above, which failed or did not run");
      await slurmBuild(localBuild.cache, join(localBuild.tmp, "cache-slurm"));
      passed = true;
    } finally {
      // a failure keeps both caches and the jobs' logs (cache-slurm/slurm-logs) to look into
      if (localBuild && passed) await Deno.remove(localBuild.tmp, { recursive: true });
      else if (localBuild) {
        console.error(`[e2e] kept ${localBuild.tmp} (local cache, cache-slurm) for inspection`);
      }
    }
  },
});

/** Build smoke under SLURM into `slurm`, compare it with `local`, rerun both ways. */
async function slurmBuild(local: string, slurm: string): Promise<void> {
  const common = ["--profile", "smoke", "--data", SHARED_DATA];
  const t0 = performance.now();
  const built = await cli(["reproduce", ...common, ...SLURM_FLAGS], {
    ALIGNSAM_CACHE: slurm,
    ALIGNSAM_OFFLINE: "1",
  });
  const seconds = (performance.now() - t0) / 1000;
  assertEquals(built.code, 0, `reproduce --executor slurm failed:\n${built.err.slice(-3000)}`);
  // the report, priced at seconds, goes to a worker job of its stage (pipeline/executors/slurm.ts)
  assertMatch(built.err, /submitted (report|a worker job of report \(1 waiting\)) as SLURM job \d+/);
  const n = Number(built.err.match(/\b(\d+) item\(s\) built, 0 cached\b/)?.[1] ?? 0);
  assert(n > 0, `no '<n> item(s) built, 0 cached' line:\n${built.err.slice(-2000)}`);
  const jobs = built.err.match(/^submitted .* as SLURM job \d+/gm)?.length ?? 0;
  // the studies are built by the coordinator (stages/config.ts: local), every other item by a job
  assert(jobs > 0 && jobs < n, `${jobs} jobs for ${n} items`);
  console.error(`[e2e] smoke under SLURM: ${n} items, ${jobs} of them as jobs, in ${seconds.toFixed(0)} s`);

  // entries first: an output that differs under one key names its file (the cause), where the
  // index would show only the keys downstream of it
  assertEquals(await cacheDifferences(local, slurm), []);
  const keys = await indexKeys(local);
  assertEquals(Object.keys(keys).length, n, "every item SLURM built was built locally");
  assertEquals(await indexKeys(slurm), keys);

  // a rerun in either mode, on either cache, builds nothing (and submits no job)
  for (
    const [cache, flags] of [[slurm, SLURM_FLAGS], [local, SLURM_FLAGS], [slurm, []]] as const
  ) {
    const r = await cli(["reproduce", ...common, ...flags], {
      ALIGNSAM_CACHE: cache,
      ALIGNSAM_OFFLINE: "1",
    });
    assertEquals(r.code, 0, r.err.slice(-2000));
    assertMatch(r.err, new RegExp(`\\b0 item\\(s\\) built, ${n} cached\\b`));
    assert(!r.err.includes("submitted"), r.err.slice(-2000));
  }
}
