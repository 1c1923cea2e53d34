/** publishReport without Chromium: files beside report.html, and a run with nothing in it. */
import assert from "node:assert/strict";
import { basename } from "node:path";
import { publishReport } from "../reports/publish.ts";
import type { ReportInput } from "../reports/data.ts";
import { SYNTHETIC_PROVENANCE, syntheticReportInput } from "../reports/synthetic.ts";
import { listFiles } from "../pipeline/store.ts";
import { PROVENANCE_SLOT } from "../reports/html.ts";

const TABLES = ["supp-3", "supp-4", "supp-5", "main-2", "main-3", "main-4", "main-5"];

Deno.test("an empty run still publishes every table with reasons, never blanks, NaN or undefined", async () => {
  const input: ReportInput = {
    run: {
      profile: "empty",
      segmenter: { id: "sam-vit-b", label: "SAM ViT-B", isSam: true },
      clip: "ViT-B/16",
      datasets: {},
      dataHashes: {},
      config: {},
    },
    evals: [],
    persam: [],
    training: [],
    traces: [],
    missing: [{ table: "supp-fig-1", cell: "*", reason: "fig1Examples = 0" }],
    skipped: [],
  };
  const dir = await Deno.makeTempDir();
  const { html, files } = await publishReport(input, dir);
  const page = await Deno.readTextFile(html);
  const body = page.slice(0, page.indexOf("<script>"));
  for (const t of TABLES) assert.ok(body.includes(`<section id="${t}">`), t);
  assert.ok(!/\bNaN\b|\bundefined\b/.test(body));
  assert.ok(!body.includes("weight-free (not SAM)")); // SAM: no banner
  assert.ok(body.includes("fig1Examples = 0"));
  assert.ok(body.includes("task blur not run in this profile"));
  assert.ok(!/<td class="cell[^"]*"[^>]*><div class="ours"><\/div>/.test(body), "an empty cell");
  const names = files.map((f) => basename(f));
  for (const t of TABLES) {
    for (const ext of [".csv", ".svg", ".vl.json"]) assert.ok(names.includes(t + ext), t + ext);
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("the page fetches nothing: no external src/href, a CSP that forbids connections", async () => {
  const dir = await Deno.makeTempDir();
  const { html, files } = await publishReport(await syntheticReportInput(), dir);
  const page = await Deno.readTextFile(html);
  assert.ok(page.includes("default-src 'none'"));
  assert.ok(!/<script[^>]+src=/i.test(page));
  assert.ok(!/<link[^>]+href=/i.test(page));
  assert.ok(!/<(img|image)[^>]+(src|href)="(?!data:)/i.test(page));
  // Fig. 1 strip written as its own SVG, tiles as data URIs
  const strip = files.find((f) => basename(f).startsWith("supp-fig-1-"))!;
  assert.match(
    await Deno.readTextFile(strip),
    /^<svg[^>]*class="strip"[\s\S]*href="data:image\/jpeg;base64,/,
  );
  const csv = await Deno.readTextFile(files.find((f) => basename(f) === "supp-3.csv")!);
  assert.match(csv, /supp-3,RL\+SCLIP,voc-bottle:iou,bottle IoU,iou,,,0,,45\.64,,needs CLIP weights,/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("publishReport: the same input gives byte-identical files, later and elsewhere; provenance only when given", async () => {
  const input = await syntheticReportInput();
  const a = await Deno.makeTempDir(), b = await Deno.makeTempDir(), c = await Deno.makeTempDir();
  await publishReport(input, a);
  await new Promise((r) => setTimeout(r, 1100)); // a clock read anywhere would now differ
  await publishReport(input, b);
  const files = await listFiles(a);
  assert.deepEqual(await listFiles(b), files);
  for (const f of files) {
    assert.deepEqual(await Deno.readFile(`${b}/${f}`), await Deno.readFile(`${a}/${f}`), f);
  }
  const bare = await Deno.readTextFile(`${a}/report.html`);
  assert.equal(bare.split(PROVENANCE_SLOT).length, 2, "one empty provenance slot");
  assert.ok(!bare.includes(SYNTHETIC_PROVENANCE.command));
  await publishReport(input, c, SYNTHETIC_PROVENANCE);
  const full = await Deno.readTextFile(`${c}/report.html`);
  assert.ok(!full.includes(PROVENANCE_SLOT));
  assert.ok(full.includes(`<code>${SYNTHETIC_PROVENANCE.command}</code>`));
  assert.match(full, /<td>train-agent<\/td><td>2<\/td><td>24\.0<\/td>/); // 12.25 + 11.75 over 2 items
  for (const d of [a, b, c]) await Deno.remove(d, { recursive: true });
});
