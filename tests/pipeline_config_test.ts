/** Config resolution, `--set` parsing, canonical JSON, item names and staleness reasons. */
import { assert, assertEquals, assertMatch, assertRejects } from "./pipeline_assert.ts";
import { boundsText, checkValue, parseSet, resolveParams } from "../pipeline/config.ts";
import { UsageError } from "../core/errors.ts";
import { canonicalJson, sha256Hex } from "../pipeline/hash.ts";
import { itemFileName, itemId } from "../pipeline/items.ts";
import { explain } from "../pipeline/why.ts";
import { PROFILES, SCHEMA } from "../stages/config.ts";
import type { ParamSpec } from "../pipeline/stage.ts";
import { TOY_PROFILES, TOY_SCHEMA } from "./fixtures/pipeline/toy.ts";

const throwsUsage = (fn: () => unknown, part: string) =>
  assertRejects(async () => await fn(), UsageError, part);

Deno.test("config: defaults ← profile ← overrides", () => {
  const p = resolveParams(TOY_SCHEMA, TOY_PROFILES, "small", { E: 3 });
  assertEquals(p, { tasks: ["a"], scale: 1, E: 3, mode: "x" });
});

Deno.test("config: --set parses per ParamSpec type and names what is wrong", async () => {
  assertEquals(parseSet(SCHEMA, "E=30"), ["E", 30]);
  assertEquals(parseSet(SCHEMA, "lr=3e-4"), ["lr", 3e-4]);
  assertEquals(parseSet(SCHEMA, "multimask=true"), ["multimask", true]);
  assertEquals(parseSet(SCHEMA, "seeds=0,1,2"), ["seeds", [0, 1, 2]]);
  assertEquals(parseSet(SCHEMA, "tasks=glass,sbu"), ["tasks", ["glass", "sbu"]]);
  assertEquals(parseSet(SCHEMA, "segmenter=mobilesam"), ["segmenter", "mobilesam"]);
  await throwsUsage(() => parseSet(SCHEMA, "E=2.5"), "param E expects an integer, got 2.5");
  await throwsUsage(() => parseSet(SCHEMA, "multimask=maybe"), "expected a boolean (true or false)");
  await throwsUsage(
    () => parseSet(SCHEMA, "segmenter=sam2"),
    "segmenter=sam2 is not one of weight-free, sam-vit-b",
  );
  await throwsUsage(() => parseSet(SCHEMA, "Q=1"), "unknown param Q (accepted: tasks, segmenter");
  await throwsUsage(() => parseSet(SCHEMA, "E"), "--set E: expected NAME=VALUE");
  await throwsUsage(
    () => resolveParams(TOY_SCHEMA, TOY_PROFILES, "base", { E: "3" }),
    'param E expects an integer, got "3"',
  );
});

Deno.test("hash: canonical JSON ignores key order; sha256 of 'abc' is the FIPS 180-2 value", () => {
  assertEquals(canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] }), '{"a":[2,{"c":4,"d":3}],"b":1}');
  assertEquals(canonicalJson({ x: undefined, y: null }), '{"y":null}');
  assertEquals(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
});

Deno.test("items: ids sort keys; file names escape odd characters", () => {
  assertEquals(itemId("train", { task: "glass", seed: 0 }), "train[seed=0,task=glass]");
  assertEquals(itemId("report", {}), "report");
  assertEquals(itemFileName({ task: "a/b c" }), "task=a%2fb%20c");
  assertEquals(itemFileName({}), "_");
});

Deno.test("why: reasons for params, code, inputs and fingerprint", () => {
  const prev = {
    stage: "s",
    item: {},
    code: { "k/a.ts": "1", "k/b.ts": "2" },
    params: { E: 50, seeds: [0, 1, 2] },
    inputs: [{ id: "p[task=a]", digest: "x" }, { id: "p[task=b]", digest: "y" }],
    fingerprint: "f1",
  };
  const cur = {
    stage: "s",
    item: {},
    code: { "k/a.ts": "9", "k/c.ts": "3" },
    params: { E: 30, seeds: [0], T: 15 },
    inputs: [{ id: "p[task=a]", digest: "z" }],
    fingerprint: "f2",
  };
  assertEquals(explain(prev, cur), [
    "param E: 50 → 30",
    "param seeds: [0,1,2] → [0]",
    "param T added: 15",
    "code changed: k/a.ts",
    "code removed: k/b.ts",
    "code added: k/c.ts",
    "input changed: p[task=a]",
    "input removed: p[task=b]",
    "fingerprint changed",
  ]);
});

const NUMERIC = new Set(["number", "integer", "number[]", "integer[]"]);

/** Values just outside each declared bound of a numeric spec (one per side), and a non-integer. */
function outOfRange(spec: ParamSpec): number[] {
  const out: number[] = [];
  if (spec.gt !== undefined) out.push(spec.gt);
  else if (spec.min !== undefined) out.push(spec.min - (spec.type.startsWith("integer") ? 1 : 1e-9));
  if (spec.lt !== undefined) out.push(spec.lt);
  else if (spec.max !== undefined) out.push(spec.max + (spec.type.startsWith("integer") ? 1 : 1e-9));
  return out;
}

Deno.test("config: every numeric param has bounds; its default and every profile value lie inside them", () => {
  const numeric = Object.entries(SCHEMA).filter(([, s]) => NUMERIC.has(s.type));
  assert(numeric.length >= 15, `only ${numeric.length} numeric params found`);
  for (const [name, spec] of numeric) {
    assert(boundsText(name, spec) !== undefined, `param ${name} declares no bounds (min/max/gt/lt)`);
    checkValue(SCHEMA, name, spec.default, "default");
  }
  for (const profile of Object.keys(PROFILES)) resolveParams(SCHEMA, PROFILES, profile);
});

Deno.test("config: each numeric param out of range (and a fraction for integers) is a one-line UsageError", async () => {
  for (const [name, spec] of Object.entries(SCHEMA).filter(([, s]) => NUMERIC.has(s.type))) {
    const bound = boundsText(name, spec)!;
    const bad = outOfRange(spec);
    assert(bad.length > 0, name);
    for (const v of bad) {
      const e = await throwsUsage(() => parseSet(SCHEMA, `${name}=${v}`), `${name}=${v}`);
      assert(e.message.includes(bound) && !e.message.includes("\n"), e.message);
      // the profile path is checked the same way
      await throwsUsage(
        () => resolveParams(SCHEMA, PROFILES, "smoke", { [name]: spec.type.endsWith("[]") ? [v] : v }),
        bound,
      );
    }
    if (spec.type.startsWith("integer")) {
      const inside = (spec.min ?? (spec.gt ?? 0) + 1) + 0.5;
      await throwsUsage(() => parseSet(SCHEMA, `${name}=${inside}`), `param ${name} expects`);
    }
  }
  // the cases, by name
  await throwsUsage(() => parseSet(SCHEMA, "T=0"), "T=0 is out of range (needs T ≥ 1)");
  await throwsUsage(() => parseSet(SCHEMA, "T=-3"), "T=-3 is out of range");
  await throwsUsage(() => parseSet(SCHEMA, "E=0"), "E=0 is out of range (needs E ≥ 1)");
  await throwsUsage(() => parseSet(SCHEMA, "seeds=0,-1"), "seeds=0,-1 has -1, which is out of range");
  await throwsUsage(() => parseSet(SCHEMA, "seeds=-1.5"), "param seeds expects a comma list of integers");
  await throwsUsage(() => parseSet(SCHEMA, "trainCount=-5"), "needs trainCount ≥ 1");
  await throwsUsage(() => parseSet(SCHEMA, "gamma=1.01"), "needs 0 < gamma ≤ 1");
  await throwsUsage(() => parseSet(SCHEMA, "clipEps=1"), "needs 0 < clipEps < 1");
  await throwsUsage(() => parseSet(SCHEMA, "lr=0"), "needs lr > 0");
  assertEquals(parseSet(SCHEMA, "gamma=1"), ["gamma", 1]);
  assertEquals(parseSet(SCHEMA, "seeds=0,7"), ["seeds", [0, 7]]);
});

Deno.test("config cli: an out-of-range --set stops reproduce before anything runs: exit 2, one line", async () => {
  const CLI = new URL("../cli/main.ts", import.meta.url).pathname;
  const cache = await Deno.makeTempDir({ prefix: "alignsam-bounds-" });
  const cases: [string, RegExp][] = [
    ["T=0", /^error: --set: T=0 is out of range \(needs T ≥ 1\)$/],
    ["E=0", /^error: --set: E=0 is out of range \(needs E ≥ 1\)$/],
    ["seeds=-1.5", /^error: --set: param seeds expects a comma list of integers, got \[-1\.5\]$/],
    ["clipEps=1.5", /^error: --set: clipEps=1\.5 is out of range \(needs 0 < clipEps < 1\)$/],
  ];
  const runs = cases.map(([set]) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", CLI, "reproduce", "--profile", "smoke", "--set", set, "--dry-run"],
      env: { ALIGNSAM_CACHE: cache },
      stdout: "piped",
      stderr: "piped",
    }).output()
  );
  const outs = await Promise.all(runs);
  for (const [i, [set, re]] of cases.entries()) {
    const stderr = new TextDecoder().decode(outs[i].stderr).trim();
    assertEquals(outs[i].code, 2, `${set}: ${stderr}`);
    assertEquals(new TextDecoder().decode(outs[i].stdout), "", set);
    assertEquals(stderr.split("\n").length, 1, stderr);
    assertMatch(stderr, re);
  }
  const left = [...Deno.readDirSync(cache)];
  assertEquals(left.length, 0, "nothing was written to the cache");
  await Deno.remove(cache, { recursive: true });
});
