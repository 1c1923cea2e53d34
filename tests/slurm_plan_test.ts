/** `deno task plan` (pipeline/cost.ts): list schedule, critical path, calibration from entries. */
import { join } from "node:path";
import { assertEquals, assertMatch } from "./pipeline_assert.ts";
import { calibrate, criticalPath, fitCost, type ItemCost, schedule } from "../pipeline/cost.ts";
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

Deno.test("plan: a stage's cost is fitted on its entries: start-up + per unit, both ≥ 0", () => {
  const pts = (...xs: [number, number][]) => xs.map(([units, wall]) => ({ units, wall }));
  assertEquals(fitCost(pts([10, 25], [20, 45], [30, 65])), { fixed: 5, perUnit: 2, n: 3 });
  // one unit count: no start-up part can be told apart, the median rate
  assertEquals(fitCost(pts([10, 20], [10, 40], [10, 30])), { fixed: 0, perUnit: 3, n: 3 });
  // slower for fewer units: a constant
  assertEquals(fitCost(pts([10, 50], [20, 40])), { fixed: 45, perUnit: 0, n: 2 });
  // the fitted line would start below 0: through the origin (Σuw / Σu²)
  assertEquals(fitCost(pts([10, 10], [20, 40], [30, 90])), { fixed: 0, perUnit: 3600 / 1400, n: 3 });
  const meta = (stage: string, wallSeconds: number, E: number) =>
    ({ stage, item: {}, config: { E }, wallSeconds }) as unknown as EntryMeta;
  const model = {
    units: (_s: string, _i: unknown, p: { E?: unknown }) => Number(p.E),
    defaultSecondsPerUnit: () => 1,
    gpu: () => false,
  };
  const cal = calibrate([meta("t", 25, 10), meta("t", 45, 20), meta("u", 5, 1)], model);
  assertEquals(cal.get("t"), { fixed: 5, perUnit: 2, n: 2 });
  assertEquals(cal.get("u"), { fixed: 0, perUnit: 5, n: 1 });
});

const TOY_CLI = new URL("./fixtures/slurm/toy_cli.ts", import.meta.url).pathname;

Deno.test("plan cli: before a run the model's estimates; after it the entries' wall times and nothing to build", async () => {
  const root = await Deno.makeTempDir({ prefix: "alignsam-plan-" });
  const run = async (...args: string[]) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", TOY_CLI, root, ...args],
      env: { ALIGNSAM_CACHE: join(root, "cache"), NO_COLOR: "1" },
    }).output();
    const dec = new TextDecoder();
    return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  };
  const before = await run("plan", "--workers", "2", "--gpus", "1");
  assertEquals(before.code, 0, before.stderr);
  assertMatch(before.stdout, /\ndouble +2 +2 +2 s +0\.00 GPU +the app's default cost model\n/);
  assertMatch(before.stdout, /\nsum +1 +1 +0 s +0\.00 +NO ESTIMATE/);
  // sources 2 s on two slots, then the doubles one after another on the one GPU
  assertMatch(before.stdout, /wall on 2 worker\(s\), 1 GPU\(s\): 6 s\n?$/);
  const built = await run("reproduce");
  assertEquals(built.code, 0, built.stderr);
  const after = await run("plan", "--workers", "2");
  assertMatch(after.stdout, /\ndouble +2 +0 +- +0\.00 +cached entries' wall times\n/);
  assertMatch(after.stdout, /total: 5 item\(s\), 0 to build/);
  // another E: the doubles are to build again, at the median of this cache's double entries
  const other = await run("plan", "--set", "E=7");
  assertMatch(other.stdout, /\ndouble +2 +2 .*this cache's entries of the stage \(2\)\n/);
  const bad = await run("plan", "--gpus", "3");
  assertEquals(bad.code, 2);
  assertEquals(bad.stderr.trim(), "error: --gpus 3 exceeds --workers 1");
  await Deno.remove(root, { recursive: true });
});
