/** cli/publish.ts: the published folder holds exactly this run's report files, each replaced atomically. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { publishEntry } from "../cli/publish.ts";
import { ENTRY_META } from "../pipeline/store.ts";
import { PROVENANCE_SLOT } from "../reports/html.ts";

const CREATED = "2026-01-02T03:04:05.000Z";

/** A report entry folder holding `files` (relative path → content) and its metadata. */
async function entry(
  files: Record<string, string>,
  meta: object = { created: CREATED, inputs: [] },
): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "report-entry-" });
  for (const [f, text] of Object.entries({ ...files, [ENTRY_META]: JSON.stringify(meta) })) {
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
    "report.html": `page 1${PROVENANCE_SLOT}`,
    "supp-2.svg": "<svg>1</svg>",
    "main-5.csv": "a,b",
    "traces/glass/0.png": "png",
  });
  await Deno.mkdir(join(root, "out"), { recursive: true });
  await Deno.writeTextFile(join(root, "out", "photo.mask.png"), "not the report's"); // e.g. segment --out out/
  assert.equal(await publishEntry(first, out, "deno task reproduce"), out);
  assert.deepEqual(listing(join(root, "out")), [
    ".report.html.published.json",
    "main-5.csv",
    "photo.mask.png",
    "report.html",
    "supp-2.svg",
    "traces/glass/0.png",
  ]);
  const second = await entry({ "report.html": `page 2${PROVENANCE_SLOT}`, "supp-2.svg": "<svg>2</svg>" });
  await publishEntry(second, out, "deno task reproduce");
  assert.deepEqual(listing(join(root, "out")), [
    ".report.html.published.json",
    "photo.mask.png",
    "report.html",
    "supp-2.svg",
  ]);
  assert.match(await Deno.readTextFile(out), /^page 2<h2 id="times">Run<\/h2>/);
  assert.equal(await Deno.readTextFile(join(root, "out", "supp-2.svg")), "<svg>2</svg>");
  for (const d of [first, second, root]) await Deno.remove(d, { recursive: true });
});

Deno.test("publish: report.html is replaced by a rename (a reader keeps a whole old page), no temp file left", async () => {
  const root = await Deno.makeTempDir({ prefix: "publish-" });
  const out = join(root, "report.html");
  const a = await entry({ "report.html": `old page${PROVENANCE_SLOT}` });
  const b = await entry({ "report.html": `new page${PROVENANCE_SLOT}` });
  await publishEntry(a, out, "x");
  using reader = await Deno.open(out); // opened before the second publish
  const inodeBefore = (await Deno.stat(out)).ino;
  await publishEntry(b, out, "x");
  assert.notEqual((await Deno.stat(out)).ino, inodeBefore, "a new file renamed into place, not overwritten");
  const buf = new Uint8Array(12);
  const n = (await reader.read(buf)) ?? 0;
  assert.equal(new TextDecoder().decode(buf.subarray(0, n)), "old page<h2 ");
  assert.match(await Deno.readTextFile(out), /^new page<h2/);
  assert.deepEqual(listing(root), [".report.html.published.json", "report.html"]);
  const none = await entry({ "a.svg": "" });
  await assert.rejects(() => publishEntry(none, join(root, "x.html"), "x"), /wrote no report\.html/);
  for (const d of [a, b, none, root]) await Deno.remove(d, { recursive: true });
});

Deno.test("publish: the page gets the command, the entry's build time and its inputs' wall times; the entry keeps its slot", async () => {
  const entries = await Deno.makeTempDir({ prefix: "publish-entries-" });
  const input = join(entries, "k1");
  await Deno.mkdir(input);
  await Deno.writeTextFile(
    join(input, ENTRY_META),
    JSON.stringify({ stage: "train-agent", item: { task: "glass", seed: 0 }, wallSeconds: 12.345 }),
  );
  const report = join(entries, "k2");
  await Deno.mkdir(report);
  const page = `<body>${PROVENANCE_SLOT}</body>`;
  await Deno.writeTextFile(join(report, "report.html"), page);
  await Deno.writeTextFile(
    join(report, ENTRY_META),
    JSON.stringify({ created: CREATED, inputs: [{ key: "k1" }] }),
  );
  const out = join(entries, "out", "report.html");
  await publishEntry(report, out, "deno task reproduce --profile smoke");
  const html = await Deno.readTextFile(out);
  assert.ok(!html.includes(PROVENANCE_SLOT), "the slot is filled");
  assert.ok(html.includes("<code>deno task reproduce --profile smoke</code>"));
  assert.ok(html.includes(CREATED));
  assert.match(html, /<td>train-agent<\/td><td>seed=0,task=glass<\/td><td>12\.35<\/td>/);
  assert.equal(await Deno.readTextFile(join(report, "report.html")), page, "the cached entry is untouched");
  // a page without the slot (another app's report stage) is published as written; two slots are refused
  await Deno.writeTextFile(join(report, "report.html"), "<body></body>");
  await publishEntry(report, out, "x");
  assert.equal(await Deno.readTextFile(out), "<body></body>");
  await Deno.writeTextFile(join(report, "report.html"), `<body>${PROVENANCE_SLOT}${PROVENANCE_SLOT}</body>`);
  await assert.rejects(() => publishEntry(report, out, "x"), /provenance slot/);
  await Deno.remove(entries, { recursive: true });
});
