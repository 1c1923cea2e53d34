/** Config resolution, `--set` parsing, canonical JSON, item names and staleness reasons. */
import { assertEquals, assertRejects } from "./pipeline_assert.ts";
import { parseSet, resolveParams } from "../pipeline/config.ts";
import { UsageError } from "../core/errors.ts";
import { canonicalJson, sha256Hex } from "../pipeline/hash.ts";
import { itemFileName, itemId } from "../pipeline/items.ts";
import { explain } from "../pipeline/why.ts";
import { SCHEMA } from "../stages/config.ts";
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
