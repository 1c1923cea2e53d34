/**
 * Why-lines stay short (issue 16 point 4): a reason list over ~200 characters is counted by
 * kind and names the command that lists it all; `status --why ITEM` prints every reason.
 */
import { join } from "node:path";
import { assert, assertEquals, assertMatch } from "./pipeline_assert.ts";
import { whyLine } from "../pipeline/why.ts";

Deno.test("whyLine: short lists unchanged; long ones counted by kind with the command to list them", () => {
  assertEquals(
    whyLine("x[task=a]", ["param E: 50 → 30", "code changed: a.ts"]),
    "param E: 50 → 30; code changed: a.ts",
  );
  const reasons = [
    ...Array.from({ length: 12 }, (_, i) => `param p${i}: ${i} → ${i + 1}`),
    ...Array.from({ length: 81 }, (_, i) => `input removed: evaluate[seed=${i},task=voc-person]`),
    "code changed: reports/html.ts",
    "fingerprint changed",
    "never built",
  ];
  const line = whyLine("report", reasons);
  assert(line.length < 200, line);
  assertEquals(
    line,
    "never built, 12 params changed, 1 code file changed, 81 inputs removed, fingerprint changed; " +
      "`deno task status --why 'report'` (same flags) lists them all",
  );
});

Deno.test("status --why ITEM: every reason of one item; no match or several → exit 2 naming them", async () => {
  const root = await Deno.makeTempDir({ prefix: "alignsam-why-" });
  const TOY_CLI = new URL("./fixtures/pipeline/toy_cli.ts", import.meta.url).pathname;
  const run = async (...args: string[]) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", TOY_CLI, root, ...args],
      env: { ALIGNSAM_CACHE: join(root, "cache"), NO_COLOR: "1" },
    }).output();
    const dec = new TextDecoder();
    return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  };
  assertEquals((await run("reproduce")).code, 0);
  const one = await run("status", "--set", "E=30", "--why", "double[task=a]");
  assertEquals(one.code, 0, one.stderr);
  assertEquals(one.stdout, "stale double[task=a]\n  param E: 50 → 30\n");
  const many = await run("status", "--why", "double");
  assertEquals(many.code, 2);
  assertMatch(many.stderr, /2 items match 'double'; name one:\n {2}double\[task=a\]\n {2}double\[task=b\]/);
  const none = await run("status", "--why", "zz");
  assertEquals(none.code, 2);
  assertMatch(none.stderr, /no item matches 'zz'/);
  await Deno.remove(root, { recursive: true });
});
