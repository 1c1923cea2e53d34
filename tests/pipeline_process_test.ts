/**
 * The runner as a real process: `kill -9` mid-write (its claim taken over after the heartbeat
 * timeout), SIGINT, and the CLI's usage errors (exit 2, one line). Claims between concurrent
 * runners: tests/pipeline_claims_test.ts.
 */
import { join } from "node:path";
import { assert, assertEquals, assertMatch } from "./pipeline_assert.ts";
import { assertWholeEntries, spawnChild, startSlowChild, text } from "./fixtures/pipeline/procs.ts";

const CLI = new URL("../cli/main.ts", import.meta.url).pathname;

Deno.test("pipeline process (d): kill -9 mid-write leaves no partial entry; its claim is taken over after the heartbeat timeout", async () => {
  const timing = { TOY_HEARTBEAT_MS: "200", TOY_STALE_MS: "2500" };
  const { dir, cache, child } = await startSlowChild("alignsam-kill-", timing);
  child.kill("SIGKILL");
  const killedAt = Date.now();
  const out = await child.output();
  assertEquals(out.signal, "SIGKILL");
  // finished siblings survive; the item being written is nowhere in entries/
  const kept = await assertWholeEntries(cache);
  assertEquals(kept, ["double[task=a]", "source[task=a]", "source[task=b]"]);
  assert([...Deno.readDirSync(join(cache, "tmp"))].length > 0, "the killed write left its temp dir");
  const claims = [...Deno.readDirSync(join(cache, "claims"))].map((e) => e.name);
  assertEquals(claims.length, 1, "the killed builder's claim is still there");
  const again = await spawnChild(cache, "", "", timing).output();
  const tookMs = Date.now() - killedAt;
  const err = text(again.stderr);
  assertEquals(again.code, 0, err);
  assertMatch(err, new RegExp(`waiting for double\\[task=b\\] on host .*, pid ${child.pid}`));
  assertMatch(
    err,
    new RegExp(`taking over the claim of double\\[task=b\\] on host .*, pid ${child.pid}, heartbeat`),
  );
  assertMatch(err, /removed the unfinished temp dir of double\[task=b\]/);
  assert(tookMs >= 2500, `taken over only after the timeout (${tookMs} ms after the kill)`);
  assertEquals(JSON.parse(text(again.stdout)).ran, ["double[task=b]", "sum"]);
  assertEquals((await assertWholeEntries(cache)).length, 5);
  assertEquals([...Deno.readDirSync(join(cache, "tmp"))].length, 0);
  assertEquals([...Deno.readDirSync(join(cache, "claims"))].length, 0, "every claim released");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("pipeline process: SIGINT stops after discarding the item in progress and releases its claims", async () => {
  const { dir, cache, child } = await startSlowChild("alignsam-int-");
  child.kill("SIGINT");
  const out = await child.output();
  assertEquals(out.code, 130, text(out.stderr));
  assertMatch(text(out.stderr), /interrupted during double\[task=b\]; its partial output was discarded/);
  assertEquals(await assertWholeEntries(cache), ["double[task=a]", "source[task=a]", "source[task=b]"]);
  assertEquals([...Deno.readDirSync(join(cache, "tmp"))].length, 0);
  assertEquals([...Deno.readDirSync(join(cache, "claims"))].length, 0, "every claim released");
  await Deno.remove(dir, { recursive: true });
});

async function cli(...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), { args: ["run", "-A", CLI, ...args] }).output();
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

Deno.test("pipeline cli: usage errors exit 2 with one line naming the flag, param or value", async () => {
  const cases: [string[], RegExp][] = [
    [["reproduce", "--bogus"], /^error: reproduce: unknown flag --bogus \(accepted: --profile, .*--until\)$/],
    [["reproduce", "--set", "E=x"], /^error: --set E=x: expected an integer$/],
    [["reproduce", "--set", "nope=1"], /^error: --set: unknown param nope \(accepted: tasks, .*\)$/],
    [["status", "--set", "segmenter=foo"], /^error: --set: segmenter=foo is not one of weight-free, .*$/],
    [["reproduce", "--profile", "huge"], /^error: unknown profile huge \(profiles: paper, quick, smoke\)$/],
    [["run", "nostage"], /^error: run: unknown stage nostage \(stages: .*\)$/],
    [["reproduce", "--jobs", "0"], /^error: --jobs must be an integer in 1\.\.256, got '0'$/],
    [
      ["frobnicate"],
      /^error: unknown command frobnicate \(commands: reproduce, run, status, dag, report, plan, build-item\)$/,
    ],
  ];
  for (const [args, re] of cases) {
    const r = await cli(...args);
    assertEquals(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);
    assertMatch(r.stderr.trim(), re);
  }
  const help = await cli("run", "--help");
  assertEquals(help.code, 0);
  assertMatch(help.stdout, /usage: deno task run STAGE \[flags\][\s\S]*--task VALUE/);
});

Deno.test("pipeline cli: reproduce publishes the report; status/dry-run explain a --set; report --out", async () => {
  const root = await Deno.makeTempDir({ prefix: "alignsam-cli-" });
  const TOY_CLI = new URL("./fixtures/pipeline/toy_cli.ts", import.meta.url).pathname;
  const run = async (...args: string[]) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", TOY_CLI, root, ...args],
      env: { ALIGNSAM_CACHE: join(root, "cache"), NO_COLOR: "1" },
    }).output();
    return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
  };
  const first = await run("reproduce");
  assertEquals(first.code, 0, first.stderr);
  assertMatch(first.stdout, /report: .*out\/report\.html/);
  assertEquals(
    await Deno.readTextFile(join(root, "out", "report.html")),
    "<html><body>sum=490</body></html>",
  );
  assertEquals(await Deno.readTextFile(join(root, "out", "fig.svg")), "<svg/>");
  assertMatch(first.stderr, /6 item\(s\) built, 0 cached/);

  const st = await run("status", "--set", "E=30");
  assertEquals(st.code, 0, st.stderr);
  assertMatch(st.stdout, /double: 2 stale\n {2}stale {3}double\[task=a\]: param E: 50 → 30\n/);
  assertMatch(st.stdout, /report: 1 stale\n {2}stale {3}report: input stale: sum/);
  // status --why ITEM: every reason of one item; no match or several → exit 2 naming them
  const why = await run("status", "--set", "E=30", "--why", "double[task=a]");
  assertEquals(why.stdout, "stale double[task=a]\n  param E: 50 → 30\n", why.stderr);
  const many = await run("status", "--why", "double");
  assertEquals(many.code, 2);
  assertMatch(many.stderr, /2 items match 'double'; name one:\n {2}double\[task=a\]\n {2}double\[task=b\]/);
  assertMatch((await run("status", "--why", "zz")).stderr, /no item matches 'zz'/);

  const dry = await run("reproduce", "--set", "E=30", "--dry-run");
  assertEquals(dry.code, 0, dry.stderr);
  assertMatch(dry.stderr, /would run double\[task=b\]: param E: 50 → 30\n/);
  assertMatch(dry.stderr, /4 of 6 item\(s\) would run/);

  const rep = await run("report", "--out", join(root, "pub", "r.html"));
  assertEquals(rep.code, 0, rep.stderr);
  assertMatch(rep.stderr, /0 item\(s\) built, 6 cached/);
  assertEquals(await Deno.readTextFile(join(root, "pub", "fig.svg")), "<svg/>");
  assertMatch(await Deno.readTextFile(join(root, "pub", "r.html")), /sum=490/);

  const dag = await run("dag", "--profile", "small");
  assertMatch(dag.stdout, /double +← source +\[1 item\]/);
  const bad = await run("run", "double", "--task", "zz");
  assertEquals(bad.code, 2);
  assertEquals(bad.stderr.trim(), "error: --task zz: stage double has no such item (tasks: a, b)");
  await Deno.remove(root, { recursive: true });
});
