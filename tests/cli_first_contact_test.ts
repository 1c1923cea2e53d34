/**
 * First contact (issue 16 points 1–4), as a newcomer meets the CLI: no data root, an empty cache,
 * no weights. A run with no task that has data stops with exit 2 before building anything and
 * says what to do; a bad --data, an empty `tasks` or `seeds`, an empty test folder are usage
 * errors; nothing is downloaded without --fetch (the lines give sizes and the command instead);
 * the bare `reproduce` is short and its last line is the fix. The smoke profile runs on the
 * demo tasks with no data at all, and a rerun builds nothing.
 */
import { join } from "node:path";
import { assert, assertEquals, assertMatch } from "./pipeline_assert.ts";
import { runCli } from "./_cli.ts";

const REPORT = new URL("../out/report.html", import.meta.url).pathname;

/** The CLI with no data root, no models folder and its own cache. */
function cli(cache: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return runCli(args, { ALIGNSAM_CACHE: cache, ALIGNSAM_DATA: "", ALIGNSAM_MODELS: "" });
}

async function entries(cache: string): Promise<number> {
  try {
    return (await Array.fromAsync(Deno.readDir(join(cache, "entries")))).length;
  } catch {
    return 0;
  }
}

/** The published report's mtime and size (undefined when there is none). */
async function reportStamp(): Promise<string | undefined> {
  try {
    const st = await Deno.stat(REPORT);
    return `${st.mtime?.getTime()}:${st.size}`;
  } catch {
    return undefined;
  }
}

Deno.test("first contact: the bare reproduce stops in ≤ 15 lines and ≤ 2 kB, one line per dataset, the fix last", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "alignsam-fc-" });
  const before = await reportStamp();
  const r = await cli(join(tmp, "cache"), "reproduce");
  assertEquals(r.code, 2, r.err);
  const all = (r.out + r.err).trimEnd();
  const lines = all.split("\n");
  assert(lines.length <= 15 && all.length <= 2000, `${lines.length} lines, ${all.length} bytes:\n${all}`);
  for (const ds of ["CUHK", "SBU", "MSD", "DUTS", "VOC2012"]) {
    assertEquals(lines.filter((l) => l.includes(`no ${ds} data here`)).length, 1, all);
  }
  assertMatch(
    all,
    /VOC2012 data here \(20 tasks: voc-aeroplane … voc-tvmonitor\): `deno task data --fetch` downloads 2\.00 GB/,
  );
  assertMatch(all, /segmenter mobilesam: 2 model file\(s\) missing \(44\.7 MB\)/);
  // data is missing first, so the last line is about data
  assertMatch(lines.at(-1)!, /^to fix: pass --data DIR .*`deno task data --fetch`.*--profile smoke/);
  assertEquals(await entries(join(tmp, "cache")), 0);
  assertEquals(await reportStamp(), before, "the last report must be left as it was");
  await Deno.remove(tmp, { recursive: true });
});

Deno.test("first contact: no task with data, bad --data, empty tasks/seeds, an empty test folder → exit 2, nothing built", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "alignsam-fc-" });
  const cache = join(tmp, "cache");
  const data = join(tmp, "data");
  // glass with one training pair and an empty test folder
  for (const d of ["train/images", "train/masks", "test/images", "test/masks"]) {
    await Deno.mkdir(join(data, "glass", d), { recursive: true });
  }
  const { encodeGrayPng } = await import("../core/image_io.ts");
  const png = await encodeGrayPng(4, 4, new Uint8Array(16).fill(255));
  await Deno.writeFile(join(data, "glass", "train", "images", "a.png"), png);
  await Deno.writeFile(join(data, "glass", "train", "masks", "a.png"), png);
  const file = join(tmp, "a-file");
  await Deno.writeTextFile(file, "");
  const before = await reportStamp();
  const smoke = ["reproduce", "--profile", "smoke"];
  const cases: [string[], RegExp][] = [
    [[...smoke, "--set", "tasks=blur,voc-cat"], /none of the 2 task\(s\)[\s\S]*\nto fix: pass --data DIR/],
    [
      [...smoke, "--data", join(tmp, "nowhere")],
      new RegExp(`--data ${join(tmp, "nowhere")}: no such folder`),
    ],
    [[...smoke, "--data", file], new RegExp(`--data ${file}: is a file, not a folder`)],
    [[...smoke, "--set", "tasks="], /tasks is empty/],
    [[...smoke, "--set", "seeds="], /seeds is empty/],
    [[...smoke, "--set", "tasks=glass", "--data", data], /glass: empty test split in /],
  ];
  for (const [args, re] of cases) {
    const r = await cli(cache, ...args);
    assertEquals(r.code, 2, `${args.join(" ")}:\n${r.err}`);
    assertMatch(r.err, re);
  }
  assertEquals(await entries(cache), 0);
  assertEquals(await reportStamp(), before, "the last report must be left as it was");
  await Deno.remove(tmp, { recursive: true });
});

Deno.test("first contact: smoke with no data runs the demo tasks; datasets and weights are named with sizes, never fetched", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "alignsam-fc-" });
  const cache = join(tmp, "cache");
  const first = await cli(cache, "reproduce", "--profile", "smoke", "--until", "preprocess");
  assertEquals(first.code, 0, first.err);
  assertMatch(
    first.err,
    /leaving out: no SBU data here \(shadow\): `deno task data --fetch` downloads ~286\.0 MB/,
  );
  assertEquals(first.err.match(/leaving out: no \w+ data here/g)?.length, 5, first.err);
  assertMatch(first.err, /\b3 item\(s\) built, 0 cached/);
  const again = await cli(cache, "reproduce", "--profile", "smoke", "--until", "preprocess");
  assertEquals(again.code, 0, again.err);
  assertMatch(again.err, /\b0 item\(s\) built, 3 cached/);

  // data here (the demo tasks), weights not: stop before building, say what --fetch would get
  const seg = await cli(
    cache,
    "reproduce",
    "--profile",
    "quick",
    "--set",
    "tasks=demo",
    "--set",
    "clip=none",
  );
  assertEquals(seg.code, 2, seg.err);
  assertMatch(seg.err, /segmenter mobilesam: 2 model file\(s\) missing \(44\.7 MB\)/);
  assertMatch(
    seg.err.trimEnd().split("\n").at(-1)!,
    /^to fix: add --fetch \(or run `deno task models --fetch`\)/,
  );
  assertEquals(await entries(cache), 3);
  for (const dir of ["data/downloads", "models"]) {
    const listed = await Array.fromAsync(Deno.readDir(join(cache, dir))).catch(() => []);
    assertEquals(listed.length, 0, `${dir} must stay empty without --fetch`);
  }
  await Deno.remove(tmp, { recursive: true });
});
