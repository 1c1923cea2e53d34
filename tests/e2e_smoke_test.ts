/**
 * End to end, as a user runs it (issue 8): `deno task reproduce --profile smoke` on the real
 * samples of ../shared/data and the demo tasks publishes a report with every table, a second run builds nothing,
 * and `status` then calls every item fresh. The whole method runs here: weight-free segmenter,
 * PPO + SRM training, evaluation, studies, PerSAM, report. The first run uses `--jobs 2` (items in
 * worker threads); the rerun uses one job, so "builds nothing" also checks both give the same keys.
 *
 * The same DAG built under SLURM and compared entry by entry with this build (issue 13 (a)) is not
 * run here yet: it failed once when trainings were not bit-reproducible (V8's background
 * compilation; deno.json now runs V8 --single-threaded, tests/train_reproducible_test.ts), and has
 * not been rerun since. tests/slurm_executor_test.ts compares SLURM and local builds of a toy DAG.
 */
import { join } from "node:path";
import { assert, assertEquals, assertMatch } from "./pipeline_assert.ts";
import { needsShared, SHARED_DATA } from "./_shared.ts";

const CLI = new URL("../cli/main.ts", import.meta.url).pathname;

async function cli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; out: string; err: string }> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--v8-flags=--max-old-space-size=8192,--single-threaded", CLI, ...args],
    env: { ...env, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
}

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
    await Deno.remove(tmp, { recursive: true });
  },
});
