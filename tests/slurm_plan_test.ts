/** `deno task plan` (pipeline/cost.ts): list schedule, critical path, calibration from entries. */
import { join } from "node:path";
import { assert, assertEquals, assertMatch } from "./pipeline_assert.ts";
import { calibrate, fitCost, writeCalibration } from "../pipeline/calibration.ts";
import { criticalPath, type ItemCost, schedule } from "../pipeline/cost.ts";
import { newestRun, readRunRecords, runLine, type RunRecord } from "../pipeline/runs.ts";
import type { EntryMeta } from "../pipeline/store.ts";

const item = (id: string, seconds: number, inputs: string[] = [], o: Partial<ItemCost> = {}): ItemCost => ({
  id,
  stage: id[0],
  seconds,
  build: true,
  source: "default",
  gpu: false,
  inputs,
  ...o,
});

Deno.test("plan: a chain a→b beside c: 1 worker sums, 2 workers follow the critical path", () => {
  const items = [item("a", 10), item("b", 10, ["a"]), item("c", 20)];
  assertEquals(schedule(items, 1, 0), 40);
  assertEquals(schedule(items, 2, 0), 20);
  assertEquals(schedule(items, 8, 0), 20);
  assertEquals(criticalPath(items), { seconds: 20, chain: ["a", "b"] });
});

Deno.test("plan: the longest remaining path starts first", () => {
  // x1 → x2 → x3 (3 × 10 s) and four 10 s singletons on 2 workers: chain first gives 30 s
  const items = [
    item("x1", 10),
    item("x2", 10, ["x1"]),
    item("x3", 10, ["x2"]),
    ...["s1", "s2", "s3", "s4"].map((id) => item(id, 10)),
  ];
  assertEquals(schedule(items, 2, 0), 40);
  assertEquals(schedule(items, 3, 0), 30);
});

Deno.test("plan: GPU items wait for one of --gpus GPUs; cached items take no time", () => {
  const g = [item("g1", 10, [], { gpu: true }), item("g2", 10, [], { gpu: true })];
  assertEquals(schedule(g, 2, 1), 20);
  assertEquals(schedule(g, 2, 2), 10);
  assertEquals(schedule(g, 2, 0), 10, "no GPUs: GPU stages run on the CPU slots");
  const cached = [item("a", 100, [], { build: false }), item("b", 5, ["a"])];
  assertEquals(schedule(cached, 1, 0), 5);
  assertEquals(criticalPath(cached), { seconds: 5, chain: ["b"] });
});

Deno.test("plan: a stage's cost is fitted on its entries: start-up + per unit, both ≥ 0", async () => {
  const pts = (...xs: [number, number][]) => xs.map(([units, wall]) => ({ units, wall }));
  assertEquals(fitCost(pts([10, 25], [20, 45], [30, 65])), { fixed: 5, perUnit: 2, n: 3 });
  // one unit count: no start-up part can be told apart, the median rate
  assertEquals(fitCost(pts([10, 20], [10, 40], [10, 30])), { fixed: 0, perUnit: 3, n: 3 });
  // ... unless a prior (the bench's or the default's) brings one: kept, the rest per unit
  assertEquals(fitCost(pts([10, 20], [10, 40], [10, 30]), { fixed: 5 }), { fixed: 5, perUnit: 2.5, n: 3 });
  // a prior start-up above the fastest item is cut to it (no item is faster than its start-up)
  assertEquals(fitCost(pts([10, 20], [10, 40], [10, 30]), { fixed: 30 }), { fixed: 20, perUnit: 1, n: 3 });
  // slower for fewer units: a constant
  assertEquals(fitCost(pts([10, 50], [20, 40])), { fixed: 45, perUnit: 0, n: 2 });
  // the fitted line would start below 0: through the origin (Σuw / Σu²)
  assertEquals(fitCost(pts([10, 10], [20, 40], [30, 90])), { fixed: 0, perUnit: 3600 / 1400, n: 3 });
  const meta = (stage: string, wallSeconds: number, E: number, seg = "a") =>
    ({ stage, item: {}, config: { E, seg }, wallSeconds }) as unknown as EntryMeta;
  const model = {
    units: (_s: string, _i: unknown, p: { E?: unknown }) => Number(p.E),
    costClass: (p: { seg?: unknown }) => `seg=${p.seg}`,
  };
  // entries of another cost class (segmenter b: 10× slower) are not fitted with class a's
  const entries = [meta("t", 25, 10), meta("t", 45, 20), meta("u", 5, 1), meta("t", 250, 10, "b")];
  const cal = await calibrate(entries, model, "seg=a");
  assertEquals(cal.get("t"), { fixed: 5, perUnit: 2, n: 2 });
  assertEquals(cal.get("u"), { fixed: 0, perUnit: 5, n: 1 });
  assertEquals((await calibrate(entries, model, "seg=b")).get("t"), { fixed: 0, perUnit: 25, n: 1 });
  assertEquals((await calibrate(entries, model, "seg=a", () => ({ fixed: 2 }))).get("u"), {
    fixed: 2,
    perUnit: 3,
    n: 1,
  });
});

const TOY_CLI = new URL("./fixtures/slurm/toy_cli.ts", import.meta.url).pathname;

async function toy(root: string, ...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", TOY_CLI, root, ...args],
    env: { ALIGNSAM_CACHE: join(root, "cache"), NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("plan cli: an item's cost from its entry, else this cache's entries, else the bench calibration, else the defaults", async () => {
  const root = await Deno.makeTempDir({ prefix: "alignsam-plan-" });
  const run = (...args: string[]) => toy(root, ...args);
  const before = await run("plan", "--workers", "2", "--gpus", "1");
  assertEquals(before.code, 0, before.stderr);
  assertMatch(before.stdout, /\ndouble +2 +2 +2 s +0 s +0\.00 GPU +the app's built-in defaults\n/);
  assertMatch(before.stdout, /\nsum +1 +1 +0 s +- +0\.00 +NO ESTIMATE/);
  assertMatch(
    before.stdout,
    /bench calibration: none in this cache \(deno task bench --only plan writes one\)/,
  );
  // sources 2 s on two slots, then the doubles one after another on the one GPU
  assertMatch(before.stdout, /wall on 2 worker\(s\), 1 GPU\(s\): 6 s\n?$/);
  // a bench calibration (the toy app has one cost class, "") replaces the defaults: 3 + 2 × 1 unit
  const stages = { double: { fixed: 3, perUnit: 2, n: 4 }, sum: { fixed: 1, perUnit: 0, n: 1 } };
  const machine = { host: "benchhost", os: "linux-x86_64", cpus: 2, memGiB: 24, deno: "2", load1: 1.5 };
  await writeCalibration(join(root, "cache"), "", {
    measured: "2026-12-01T10:00:00Z",
    machine,
    how: "by hand",
    stages,
  });
  const bench = await run("plan");
  assertMatch(bench.stdout, /\ndouble +2 +2 +5 s +3 s +0\.00 +the bench calibration\n/);
  assertMatch(bench.stdout, /\nsum +1 +1 +1 s +1 s +0\.00 +the bench calibration\n/);
  assertMatch(bench.stdout, /\nsource +2 +2 +2 s +0 s +0\.00 +the app's built-in defaults\n/);
  assertMatch(
    bench.stdout,
    /bench calibration: 2026-12-01 10:00 UTC on benchhost \(2 CPUs, load 1\.5\): by hand/,
  );
  const built = await run("reproduce");
  assertEquals(built.code, 0, built.stderr);
  const after = await run("plan", "--workers", "2");
  assertMatch(after.stdout, /\ndouble +2 +0 +- +- +0\.00 +cached entries' wall times\n/);
  assertMatch(after.stdout, /total: 5 item\(s\), 0 to build/);
  // another E: the doubles are to build again, fitted on this cache's double entries (over the bench's)
  const other = await run("plan", "--set", "E=7");
  assertMatch(other.stdout, /\ndouble +2 +2 .*this cache's entries of the stage \(2\)\n/);
  const bad = await run("plan", "--gpus", "3");
  assertEquals(bad.code, 2);
  assertEquals(bad.stderr.trim(), "error: --gpus 3 exceeds --workers 1");
  await Deno.remove(root, { recursive: true });
});

Deno.test("reproduce records its plan's estimate beside the measured wall time, and says both", async () => {
  const root = await Deno.makeTempDir({ prefix: "alignsam-runs-" });
  const cache = join(root, "cache");
  const first = await toy(root, "reproduce", "--jobs", "2");
  assertEquals(first.code, 0, first.stderr);
  assertMatch(first.stderr, /\ntook \d+ s; plan said 4 s \([−+]\d+%\)\n/);
  const [rec] = await readRunRecords(cache);
  assertEquals([rec.profile, rec.executor, rec.workers, rec.ok, rec.built, rec.cached], [
    "base",
    "local",
    2,
    true,
    5,
    0,
  ]);
  // sources 2 s on two slots, the doubles 2 s on two, the sum has no model: 4 s (no GPU slot in a run)
  assertEquals(rec.estimateSeconds, 4);
  assertEquals(rec.estimateFrom, { source: "default", double: "default", sum: "none" });
  assert(rec.measuredSeconds > 0 && rec.measuredSeconds < 120, String(rec.measuredSeconds));
  assertMatch(rec.paramsDigest, /^[0-9a-f]{64}$/);
  assertEquals(rec.overrides, {}); // the profile as it is: no --set
  assertEquals(rec.machine.cpus, navigator.hardwareConcurrency);
  // a no-op rerun is recorded too, but it is not the profile's newest full run
  const again = await toy(root, "reproduce");
  assertEquals(again.code, 0, again.stderr);
  const all = await readRunRecords(cache);
  assertEquals(all.map((r) => r.built), [5, 0]);
  assertEquals(all[1].paramsDigest, rec.paramsDigest);
  assertEquals((await newestRun(cache, "base"))?.path, rec.path);
  assertEquals(await newestRun(cache, "quick"), undefined);
  await Deno.remove(root, { recursive: true });
});

Deno.test("alignsam's cost model: every stage has a built-in cost; measurements are keyed by the resolved segmenter", async () => {
  const { COST_MODEL, DEFAULT_COST, segmenterClass } = await import("../stages/cost.ts");
  const { STAGES } = await import("../stages/mod.ts");
  for (const s of STAGES) {
    const c = DEFAULT_COST[s.name];
    assert(
      c && c.fixed >= 0 && c.perUnit >= 0 && c.fixed + c.perUnit > 0,
      `stage ${s.name}: ${JSON.stringify(c)}`,
    );
  }
  assertEquals(await segmenterClass({ segmenter: "weight-free" }), "segmenter=weight-free");
  assertEquals(await segmenterClass({ segmenter: "sam-vit-h" }), "segmenter=sam-vit-h");
  // "offline" is priced as what it runs here: the stand-in or weight-free, never "offline"
  assertMatch(await segmenterClass({ segmenter: "offline" }), /^segmenter=(standin|weight-free)$/);
  // training units: shots (k-shot items) or trainCount, × T × E, the item's own T and E first
  const p = { trainCount: 50, testCount: 0, T: 15, E: 50 };
  assertEquals(COST_MODEL.units("train-agent", { T: 5 }, p), 50 * 5 * 50);
  assertEquals(COST_MODEL.units("train-agent", { shots: 5 }, p), 5 * 15 * 50);
  assertEquals(COST_MODEL.units("evaluate", {}, p), 500 * 15, "testCount 0: the assumed 500 test images");
});

Deno.test("bench plan row: measured / estimated, and a cut-down run names the params it set", async () => {
  const { runRow } = await import("../bench/plan.ts");
  const [rec] = [{
    profile: "quick",
    overrides: { tasks: ["glass"], seeds: [0], runProfile: "quick", device: "cpu" },
    paramsDigest: "0".repeat(64),
    executor: "local",
    workers: 2,
    estimateSeconds: 1000,
    estimateFrom: {},
    measuredSeconds: 1200,
    built: 10,
    cached: 0,
    ok: true,
    started: "",
    finished: "",
    machine: { cpus: 2, load1: 0.5 } as never,
  }];
  const row = runRow(rec, "quick", "plan vs measured", "none");
  assertEquals(row.value, 1.2);
  assertEquals(row.ok, true);
  assertMatch(row.what, /\(quick tasks=glass seeds=0, local --jobs 2: took /);
  assertEquals(runRow({ ...rec, measuredSeconds: 1300 }, "quick", "x", "none").ok, false);
  assertEquals(runRow(undefined, "quick", "x", "none").ok, false);
});

Deno.test("run line: a SLURM run without --jobs says its plan had a job slot per item", () => {
  const rec = {
    measuredSeconds: 270,
    estimateSeconds: 40,
    workers: 100_000,
    built: 126,
    cached: 0,
  } as RunRecord;
  const fmt = (s: number) => `${s} s`;
  assertEquals(
    runLine(rec, fmt),
    "took 270 s; plan said 40 s on a job slot per item (no --jobs cap; `deno task plan --workers N` prices N slots) (−85%)",
  );
  assertEquals(
    runLine({ ...rec, workers: 2, estimateSeconds: 300 }, fmt),
    "took 270 s; plan said 300 s (+11%)",
  );
});
