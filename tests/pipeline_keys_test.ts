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
import { needsShared, SHARED_DATA } from "./_shared.ts";

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

Deno.test({
  name:
    "keys: preprocess's manifest names skipped pairs relative to the data root (no machine's folder in a key)",
  ...needsShared("data"),
  fn: async () => {
    const root = await Deno.makeTempDir({ prefix: "alignsam-skip-root-" });
    const out = await Deno.makeTempDir({ prefix: "alignsam-skip-out-" });
    const src = join(SHARED_DATA, "glass");
    for (const split of ["train", "test"]) {
      for (const kind of ["images", "masks"]) {
        await Deno.mkdir(join(root, "glass", split, kind), { recursive: true });
      }
      const stems = [...Deno.readDirSync(join(src, split, "masks"))].map((e) => e.name).sort().slice(0, 2);
      for (const m of stems) {
        const stem = m.replace(/\.png$/, "");
        const img = [...Deno.readDirSync(join(src, split, "images"))].find((e) =>
          e.name.startsWith(`${stem}.`)
        )!;
        await Deno.copyFile(
          join(src, split, "images", img.name),
          join(root, "glass", split, "images", img.name),
        );
        await Deno.copyFile(join(src, split, "masks", m), join(root, "glass", split, "masks", m));
      }
    }
    // a pair whose image does not decode: skipped with skipBad, and recorded in the manifest
    await Deno.writeTextFile(join(root, "glass", "train", "images", "zz.jpg"), "not a jpeg");
    await Deno.copyFile(
      join(
        root,
        "glass",
        "train",
        "masks",
        [...Deno.readDirSync(join(root, "glass", "train", "masks"))][0].name,
      ),
      join(root, "glass", "train", "masks", "zz.png"),
    );
    const old = [Deno.env.get("ALIGNSAM_DATA"), Deno.env.get("ALIGNSAM_OFFLINE")];
    Deno.env.set("ALIGNSAM_DATA", root);
    Deno.env.set("ALIGNSAM_OFFLINE", "1");
    try {
      const params = { trainCount: 50, testCount: 50, skipBad: true, rebinarize: false };
      const ctx: RunContext = {
        item: { task: "glass" },
        params,
        input: () => {
          throw new Error("no inputs");
        },
        inputs: [],
        outDir: out,
        progress: () => {},
        log: () => {},
        note: () => {},
        memo: (_k, make) => make(),
        signal: new AbortController().signal,
        codeHash: "preprocess code (test)",
      };
      const preprocess = STAGES.find((st) => st.name === "preprocess")!;
      await preprocess.run(ctx);
      const manifest = JSON.parse(await Deno.readTextFile(join(out, "manifest.json")));
      assertEquals(manifest.skipped.length, 1, JSON.stringify(manifest.skipped));
      assertEquals(manifest.skipped[0].path, "glass/train/images/zz.jpg");
      assert(!JSON.stringify(manifest).includes(root), "the manifest names no absolute folder");
    } finally {
      old[0] === undefined ? Deno.env.delete("ALIGNSAM_DATA") : Deno.env.set("ALIGNSAM_DATA", old[0]);
      old[1] === undefined ? Deno.env.delete("ALIGNSAM_OFFLINE") : Deno.env.set("ALIGNSAM_OFFLINE", old[1]);
      await Deno.remove(root, { recursive: true });
      await Deno.remove(out, { recursive: true });
    }
  },
});
