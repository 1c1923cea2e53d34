/** pipeline/lookup.ts: a readable item spec finds exactly one built entry, or says what exists. */
import { join } from "node:path";
import { assertEquals, assertRejects } from "./pipeline_assert.ts";
import nodeAssert from "node:assert/strict";
import { findEntry, parseItemSpec } from "../pipeline/lookup.ts";
import { UsageError } from "../core/errors.ts";
import { ENTRY_META } from "../pipeline/store.ts";

type Rec = { key: string; item: Record<string, string | number>; config?: Record<string, unknown> };

/** A hand-built store: index records, and entries whose _entry.json records their run's config. */
async function fakeIndex(cache: string, items: Rec[]) {
  await Deno.mkdir(join(cache, "index", "train-agent"), { recursive: true });
  for (const [i, r] of items.entries()) {
    await Deno.writeTextFile(
      join(cache, "index", "train-agent", `${i}.json`),
      JSON.stringify({ key: r.key, item: r.item }),
    );
    await Deno.mkdir(join(cache, "entries", r.key), { recursive: true });
    if (r.config) {
      await Deno.writeTextFile(
        join(cache, "entries", r.key, ENTRY_META),
        JSON.stringify({ config: r.config }),
      );
    }
  }
}

Deno.test("lookup: parseItemSpec splits KEY=VALUE pairs and rejects the rest", () => {
  assertEquals(parseItemSpec("task=glass,seed=0"), { task: "glass", seed: "0" });
  nodeAssert.throws(() => parseItemSpec("glass"), UsageError);
});

Deno.test("lookup: one match returns its entry; none or several name the built items", async () => {
  const cache = await Deno.makeTempDir();
  await fakeIndex(cache, [
    { key: "k1", item: { task: "glass", seed: 0, E: 10 } },
    { key: "k2", item: { task: "glass", seed: 1, E: 10 } },
  ]);
  assertEquals(
    await findEntry(cache, "train-agent", { task: "glass", seed: "1" }),
    join(cache, "entries", "k2"),
  );
  await assertRejects(
    () => findEntry(cache, "train-agent", { task: "glass" }),
    UsageError,
    "2 train-agent items match task=glass; name one of them:\n  E=10,seed=0,task=glass\n  E=10,seed=1,task=glass",
  );
  await assertRejects(
    () => findEntry(cache, "train-agent", { task: "blur" }),
    UsageError,
    "built items:\n  E=10,seed=0,task=glass\n  E=10,seed=1,task=glass",
  );
  await Deno.remove(cache, { recursive: true });
});

/** What a smoke run leaves for one task × seed: its own agent, T and E sweep points, shots agents. */
const SMOKE = { T: 15, E: 2, seeds: [0], tasks: ["glass"] };
const smokeItems = (task: string, config: Record<string, unknown> = SMOKE): Rec[] => {
  const base = { task, branch: "implicit", seed: 0 };
  const tag = `${task}-${config.E}`;
  return [
    { key: `${tag}-own`, item: { ...base, T: 15, E: 2 }, config },
    { key: `${tag}-T5`, item: { ...base, T: 5, E: 2 }, config },
    { key: `${tag}-E1`, item: { ...base, T: 15, E: 1 }, config },
    { key: `${tag}-s1`, item: { ...base, T: 15, E: 2, shots: 1 }, config },
    { key: `${tag}-s5`, item: { ...base, T: 15, E: 2, shots: 5 }, config },
  ];
};

Deno.test("lookup: after a smoke run task=glass,seed=0 is the run's own full-data agent", async () => {
  const cache = await Deno.makeTempDir();
  await fakeIndex(cache, [...smokeItems("glass"), ...smokeItems("blur")]);
  const find = (spec: string) => findEntry(cache, "train-agent", parseItemSpec(spec), "--agent");
  const entry = (k: string) => join(cache, "entries", k);
  assertEquals(await find("task=glass,seed=0"), entry("glass-2-own"));
  // a full spec no longer also matches the shots agents
  assertEquals(await find("task=glass,branch=implicit,seed=0,T=15,E=2"), entry("glass-2-own"));
  assertEquals(await find("task=glass,seed=0,shots=1"), entry("glass-2-s1"));
  assertEquals(await find("task=glass,seed=0,T=5"), entry("glass-2-T5"));
  assertEquals(await find("task=glass,E=1"), entry("glass-2-E1"));
  await Deno.remove(cache, { recursive: true });
});

Deno.test("lookup: an ambiguous spec lists the candidates as ready-to-paste specs that each find one", async () => {
  const cache = await Deno.makeTempDir();
  // two runs' own agents of the same task and seed (E = 2 and E = 10), and two shots agents
  const quick = { ...SMOKE, E: 10 };
  await fakeIndex(cache, [
    ...smokeItems("glass"),
    { key: "q-own", item: { task: "glass", branch: "implicit", seed: 0, T: 15, E: 10 }, config: quick },
  ]);
  const err = await assertRejects(
    () => findEntry(cache, "train-agent", parseItemSpec("task=glass,seed=0"), "--agent"),
    UsageError,
    "2 train-agent items match seed=0,task=glass; name one of them:",
  );
  const lines = err.message.split("\n").slice(1);
  assertEquals(lines, [
    "  --agent E=10,T=15,branch=implicit,seed=0,task=glass",
    "  --agent E=2,T=15,branch=implicit,seed=0,task=glass",
  ]);
  for (const [line, key] of [[lines[0], "q-own"], [lines[1], "glass-2-own"]]) {
    const spec = line.trim().replace(/^--agent /, "");
    assertEquals(await findEntry(cache, "train-agent", parseItemSpec(spec)), join(cache, "entries", key));
  }
  await Deno.remove(cache, { recursive: true });
});

Deno.test("lookup: where only variants match (shots agents), they are listed, not chosen", async () => {
  const cache = await Deno.makeTempDir();
  await fakeIndex(cache, smokeItems("glass").filter((r) => "shots" in r.item));
  const err = await assertRejects(
    () => findEntry(cache, "train-agent", parseItemSpec("task=glass,seed=0"), "--agent"),
    UsageError,
    "2 train-agent items match seed=0,task=glass",
  );
  assertEquals(err.message.split("\n").slice(1), [
    "  --agent E=2,T=15,branch=implicit,seed=0,shots=1,task=glass",
    "  --agent E=2,T=15,branch=implicit,seed=0,shots=5,task=glass",
  ]);
  await Deno.remove(cache, { recursive: true });
});
