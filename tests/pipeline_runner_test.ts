/** The runner on toy stages (tests/fixtures/pipeline/toy.ts), each test in its own temp cache. */
import { assert, assertEquals, assertMatch, assertRejects } from "./pipeline_assert.ts";
import { join } from "node:path";
import { DagError, UsageError } from "../core/errors.ts";
import { reproduce, type RunnerOptions, status } from "../pipeline/runner.ts";
import type { Stage } from "../pipeline/stage.ts";
import { toyRunnerOptions, toyStages } from "./fixtures/pipeline/toy.ts";

async function setup(extra: Partial<RunnerOptions> = {}) {
  const root = await Deno.makeTempDir({ prefix: "alignsam-root-" });
  await Deno.writeTextFile(join(root, "source_code.ts"), "export const v = 1;\n");
  const runs: string[] = [];
  const logs: string[] = [];
  const opts = toyRunnerOptions(root, {
    stages: toyStages({ runs, sourceCode: "source_code.ts" }),
    log: (l) => logs.push(l),
    ...extra,
  });
  const run = async (o: Partial<RunnerOptions> = {}) => {
    runs.length = 0;
    const res = await reproduce({ ...opts, ...o });
    return { ...res, runs: [...runs] };
  };
  const cleanup = () => Deno.remove(root, { recursive: true });
  return { root, opts, runs, logs, run, cleanup };
}

const ALL = ["source[task=a]", "source[task=b]", "double[task=a]", "double[task=b]", "sum"];

Deno.test("pipeline: first run builds everything, a rerun with nothing changed runs no stage", async () => {
  const t = await setup();
  assertEquals((await t.run()).runs, ALL);
  const again = await t.run();
  assertEquals(again.runs, []);
  assertEquals(again.ran, []);
  assertEquals(again.fresh.length, 5);
  const sum = JSON.parse(await Deno.readTextFile(join(again.entries["sum"], "sum.json")));
  // source v = charCode(a)=97, charCode(b)=98; double = 2v + 50 → 244 + 246
  assertEquals(sum.sum, 490);
  await t.cleanup();
});

Deno.test("pipeline: changing one param reruns exactly that stage and its downstream; status says why", async () => {
  const t = await setup();
  await t.run();
  const st = await status({ ...t.opts, overrides: { E: 30 } });
  assertEquals(
    st.text,
    [
      "source: 2 fresh",
      "  fresh   source[task=a]",
      "  fresh   source[task=b]",
      "double: 2 stale",
      "  stale   double[task=a]: param E: 50 → 30",
      "  stale   double[task=b]: param E: 50 → 30",
      "sum: 1 stale",
      "  stale   sum: input stale: double[task=a]; input stale: double[task=b]",
    ].join("\n"),
  );
  const res = await t.run({ overrides: { E: 30 } });
  assertEquals(res.runs, ["double[task=a]", "double[task=b]", "sum"]);
  assert(t.logs.includes("run sum: input changed: double[task=a]; input changed: double[task=b]"));
  // an unused param (mode) changes nothing; going back to E=50 finds the old entries
  assertEquals((await t.run({ overrides: { E: 30, mode: "y" } })).runs, []);
  assertEquals((await t.run()).runs, []);
  await t.cleanup();
});

Deno.test("pipeline: editing a declared code file reruns its stage (and downstream only if outputs change)", async () => {
  const t = await setup();
  await t.run();
  await Deno.writeTextFile(join(t.root, "source_code.ts"), "export const v = 2;\n");
  const st = await status(t.opts);
  assertMatch(st.text, /stale +source\[task=a\]: code changed: source_code\.ts/);
  const res = await t.run();
  // the toy source's output does not depend on the file's text: same digest, downstream stays fresh
  assertEquals(res.runs, ["source[task=a]", "source[task=b]"]);
  assertEquals(res.fresh.sort(), ["double[task=a]", "double[task=b]", "sum"]);
  await t.cleanup();
});

Deno.test("pipeline: a declared code directory is hashed over all its files", async () => {
  const t = await setup();
  await Deno.mkdir(join(t.root, "kdir", "sub"), { recursive: true });
  await Deno.writeTextFile(join(t.root, "kdir", "sub", "k.ts"), "1");
  const [source] = toyStages({ runs: t.runs });
  const stages = [{ ...source, code: ["kdir"] }];
  assertEquals((await t.run({ stages })).runs, ["source[task=a]", "source[task=b]"]);
  assertEquals((await t.run({ stages })).runs, []);
  await Deno.writeTextFile(join(t.root, "kdir", "sub", "k.ts"), "2");
  assertMatch((await status({ ...t.opts, stages })).text, /source\[task=a\]: code changed: kdir/);
  await t.cleanup();
});

Deno.test("pipeline: a corrupted cache file is detected (stat, then hash) and rebuilt", async () => {
  const t = await setup();
  const first = await t.run();
  const file = join(first.entries["double[task=a]"], "data", "x.bin");
  const bytes = await Deno.readFile(file);
  bytes[10] ^= 0xff; // same size: only the mtime change and the re-hash can tell
  await Deno.writeFile(file, bytes);
  const st = await status(t.opts);
  assertMatch(st.text, /corrupt double\[task=a\]: file data\/x\.bin hash mismatch/);
  const res = await t.run();
  assertEquals(res.runs, ["double[task=a]"]);
  assertEquals(res.rebuilt, ["double[task=a]"]);
  assert(t.logs.includes("corrupt cache entry double[task=a]: file data/x.bin hash mismatch — rebuilding"));
  assertEquals((await Deno.readFile(file))[10], 7);
  // a corruption that keeps size and mtime is only seen with verify
  const f2 = join(first.entries["double[task=b]"], "value.json");
  const st2 = await Deno.stat(f2);
  const text = await Deno.readTextFile(f2);
  await Deno.writeTextFile(f2, text.replace(/\d/, (d) => String((Number(d) + 1) % 10)));
  await Deno.utime(f2, st2.atime!, st2.mtime!);
  assertEquals((await t.run()).runs, []);
  assertEquals((await t.run({ verify: true })).runs, ["double[task=b]"]);
  await t.cleanup();
});

Deno.test("pipeline: a deleted entry is rebuilt and explained", async () => {
  const t = await setup();
  const first = await t.run();
  await Deno.remove(first.entries["sum"], { recursive: true });
  assertMatch((await status(t.opts)).text, /missing sum: entry deleted from the cache/);
  assertEquals((await t.run()).runs, ["sum"]);
  await t.cleanup();
});

Deno.test("pipeline: run STAGE --task builds that item and only the inputs it needs; --force; --until", async () => {
  const t = await setup();
  const one = await t.run({ targets: ["double"], task: "b" });
  assertEquals(one.runs, ["source[task=b]", "double[task=b]"]);
  assertEquals((await t.run({ targets: ["double"], task: "b", force: true })).runs, ["double[task=b]"]);
  assertEquals((await t.run({ until: "double" })).runs, ["source[task=a]", "double[task=a]"]);
  await assertRejects(() => t.run({ targets: ["double"], task: "zz" }), UsageError, "tasks: a, b");
  await assertRejects(
    () => t.run({ targets: ["nope"] }),
    UsageError,
    "unknown stage nope (stages: source, double, sum)",
  );
  const dry = await t.run({ dryRun: true });
  assertEquals(dry.runs, []);
  assertEquals(dry.plan!.filter((p) => p.state !== "fresh").map((p) => `${p.id} ${p.reasons}`), [
    "sum never built",
  ]);
  await t.cleanup();
});

Deno.test("pipeline: an input item outside its stage's items() is built on demand and cached", async () => {
  const t = await setup();
  const stages = toyStages({ runs: t.runs });
  // sum also wants double[task=z], which double.items() never lists
  const sum: Stage = {
    ...stages[2],
    inputs: () => [{ stage: "double", item: { task: "a" } }, { stage: "double", item: { task: "z" } }],
  };
  const opts = { stages: [stages[0], stages[1], sum], profile: "small" };
  const res = await t.run(opts);
  assertEquals(res.runs, ["source[task=a]", "double[task=a]", "source[task=z]", "double[task=z]", "sum"]);
  assertEquals((await t.run(opts)).runs, []);
  const st = await status({ ...t.opts, ...opts });
  assertMatch(st.text, /fresh +double\[task=z\]/);
  await t.cleanup();
});

Deno.test("pipeline: fingerprint changes rerun; memo stores bytes once", async () => {
  const t = await setup();
  let fp = "v1";
  let made = 0;
  const stage: Stage = {
    name: "ext",
    doc: "external source",
    code: [],
    params: [],
    items: () => [{ task: "a" }],
    inputs: () => [],
    after: [],
    outputs: ["out.txt"],
    fingerprint: () => Promise.resolve(fp),
    async run(ctx) {
      t.runs.push("ext");
      const b = await ctx.memo("the-key", () => {
        made++;
        return Promise.resolve(new TextEncoder().encode("memo!"));
      });
      await Deno.writeFile(join(ctx.outDir, "out.txt"), b);
    },
  };
  assertEquals((await t.run({ stages: [stage] })).runs, ["ext"]);
  fp = "v2";
  assertMatch(
    (await status({ ...t.opts, stages: [stage] })).text,
    /stale +ext\[task=a\]: fingerprint changed/,
  );
  assertEquals((await t.run({ stages: [stage] })).runs, ["ext"]);
  assertEquals(made, 1);
  await t.cleanup();
});

Deno.test("pipeline: an entry records params, config, code, inputs, files and digest", async () => {
  const t = await setup();
  const res = await t.run();
  const meta = JSON.parse(await Deno.readTextFile(join(res.entries["double[task=a]"], "_entry.json")));
  assertEquals(meta.stage, "double");
  assertEquals(meta.item, { task: "a" });
  assertEquals(meta.params, { E: 50 });
  assertEquals(meta.config.scale, 1);
  assertEquals(meta.config.mode, "x");
  assertEquals(meta.inputs.map((i: { id: string }) => i.id), ["source[task=a]"]);
  assertEquals(Object.keys(meta.files).sort(), ["data/x.bin", "value.json"]);
  assertEquals(meta.files["data/x.bin"].size, 1024);
  assertMatch(meta.digest, /^[0-9a-f]{64}$/);
  assert(meta.wallSeconds >= 0);
  await t.cleanup();
});

Deno.test("pipeline: a stage that fails or skips a declared output leaves no entry", async () => {
  const t = await setup();
  const bad: Stage = {
    name: "bad",
    doc: "forgets its output",
    code: [],
    params: [],
    items: () => [{}],
    inputs: () => [],
    after: [],
    outputs: ["needed.json"],
    async run(ctx) {
      await Deno.writeTextFile(join(ctx.outDir, "other.json"), "{}");
    },
  };
  await assertRejects(
    () => t.run({ stages: [bad] }),
    Error,
    "bad failed: did not write declared output needed.json",
  );
  const entries = [...Deno.readDirSync(join(t.opts.cacheDir))].map((e) => e.name);
  assert(!entries.includes("entries"), `entries: ${entries}`);
  assertEquals([...Deno.readDirSync(join(t.opts.cacheDir, "tmp"))].length, 0);
  await t.cleanup();
});

Deno.test("pipeline: cycles, unknown stages and undeclared dependencies are DagErrors naming them", async () => {
  const t = await setup();
  const [source, double, sum] = toyStages({ runs: [] });
  await assertRejects(
    () => t.run({ stages: [{ ...source, after: ["sum"] }, double, sum] }),
    DagError,
    "cycle: source → double → sum → source",
  );
  await assertRejects(() => t.run({ stages: [double, sum] }), DagError, "runs after unknown stage source");
  const lost = { ...sum, inputs: () => [{ stage: "ghost", item: {} }] };
  await assertRejects(() => t.run({ stages: [source, double, lost] }), DagError, "no stage is named ghost");
  const sneaky = { ...sum, inputs: () => [{ stage: "source", item: { task: "a" } }] };
  await assertRejects(
    () => t.run({ stages: [source, double, sneaky] }),
    DagError,
    "stage sum does not run after source",
  );
  const noCode = { ...source, code: ["missing.ts"] };
  await assertRejects(
    () => t.run({ stages: [noCode] }),
    DagError,
    "code file missing.ts, which does not exist",
  );
  await assertRejects(
    () => t.run({ stages: [{ ...source, params: ["nope"] }] }),
    DagError,
    "unknown param nope",
  );
  await t.cleanup();
});
