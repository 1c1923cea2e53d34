/**
 * publishReport: every table and figure of the report from a ReportInput into `outDir` —
 * one self-contained report.html (vega runtime, CSS, images inlined; no network), and beside it
 * each table as CSV, each chart as SVG (vega rendered headless) and its Vega-Lite spec as JSON.
 */
import { join } from "node:path";
import * as vl from "vega-lite";
import * as vega from "vega";
import type { ReportInput, RunProvenance } from "./data.ts";
import { type ReportFigure, suppFigure2, trainingFigure } from "./figures/charts.ts";
import { suppFigure1 } from "./figures/fig1.ts";
import { claimsHtml, figureHtml, headerHtml, pageHtml, tableHtml, withProvenance } from "./html.ts";
import { claimRows, claimSummary, claimText, gtCeilingRows } from "./claims.ts";
import { type ReportTable, tableChartSpec, tableCsv, type VlSpec } from "./tables/model.ts";
import { suppTable3, suppTable4, suppTable5 } from "./tables/supp.ts";
import { mainTable2, mainTable3, mainTable4, mainTable5 } from "./tables/main.ts";

/** The vega runtime inlined into the page (vega-lite is compiled here, so the page needs vega only). */
const VEGA_JS = new URL("../node_modules/vega/build/vega.min.js", import.meta.url);

/** Every table of the report, in reading order. */
export function buildTables(input: ReportInput): ReportTable[] {
  return [
    suppTable3(input),
    suppTable4(input),
    suppTable5(input),
    mainTable2(input),
    mainTable3(input),
    mainTable4(input),
    mainTable5(input),
  ];
}

/** Every figure of the report. */
export async function buildFigures(input: ReportInput): Promise<ReportFigure[]> {
  return [await suppFigure1(input), suppFigure2(input), trainingFigure(input)];
}

/** Vega-Lite → Vega (so the page needs only the vega runtime). */
export function compileSpec(spec: VlSpec): vega.Spec {
  return vl.compile(spec as vl.TopLevelSpec).spec;
}

/** A compiled spec rendered to SVG headless (renderer "none": no DOM, no canvas). */
export async function specToSvg(spec: vega.Spec): Promise<string> {
  const view = new vega.View(vega.parse(spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

async function readVega(): Promise<string> {
  try {
    return await Deno.readTextFile(VEGA_JS);
  } catch (e) {
    throw new Error(
      `publishReport: cannot read the vega runtime at ${VEGA_JS.pathname} (run \`deno install\`): ${
        (e as Error).message
      }`,
    );
  }
}

/**
 * Write report.html and its CSV/SVG/JSON companions into outDir (created if missing). Without
 * `provenance` (the report stage) the page's provenance slot stays empty, so every file depends
 * on the results only; publishing the entry fills it (cli/publish.ts).
 * @example const { html, files } = await publishReport(input, "out/report", provenance);
 */
export async function publishReport(
  input: ReportInput,
  outDir: string,
  provenance?: RunProvenance,
): Promise<{ html: string; files: string[] }> {
  await Deno.mkdir(outDir, { recursive: true });
  const files: string[] = [];
  const write = async (name: string, content: string) => {
    await Deno.writeTextFile(join(outDir, name), content);
    files.push(join(outDir, name));
  };
  const specs: Record<string, unknown> = {};
  const chart = async (id: string, spec: VlSpec): Promise<string[]> => {
    const compiled = compileSpec(spec);
    specs[id] = compiled;
    await write(`${id}.vl.json`, JSON.stringify(spec, null, 1));
    await write(`${id}.svg`, await specToSvg(compiled));
    return [`${id}.svg`, `${id}.vl.json`];
  };
  const claims = claimRows(input), ceiling = gtCeilingRows(input);
  await write("claims.txt", [...claims, ...ceiling].map(claimText).join("\n") + "\n");
  const sections: string[] = [headerHtml(input, claimsHtml(claims, claimSummary(claims), ceiling))];
  const toc: [string, string][] = [["claims", "claims"], ["times", "run"]];
  for (const t of buildTables(input)) {
    await write(`${t.id}.csv`, tableCsv(t));
    const own = [`${t.id}.csv`, ...await chart(t.id, tableChartSpec(t))];
    sections.push(tableHtml(t, own));
    toc.push([t.id, t.id]);
  }
  for (const f of await buildFigures(input)) {
    const own: string[] = [];
    for (const c of f.charts) own.push(...await chart(c.id, c.spec));
    for (const s of f.strips ?? []) {
      await write(`${s.id}.svg`, s.svg);
      own.push(`${s.id}.svg`);
    }
    sections.push(figureHtml(f, own));
    toc.push([f.id, f.id]);
  }
  const html = join(outDir, "report.html");
  const page = pageHtml(sections.join("\n"), await readVega(), specs, toc);
  await Deno.writeTextFile(html, provenance ? withProvenance(page, provenance) : page);
  return { html, files };
}
