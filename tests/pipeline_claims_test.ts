/**
 * Per-key claims (issue 13 point 2): one cache shared by concurrent runners. Each key is built
 * once, by whoever claims it; the others wait and use its entry, or refuse with exit 75.
 */
import { join } from "node:path";
import { assert, assertEquals, assertMatch } from "./pipeline_assert.ts";
import { Claims } from "../pipeline/claims.ts";
import { status } from "../pipeline/runner.ts";
import { toyRunnerOptions } from "./fixtures/pipeline/toy.ts";
import { assertWholeEntries, spawnChild, startSlowChild, text } from "./fixtures/pipeline/procs.ts";

const KEY = "a".repeat(64);

Deno.test("claims: a held key is refused to a second claimer, who is told where it is built; release frees it", async () => {
  const cache = await Deno.makeTempDir({ prefix: "alignsam-claims-" });
  // the heartbeat thread's first start type-checks it (~1 s in tests): a timeout well above that
  const timing = { heartbeatMs: 100, staleMs: 3000 };
  const mine = new Claims(cache, { warn: () => {}, timing });
  const other = new Claims(cache, { warn: () => {}, timing });
  const r = await mine.claim(KEY, "x[i=1]");
  assert(r.held);
  const info = JSON.parse(await Deno.readTextFile(join(cache, "claims", KEY)));
  assertEquals([info.item, info.pid, typeof info.host, info.token], [
    "x[i=1]",
    Deno.pid,
    "string",
    r.claim.info.token,
  ]);
  // the heartbeat thread keeps it fresh well past the timeout
  await new Promise((res) => setTimeout(res, 4000));
  const second = await other.claim(KEY, "x[i=1]");
  assert(!second.held);
  assertEquals(second.by.pid, Deno.pid);
  assert(second.ageMs < 1500, `heartbeat ${second.ageMs} ms old`);
  r.claim.release();
  const third = await other.claim(KEY, "x[i=1]");
  assert(third.held);
  third.claim.release();
  mine.releaseAll();
  other.releaseAll();
  assertEquals([...Deno.readDirSync(join(cache, "claims"))], []);
  await Deno.remove(cache, { recursive: true });
});

Deno.test("claims: a claim whose heartbeat stopped is taken over with a warning once older than the timeout", async () => {
  const cache = await Deno.makeTempDir({ prefix: "alignsam-claims-" });
  const warnings: string[] = [];
  const claims = new Claims(cache, {
    warn: (m) => warnings.push(m),
    timing: { heartbeatMs: 100, staleMs: 600 },
  });
  // what a builder killed on another node leaves: its claim file, no longer touched
  const file = join(cache, "claims", KEY);
  await Deno.mkdir(join(cache, "claims"));
  const gone = { key: KEY, item: "x[i=2]", host: "node7", pid: 4242, job: "1234", token: "t0", started: "" };
  await Deno.writeTextFile(file, JSON.stringify(gone));
  const fresh = await claims.claim(KEY, "x[i=2]");
  assert(!fresh.held && fresh.by.job === "1234", "a fresh claim is respected");
  const old = new Date(Date.now() - 5000);
  await Deno.utime(file, old, old);
  const taken = await claims.claim(KEY, "x[i=2]");
  assert(taken.held);
  assertEquals(warnings.length, 1);
  assertMatch(
    warnings[0],
    /^taking over the claim of x\[i=2\] on host node7, pid 4242, job 1234, heartbeat 5\.\d s ago \(timeout 0\.6 s\)/,
  );
  assertEquals(JSON.parse(await Deno.readTextFile(file)).token, taken.claim.info.token);
  taken.claim.release();
  claims.releaseAll();
  await Deno.remove(cache, { recursive: true });
});

Deno.test("claims (c): two runners started at once on one cache build every key exactly once", async () => {
  const dir = await Deno.makeTempDir({ prefix: "alignsam-two-" });
  const cache = join(dir, "cache");
  const log = join(dir, "builds.log");
  const env = { TOY_TASKS: "a,b,c,d,e,f", TOY_JOBS: "3", TOY_DELAY_MS: "300", TOY_BUILD_LOG: log };
  const [one, two] = await Promise.all([spawnChild(cache, "", "", env), spawnChild(cache, "", "", env)]
    .map((c) => c.output()));
  for (const o of [one, two]) assertEquals(o.code, 0, text(o.stderr));
  const lines = (await Deno.readTextFile(log)).trim().split("\n").map((l) => l.split(" ")[0]);
  const items = ["a", "b", "c", "d", "e", "f"].flatMap((t) => [`source[task=${t}]`, `double[task=${t}]`]);
  assertEquals([...lines].sort(), [...items, "sum"].sort(), "each key built exactly once");
  const r1 = JSON.parse(text(one.stdout));
  const r2 = JSON.parse(text(two.stdout));
  // together they built everything, and each used the other's entries for the rest
  assertEquals([...r1.ran, ...r2.ran].sort(), [...items, "sum"].sort());
  assertEquals([...r1.ran, ...r1.fresh].length, 13);
  assertEquals([...r2.ran, ...r2.fresh].length, 13);
  console.log(`split: ${r1.ran.length} + ${r2.ran.length} builds`);
  assertEquals((await assertWholeEntries(cache)).length, 13);
  assertEquals([...Deno.readDirSync(join(cache, "claims"))].length, 0);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("claims: status names the item being built and where; --no-wait refuses with exit 75", async () => {
  const { dir, cache, child } = await startSlowChild("alignsam-busy-");
  const st = await status(toyRunnerOptions(dir, { cacheDir: cache }));
  const where = `host [^,]+, pid ${child.pid}, heartbeat [\\d.]+ s ago`;
  assertMatch(st.text, new RegExp(`\n {2}building double\\[task=b\\]: on ${where}\n`));
  assertMatch(st.text, new RegExp(`building now \\(1\\):\n {2}double\\[task=b\\] on ${where}$`));
  assertEquals(st.building.map((b) => b.info.pid), [child.pid]);

  const refused = await spawnChild(cache, "", "", { TOY_NO_WAIT: "1" }).output();
  assertEquals(refused.code, 75, text(refused.stderr));
  assertMatch(
    text(refused.stderr).trim().split("\n").at(-1)!,
    new RegExp(
      `^error: double\\[task=b\\] is being built by another process: double\\[task=b\\] on ${where}$`,
    ),
  );
  child.kill("SIGKILL");
  await child.output();
  await Deno.remove(dir, { recursive: true });
});
