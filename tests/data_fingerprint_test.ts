/**
 * Data fingerprints by content (issue 13 point 3, "two clean clones on two machines compute the
 * same keys"): a copy of a task's data with other mtimes (cp, rsync without -t, an unpacked
 * archive) gives the same fingerprint and the same preprocess key; changed bytes change it; the
 * per-file hashes are memoised by path, size and mtime (core/file_hash.ts).
 */
import { join } from "node:path";
import { assert, assertEquals } from "./pipeline_assert.ts";
import { readJsonMap, sha256Memoised } from "../core/file_hash.ts";
import { sha256File } from "../core/download.ts";
import { dataHashMemo, type DataRoot, findTaskIn, fingerprintTask } from "../data/root.ts";
import { getTask } from "../data/tasks.ts";
import { plan } from "../pipeline/plan.ts";
import { openSession } from "../pipeline/session.ts";
import { CONFIG, STAGES } from "../stages/mod.ts";

const enc = new TextEncoder();

function assertNotEquals(a: unknown, b: unknown, msg = `both are ${a}`): void {
  assert(a !== b, msg);
}

/** A normalised glass folder under `root`: 2 train and 1 test pair of small (undecoded) files. */
async function writeGlass(root: string): Promise<string[]> {
  const files: string[] = [];
  for (const [split, stems] of [["train", ["a", "b"]], ["test", ["c"]]] as const) {
    for (const stem of stems) {
      for (const [kind, ext] of [["images", "jpg"], ["masks", "png"]]) {
        const dir = join(root, "glass", split, kind);
        await Deno.mkdir(dir, { recursive: true });
        const p = join(dir, `${stem}.${ext}`);
        await Deno.writeFile(p, enc.encode(`${split}/${kind}/${stem}: some bytes`));
        files.push(p);
      }
    }
  }
  return files;
}

/** Copy every file, each with another mtime (what cp or rsync without -t does). */
async function copyWithOtherMtimes(from: string, to: string, files: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const [i, f] of files.entries()) {
    const dest = join(to, f.slice(from.length + 1));
    await Deno.mkdir(join(dest, ".."), { recursive: true });
    await Deno.copyFile(f, dest);
    const t = new Date(Date.UTC(2020, 0, 1 + i));
    await Deno.utime(dest, t, t);
    out.push(dest);
  }
  return out;
}

async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const old = Object.keys(vars).map((k) => Deno.env.get(k));
  for (const [k, v] of Object.entries(vars)) Deno.env.set(k, v);
  try {
    return await fn();
  } finally {
    Object.keys(vars).forEach((k, i) => old[i] === undefined ? Deno.env.delete(k) : Deno.env.set(k, old[i]!));
  }
}

const rootOf = (path: string): DataRoot => ({ path, source: "--data / ALIGNSAM_DATA" });

async function glassPrint(root: string): Promise<string> {
  const td = await findTaskIn(rootOf(root), getTask("glass"));
  assert(td, `glass under ${root}`);
  return await fingerprintTask(td);
}

Deno.test("data fingerprint: two copies with other mtimes agree; changed bytes change it; hashes are memoised", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "alignsam-fingerprint-" });
  await withEnv({ ALIGNSAM_CACHE: join(tmp, "cache") }, async () => {
    const a = join(tmp, "clone-a"), b = join(tmp, "elsewhere", "clone-b");
    const filesA = await writeGlass(a);
    const filesB = await copyWithOtherMtimes(a, b, filesA);
    assertNotEquals(
      (await Deno.stat(filesB[0])).mtime?.getTime(),
      (await Deno.stat(filesA[0])).mtime?.getTime(),
    );

    const printA = await glassPrint(a);
    assertEquals(await glassPrint(b), printA, "a copy with other mtimes must give the same fingerprint");

    // the memo holds every file of both copies, with its content hash
    const memo = await readJsonMap<{ sha256: string }>(dataHashMemo());
    for (const f of [...filesA, ...filesB]) assertEquals(memo[f]?.sha256, await sha256File(f), f);

    // a memo hit is used: a planted hash (path, size and mtime unchanged) shows in the fingerprint
    const planted = { ...memo, [filesA[0]]: { ...memo[filesA[0]], sha256: "f".repeat(64) } };
    await Deno.writeTextFile(dataHashMemo(), JSON.stringify(planted));
    assertNotEquals(await glassPrint(a), printA, "the memo's entry was not used");
    assertEquals(await glassPrint(b), printA, "the other copy's entries are its own");

    // an edit of one file's bytes (same size; the editor also sets the mtime) changes the fingerprint
    const edited = filesB[1];
    const bytes = await Deno.readFile(edited);
    bytes[0] ^= 1;
    await Deno.writeFile(edited, bytes);
    await Deno.utime(edited, new Date(Date.UTC(2021, 5, 1)), new Date(Date.UTC(2021, 5, 1)));
    const printB = await glassPrint(b);
    assertNotEquals(printB, printA, "changed bytes must change the fingerprint");
    assertEquals(
      (await readJsonMap<{ sha256: string }>(dataHashMemo()))[edited]?.sha256,
      await sha256File(edited),
    );

    // touching a file (same bytes, new mtime) re-hashes it and leaves the fingerprint alone
    await Deno.utime(filesB[2], new Date(), new Date());
    assertEquals(await glassPrint(b), printB);
  });
  await Deno.remove(tmp, { recursive: true });
});

Deno.test("file hash memo: one write per call, none on a full hit; merges what another process wrote meanwhile", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "alignsam-hashmemo-" });
  const memo = join(tmp, "sub", "memo.json");
  const files = ["x", "y"].map((n) => join(tmp, n));
  for (const f of files) await Deno.writeTextFile(f, `content of ${f}`);
  const first = await sha256Memoised(files, memo);
  assertEquals(first, await Promise.all(files.map((f) => sha256File(f))));
  const written = (await Deno.stat(memo)).mtime?.getTime();
  // another process's entry, added since: kept when this one writes
  await Deno.writeTextFile(
    memo,
    JSON.stringify({ ...(await readJsonMap(memo)), "/elsewhere": { sha256: "e" } }),
  );
  const before = await Deno.readTextFile(memo);
  assertEquals(await sha256Memoised(files, memo), first);
  assertEquals(await Deno.readTextFile(memo), before, "a full hit must not rewrite the memo");
  assert(written !== undefined);
  const z = join(tmp, "z");
  await Deno.writeTextFile(z, "new");
  await sha256Memoised([z], memo);
  const after = await readJsonMap<{ sha256: string }>(memo);
  assertEquals(after["/elsewhere"]?.sha256, "e");
  assertEquals(Object.keys(after).sort(), ["/elsewhere", ...files, z].sort());
  // no temp file left behind
  assertEquals([...Deno.readDirSync(join(tmp, "sub"))].map((e) => e.name), ["memo.json"]);
  await Deno.remove(tmp, { recursive: true });
});

Deno.test("keys (g): two clones reading two copies of the data with other mtimes agree on preprocess's key", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "alignsam-keys-data-" });
  const a = join(tmp, "data-a"), b = join(tmp, "data-copy-b");
  await copyWithOtherMtimes(a, b, await writeGlass(a));
  const here = new URL("..", import.meta.url).pathname;
  const keyOf = (data: string, machine: string) =>
    withEnv({ ALIGNSAM_DATA: data, ALIGNSAM_CACHE: join(tmp, machine), ALIGNSAM_OFFLINE: "1" }, async () => {
      const session = openSession({
        stages: STAGES,
        ...CONFIG,
        profile: "smoke",
        overrides: { tasks: ["glass"] },
        targets: ["preprocess"],
        root: here,
        cacheDir: join(tmp, machine, "cache"),
        dryRun: true,
      });
      const items = await plan(session, session.targets);
      assertEquals(items.map((i) => i.id), ["preprocess[task=glass]"]);
      return items[0].key!;
    });
  const ka = await keyOf(a, "machine-a");
  assert(/^[0-9a-f]{64}$/.test(ka), ka);
  assertEquals(await keyOf(b, "machine-b"), ka);
  await Deno.remove(tmp, { recursive: true });
});
