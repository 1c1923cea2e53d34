/**
 * The store's integrity (issue 16 points 8 and 9): memo blobs checked against their digest, a
 * discarded entry leaving no temp debris, and temp cleaning that spares other runners' work.
 */
import { join } from "node:path";
import { assert, assertEquals, assertMatch } from "./pipeline_assert.ts";
import { reproduce, status } from "../pipeline/runner.ts";
import { sha256Hex } from "../pipeline/hash.ts";
import { openStore } from "../pipeline/store.ts";
import type { RunContext } from "../pipeline/stage.ts";
import { toyRunnerOptions, toyStages } from "./fixtures/pipeline/toy.ts";

async function toyRun(logs: string[], stages = toyStages({ runs: [] })) {
  const root = await Deno.makeTempDir({ prefix: "alignsam-store-" });
  const opts = toyRunnerOptions(root, { stages, log: (l) => logs.push(l) });
  return { root, opts, cache: opts.cacheDir };
}

Deno.test("store: a memo blob corrupted at the same size is re-made, never used; status --verify names it", async () => {
  const logs: string[] = [];
  let made = 0;
  const [source, ...rest] = toyStages({ runs: [] });
  const memoing = {
    ...source,
    run: async (ctx: RunContext) => {
      const bytes = await ctx.memo(`toy/${ctx.item.task}`, () => {
        made++;
        return Promise.resolve(new TextEncoder().encode(`memo of ${ctx.item.task}`));
      });
      assertEquals(new TextDecoder().decode(bytes), `memo of ${ctx.item.task}`);
      await source.run(ctx);
    },
  };
  const t = await toyRun(logs, [memoing, ...rest]);
  await reproduce(t.opts);
  assertEquals(made, 2);
  const clean = await status({ ...t.opts, verify: true });
  assertMatch(clean.text, /\nmemo blobs: 2 checked, 0 corrupt$/);

  const name = sha256Hex("toy/a");
  const blob = join(t.cache, "blobs", name);
  const bytes = await Deno.readFile(blob);
  bytes[0] ^= 0x20; // same size: a size check alone would use it
  await Deno.writeFile(blob, bytes);
  const st = await status({ ...t.opts, verify: true });
  assertMatch(
    st.text,
    new RegExp(`memo blobs: 2 checked, 1 corrupt\n {2}corrupt blob ${name} \\(toy/a\\): hash mismatch`),
  );
  assertEquals(st.badBlobs?.map((b) => b.key), ["toy/a"]);

  await reproduce({ ...t.opts, targets: ["source"], force: true });
  assertEquals(made, 3, "only the corrupt blob is made again");
  assert(logs.some((l) => l.includes(`corrupt memo blob ${name} (toy/a): hash mismatch; making it again`)));
  assertMatch((await status({ ...t.opts, verify: true })).text, /memo blobs: 2 checked, 0 corrupt$/);
  await Deno.remove(t.root, { recursive: true });
});

Deno.test("store: rebuilding a corrupt entry leaves no temp folder for the next run to call interrupted", async () => {
  const logs: string[] = [];
  const t = await toyRun(logs);
  const first = await reproduce(t.opts);
  await Deno.writeTextFile(join(first.entries["sum"], "sum.json"), "{}"); // size differs
  await reproduce(t.opts);
  assert(logs.some((l) => /^corrupt cache entry sum: file sum\.json size/.test(l)), logs.join("\n"));
  assertEquals([...Deno.readDirSync(join(t.cache, "tmp"))].map((e) => e.name), []);
  logs.length = 0;
  await reproduce(t.opts);
  assert(!logs.some((l) => l.includes("unfinished temp")), logs.join("\n"));
  await Deno.remove(t.root, { recursive: true });
});

Deno.test("store: cleanTemp removes only debris: temp dirs of gone or other claims, loose files over 10 min old", async () => {
  const dir = await Deno.makeTempDir({ prefix: "alignsam-tmp-" });
  const store = openStore(dir);
  const [k1, k2] = ["1".repeat(64), "2".repeat(64)];
  const live = await store.newTemp(k1, "tok-live"); // a concurrent runner's item in progress
  const dead = await store.newTemp(k2, "tok-dead"); // its claim is gone: debris
  const oldLoose = join(dir, "tmp", "w-host-1-old");
  const newLoose = join(dir, "tmp", "w-host-1-new"); // another runner's atomic write, mid-flight
  await Deno.writeTextFile(oldLoose, "x");
  await Deno.writeTextFile(newLoose, "x");
  const longAgo = new Date(Date.now() - 11 * 60_000);
  await Deno.utime(oldLoose, longAgo, longAgo);
  const claimed: Record<string, string> = { [k1]: "tok-live" };
  assertEquals(await store.cleanTemp((k) => claimed[k]), 2);
  const left = [...Deno.readDirSync(join(dir, "tmp"))].map((e) => join(dir, "tmp", e.name)).sort();
  assertEquals(left, [live, newLoose].sort());
  assert(!left.includes(dead) && !left.includes(oldLoose));
  await Deno.remove(dir, { recursive: true });
});
