/** pipeline/lookup.ts: a readable item spec finds exactly one built entry, or says what exists. */
import { join } from "node:path";
import { assertEquals, assertRejects } from "./pipeline_assert.ts";
import nodeAssert from "node:assert/strict";
import { findEntry, parseItemSpec } from "../pipeline/lookup.ts";
import { UsageError } from "../core/errors.ts";

async function fakeIndex(cache: string, items: { key: string; item: Record<string, string | number> }[]) {
  await Deno.mkdir(join(cache, "index", "train-agent"), { recursive: true });
  for (const [i, r] of items.entries()) {
    await Deno.writeTextFile(join(cache, "index", "train-agent", `${i}.json`), JSON.stringify(r));
    await Deno.mkdir(join(cache, "entries", r.key), { recursive: true });
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
    "2 train-agent items match",
  );
  await assertRejects(
    () => findEntry(cache, "train-agent", { task: "blur" }),
    UsageError,
    "train-agent[E=10,seed=0,task=glass]",
  );
  await Deno.remove(cache, { recursive: true });
});
