/** cli/publish.ts: the published folder holds exactly this run's report files, each replaced atomically. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { publishEntry } from "../cli/publish.ts";
import { ENTRY_META } from "../pipeline/store.ts";

/** A report entry folder holding `files` (relative path → content) and its metadata. */
async function entry(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "report-entry-" });
  for (const [f, text] of Object.entries({ ...files, [ENTRY_META]: "{}" })) {
    await Deno.mkdir(join(dir, f, ".."), { recursive: true });
    await Deno.writeTextFile(join(dir, f), text);
  }
  return dir;
}

const listing = (dir: string): string[] => {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of Deno.readDirSync(d)) {
      if (e.isDirectory) walk(join(d, e.name), `${rel}${e.name}/`);
      else out.push(`${rel}${e.name}`);
    }
  };
  walk(dir, "");
  return out.sort();
};

Deno.test("publish: a second run's report leaves no stale figure of the first; other files stay", async () => {
  const root = await Deno.makeTempDir({ prefix: "publish-" });
  const out = join(root, "out", "report.html");
  const first = await entry({
    "report.html": "page 1",
    "supp-2.svg": "<svg>1</svg>",
    "main-5.csv": "a,b",
    "traces/glass/0.png": "png",
  });
  await Deno.mkdir(join(root, "out"), { recursive: true });
  await Deno.writeTextFile(join(root, "out", "photo.mask.png"), "not the report's"); // e.g. segment --out out/
  assert.equal(await publishEntry(first, out), out);
  assert.deepEqual(listing(join(root, "out")), [
    ".report.html.published.json",
    "main-5.csv",
    "photo.mask.png",
    "report.html",
    "supp-2.svg",
    "traces/glass/0.png",
  ]);
  const second = await entry({ "report.html": "page 2", "supp-2.svg": "<svg>2</svg>" });
  await publishEntry(second, out);
  assert.deepEqual(listing(join(root, "out")), [
    ".report.html.published.json",
    "photo.mask.png",
    "report.html",
    "supp-2.svg",
  ]);
  assert.equal(await Deno.readTextFile(out), "page 2");
  assert.equal(await Deno.readTextFile(join(root, "out", "supp-2.svg")), "<svg>2</svg>");
  for (const d of [first, second, root]) await Deno.remove(d, { recursive: true });
});

Deno.test("publish: report.html is replaced by a rename (a reader keeps a whole old page), no temp file left", async () => {
  const root = await Deno.makeTempDir({ prefix: "publish-" });
  const out = join(root, "report.html");
  const a = await entry({ "report.html": "old page" });
  const b = await entry({ "report.html": "new page" });
  await publishEntry(a, out);
  using reader = await Deno.open(out); // opened before the second publish
  const inodeBefore = (await Deno.stat(out)).ino;
  await publishEntry(b, out);
  assert.notEqual((await Deno.stat(out)).ino, inodeBefore, "a new file renamed into place, not overwritten");
  const buf = new Uint8Array(64);
  const n = (await reader.read(buf)) ?? 0;
  assert.equal(new TextDecoder().decode(buf.subarray(0, n)), "old page");
  assert.equal(await Deno.readTextFile(out), "new page");
  assert.deepEqual(listing(root), [".report.html.published.json", "report.html"]);
  const none = await entry({ "a.svg": "" });
  await assert.rejects(() => publishEntry(none, join(root, "x.html")), /wrote no report\.html/);
  for (const d of [a, b, none, root]) await Deno.remove(d, { recursive: true });
});
