/**
 * Portable cache keys (issue 13 point 3): code hashes over a canonical form (comments and
 * formatting do not count, a token does) and keys that do not depend on where the clone lives.
 */
import { dirname, join } from "node:path";
import { assert, assertEquals, assertMatch } from "./pipeline_assert.ts";
import { CANON_VERSION, canonicalScript, codeFileHash } from "../pipeline/canon.ts";
import { sha256Hex } from "../pipeline/hash.ts";
import { reproduce, type RunnerOptions, status } from "../pipeline/runner.ts";
import { openSession } from "../pipeline/session.ts";
import type { RunContext } from "../pipeline/stage.ts";
import { ENTRY_META } from "../pipeline/store.ts";
import { toyRunnerOptions, toyStages } from "./fixtures/pipeline/toy.ts";
import { CONFIG, STAGES } from "../stages/mod.ts";

const SOURCE = `/** The toy source's code. */
import { join } from "node:path";

// how many
export const v = 1;
export function f(a: number, b: string): string {
  return join(String(a), b); // joined
}
`;

/** Comments added and removed, lines re-wrapped, trailing commas: what deno fmt or a doc edit does. */
const SOURCE_REFORMATTED = `import { join } from "node:path";
/* a block comment */
export const v = 1; // how many, still
export function f(
  a: number,
  b: string,
): string {
  /** another */
  return join(String(a), b);
}
`;

const SOURCE_ONE_TOKEN = SOURCE.replace("export const v = 1;", "export const v = 2;");

function toyOpts(root: string, cacheDir: string): RunnerOptions {
  return toyRunnerOptions(root, {
    stages: toyStages({ runs: [], sourceCode: "src/source_code.ts" }),
    cacheDir,
  });
}

async function toyRoot(prefix: string): Promise<string> {
  const root = await Deno.makeTempDir({ prefix });
  await Deno.mkdir(join(root, "src"));
  await Deno.writeTextFile(join(root, "src", "source_code.ts"), SOURCE);
  return root;
}

Deno.test("keys: canonical form drops comments, whitespace and trailing commas; a token changes it", async () => {
  const a = await canonicalScript("a.ts", SOURCE);
  assertEquals(await canonicalScript("a.ts", SOURCE_REFORMATTED), a);
  assert(!a.includes("how many"), a);
  assert((await canonicalScript("a.ts", SOURCE_ONE_TOKEN)) !== a);
  // a string literal's content is code, not a comment
  assert((await canonicalScript("a.ts", SOURCE.replace('"node:path"', '"node:url"'))) !== a);
});

Deno.test("keys: canonical hashes are memoised by raw sha256 in the cache; other files hash raw", async () => {
  const dir = await Deno.makeTempDir({ prefix: "alignsam-canon-" });
  const file = join(dir, "x.ts");
  await Deno.writeTextFile(file, SOURCE);
  const h = await codeFileHash(file, dir);
  const memo = join(dir, "code", CANON_VERSION, sha256Hex(SOURCE));
  assertEquals(await Deno.readTextFile(memo), h);
  assertEquals(h, sha256Hex(await canonicalScript(file, SOURCE)));
  assertEquals(await codeFileHash(file), h);
  const json = join(dir, "w.json");
  await Deno.writeTextFile(json, '{"a": 1}');
  assertEquals(await codeFileHash(json, dir), sha256Hex('{"a": 1}'));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("keys (f): a comment-only edit of a declared code file leaves every item fresh; one token makes it stale", async () => {
  const root = await toyRoot("alignsam-keys-f-");
  const opts = toyOpts(root, join(root, "cache"));
  const first = await reproduce(opts);
  assertEquals(first.ran.length, 5);

  await Deno.writeTextFile(join(root, "src", "source_code.ts"), SOURCE_REFORMATTED);
  const st = await status(opts);
  assertEquals(st.items.map((i) => i.state), Array(5).fill("fresh"), st.text);
  assertEquals((await reproduce(opts)).ran, []);

  await Deno.writeTextFile(join(root, "src", "source_code.ts"), SOURCE_ONE_TOKEN);
  const st2 = await status(opts);
  assertMatch(st2.text, /stale +source\[task=a\]: code changed: src\/source_code\.ts/);
  assertEquals((await reproduce(opts)).ran, ["source[task=a]", "source[task=b]"]);
  await Deno.remove(root, { recursive: true });
});

Deno.test("keys: RunContext.note values land in _entry.json, outside the digest downstream keys see", async () => {
  const root = await toyRoot("alignsam-keys-note-");
  const opts = toyOpts(root, join(root, "cache"));
  const [source, ...rest] = opts.stages;
  const noting = {
    ...source,
    run: (ctx: RunContext) => (ctx.note("seconds", Math.random()), source.run(ctx)),
  };
  const stages = [noting, ...rest];
  const metaOf = async (dir: string) => JSON.parse(await Deno.readTextFile(join(dir, ENTRY_META)));
  const first = await reproduce({ ...opts, stages });
  const m1 = await metaOf(first.entries["source[task=a]"]);
  // same key, so the rebuilt entry replaces the first one in place
  const again = await reproduce({ ...opts, stages, targets: ["source"], force: true });
  const m2 = await metaOf(again.entries["source[task=a]"]);
  assert(typeof m1.notes.seconds === "number" && m1.notes.seconds !== m2.notes.seconds);
  assertEquals(m2.digest, m1.digest);
  assertEquals(m2.key, m1.key);
  await Deno.remove(root, { recursive: true });
});

Deno.test("keys (g): two clones in different directories, with their own caches, agree on every key", async () => {
  const a = await toyRoot("alignsam-keys-g-a-");
  const b = await toyRoot("alignsam-keys-g-clone-b-");
  // the second clone's file was re-formatted by an editor: still the same code
  await Deno.writeTextFile(join(b, "src", "source_code.ts"), SOURCE_REFORMATTED);
  const keysOf = async (root: string) => {
    const opts = toyOpts(root, join(root, "cache"));
    await reproduce(opts);
    const st = await status(opts);
    return Object.fromEntries(st.items.map((i) => [i.id, i.key]));
  };
  const ka = await keysOf(a);
  assertEquals(Object.keys(ka).length, 5);
  assert(Object.values(ka).every((k) => typeof k === "string" && k.length === 64));
  assertEquals(await keysOf(b), ka);
  await Deno.remove(a, { recursive: true });
  await Deno.remove(b, { recursive: true });
});

Deno.test("keys (g): alignsam's own stages hash their declared code alike in two copies of the project", async () => {
  const roots = [
    await Deno.makeTempDir({ prefix: "alignsam-clone-1-" }),
    await Deno.makeTempDir({ prefix: "alignsam-clone-two-" }),
  ];
  const here = new URL("..", import.meta.url).pathname;
  const paths = [...new Set(STAGES.flatMap((s) => s.code))];
  for (const root of roots) {
    for (const p of paths) {
      await Deno.mkdir(dirname(join(root, p)), { recursive: true });
      await copy(join(here, p), join(root, p));
    }
  }
  const codeOf = async (root: string) => {
    const s = openSession({
      stages: STAGES,
      ...CONFIG,
      profile: "smoke",
      root,
      cacheDir: join(root, "cache"),
    });
    const out: Record<string, Record<string, string>> = {};
    for (const st of STAGES) out[st.name] = await s.code(st);
    return out;
  };
  const one = await codeOf(roots[0]);
  assertEquals(await codeOf(roots[1]), one);
  for (const code of Object.values(one)) {
    for (const p of Object.keys(code)) assert(!p.startsWith("/") && !p.includes(roots[0]), p);
  }
  for (const r of roots) await Deno.remove(r, { recursive: true });
});

async function copy(from: string, to: string): Promise<void> {
  if ((await Deno.stat(from)).isDirectory) {
    await Deno.mkdir(to, { recursive: true });
    for await (const e of Deno.readDir(from)) await copy(join(from, e.name), join(to, e.name));
  } else await Deno.copyFile(from, to);
}
