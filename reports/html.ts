/**
 * The report's HTML: run header, one section per table (HTML table + chart) and figure, and the
 * inline script that renders the pre-compiled Vega specs with the inlined vega runtime. A CSP
 * meta tag forbids every network fetch, so a report that opens from disk is really offline.
 */
import type { ReportInput, RunProvenance } from "./data.ts";
import type { ReportFigure } from "./figures/charts.ts";
import { allCells, cellText, columnLabel, type ReportTable } from "./tables/model.ts";
import { type ClaimRow, type claimSummary, columnMetric, paperPair } from "./claims.ts";
import { decimalsFor, formatStat } from "./data.ts";

/** How the demo tasks' dataset name starts (data/demo/folder.ts DEMO_DATASET). */
const DEMO_HEAD = "synthetic demo tasks";

export function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** JSON safe inside <script>: no "</script", no U+2028/9 surprises. */
export function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(
    /\u2029/g,
    "\\u2029",
  );
}

const CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:0 auto;max-width:1400px;padding:16px 24px;color:#222}
h1{font-size:22px;margin:0 0 8px}h2{font-size:18px;margin:28px 0 4px;border-bottom:1px solid #ddd}
.banner{background:#fff3cd;border:2px solid #e0a800;padding:8px 12px;font-weight:600;margin:8px 0}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #ddd;padding:3px 6px;vertical-align:top}
th{background:#f4f4f4;font-weight:600;text-align:left}td.cell{min-width:92px}
.ours{font-weight:600;font-variant-numeric:tabular-nums}.ref{color:#666;font-size:12px}
.note{color:#8a5a00;font-size:11px}.missing .ours{color:#a33;font-weight:400;font-style:italic}
.caption{color:#555;margin:2px 0 6px}.files{font-size:12px;color:#555}.chart{margin:8px 0}
.strip-wrap{overflow-x:auto;margin:6px 0 14px}.kv td:first-child{font-weight:600;white-space:nowrap}
pre{background:#f7f7f7;padding:8px;overflow-x:auto;font-size:12px}
.fig-missing{color:#a33;font-style:italic}
.verdict.ok{background:#e3f4e1}.verdict.weak{background:#f7f3d9}.verdict.bad{background:#f8e0e0}.verdict.na{color:#777}`;

function kvTable(rows: [string, string][]): string {
  return `<table class="kv">${
    rows.map(([k, v]) => `<tr><td>${esc(k)}</td><td>${v}</td></tr>`).join("")
  }</table>`;
}

/** Wall time per stage (sum over its items), with the items in a <details>. */
function stageTimes(p: RunProvenance): string {
  const by = new Map<string, { s: number; n: number }>();
  for (const t of p.stageTimes) {
    const e = by.get(t.stage) ?? { s: 0, n: 0 };
    by.set(t.stage, { s: e.s + t.seconds, n: e.n + 1 });
  }
  const total = [...by.values()].reduce((a, b) => a + b.s, 0);
  const rows = [...by].map(([st, e]) =>
    `<tr><td>${esc(st)}</td><td>${e.n}</td><td>${e.s.toFixed(1)}</td></tr>`
  );
  const items = p.stageTimes.map((t) =>
    `<tr><td>${esc(t.stage)}</td><td>${esc(t.item)}</td><td>${t.seconds.toFixed(2)}</td></tr>`
  );
  return `<table><tr><th>stage</th><th>items</th><th>wall s</th></tr>${rows.join("")}` +
    `<tr><td><b>total</b></td><td></td><td><b>${total.toFixed(1)}</b></td></tr></table>` +
    `<details><summary>per item</summary><table><tr><th>stage</th><th>item</th><th>s</th></tr>${
      items.join("")
    }</table></details>`;
}

/**
 * Where the run's provenance (command, build time, wall times) goes in report.html. The report
 * stage leaves it empty, so that its entry holds only what the results determine and the SLURM
 * and local builds of one DAG are byte-identical (issue 13 point 3); publishing fills it in.
 */
export const PROVENANCE_SLOT = "<!--alignsam:run-provenance-->";

/** The "Run" section: the command, when the report was built, the wall time per stage. */
export function provenanceHtml(p: RunProvenance): string {
  return `<h2 id="times">Run</h2>` + kvTable([
    ["command", `<code>${esc(p.command)}</code>`],
    ["created", esc(p.createdAt)],
  ]) +
    `<h3>Wall time per stage</h3>` +
    // each item's own wall time as its entry recorded it; with --jobs N items overlap, so the
    // run's elapsed time is less than the total
    `<p>Sum of each item's wall time when it was built (items run side by side with --jobs overlap).</p>` +
    stageTimes(p);
}

/**
 * `html` (a page from pageHtml) with its provenance slot filled. A page with no slot (another app's
 * report stage, on the same generic CLI) is returned as written; a slot twice is an error.
 */
export function withProvenance(html: string, p: RunProvenance): string {
  const at = html.indexOf(PROVENANCE_SLOT);
  if (at < 0) return html;
  if (html.indexOf(PROVENANCE_SLOT, at + 1) >= 0) {
    throw new Error(`report.html holds the provenance slot ${PROVENANCE_SLOT} more than once`);
  }
  return html.slice(0, at) + provenanceHtml(p) + html.slice(at + PROVENANCE_SLOT.length);
}

/**
 * The run header: profile, segmenter (flagged when not SAM), CLIP, data actually read, hashes,
 * and the provenance slot; `top` (the claims section) goes right under the title and banner.
 */
export function headerHtml(input: ReportInput, top = ""): string {
  const r = input.run;
  // A substitute's label says what it is ("weight-free (not SAM)", "stand-in (MobileNetV2
  // features), not SAM"); anything else not SAM still gets the words.
  const notSam = /not SAM/.test(r.segmenter.label) ? "" : " — not SAM";
  const seg = r.segmenter.isSam
    ? esc(`${r.segmenter.label} (${r.segmenter.id})`)
    : `<b>${esc(r.segmenter.label)} (${esc(r.segmenter.id)})${notSam}</b>`;
  const banner = r.segmenter.isSam
    ? ""
    : `<div class="banner">Segmenter: ${esc(r.segmenter.label)}${notSam}. ` +
      `Numbers here measure the method on a substitute segmenter, not on SAM.</div>`;
  const datasets = Object.entries(r.datasets).map(([t, d]) => `${esc(t)}: ${esc(d)}`).join("<br>");
  const hashes = Object.entries(r.dataHashes).map(([k, h]) =>
    `<tr><td>${esc(k)}</td><td><code>${esc(h)}</code></td></tr>`
  );
  const skipped = input.skipped.map((s) => `<li>${esc(s.task)}: ${esc(s.path)} — ${esc(s.reason)}</li>`).join(
    "",
  );
  // data/demo names its dataset "synthetic demo tasks, not the paper's datasets (…)"
  const demo = Object.entries(r.datasets).filter(([, d]) => d.startsWith(DEMO_HEAD)).map(([t]) => t);
  const allDemo = demo.length > 0 && demo.length === Object.keys(r.datasets).length;
  const demoBanner = demo.length
    ? `<div class="banner">${allDemo ? "" : `${esc(demo.join(", "))}: `}${DEMO_HEAD}, not the paper's ` +
      `datasets. Their numbers show the method running and learning on generated images; they are not ` +
      `comparable with the paper's.</div>`
    : "";
  const title = `AlignSAM reproduction report${allDemo ? ` — ${DEMO_HEAD}, not the paper's datasets` : ""}`;
  return `<h1>${title}</h1>${demoBanner}${banner}${top}` + kvTable([
    ["profile", esc(r.profile)],
    ["segmenter", seg],
    ["CLIP", r.clip ? esc(r.clip) : "none (explicit branch and SCLIP cells need CLIP weights)"],
    ["datasets read", datasets || "—"],
  ]) +
    `<details><summary>data manifest hashes (${hashes.length})</summary><table>${
      hashes.join("")
    }</table></details>` +
    (skipped
      ? `<details><summary>skipped pairs (${input.skipped.length})</summary><ul>${skipped}</ul></details>`
      : "") +
    PROVENANCE_SLOT +
    (r.dag ? `<details><summary>DAG</summary><pre>${esc(r.dag)}</pre></details>` : "");
}

function fileLinks(files: string[]): string {
  return `<div class="files">files: ${
    files.map((f) => `<a href="${esc(f)}">${esc(f)}</a>`).join(" · ")
  }</div>`;
}

/** One table: ours (mean ± std, seeds on hover), the paper's number, the difference, or the reason it is empty. */
export function tableHtml(t: ReportTable, files: string[]): string {
  const head = `<tr><th></th>${t.columns.map((c) => `<th>${esc(c.label)}</th>`).join("")}</tr>`;
  const body = t.rows.map((row, i) => {
    const tds = t.cells[i].map((c) => {
      const x = cellText(c);
      const ref = c.paper ? `paper ${x.paper}${x.diff ? ` · Δ ${x.diff}` : ""}` : "not in paper";
      const note = c.note ? `<div class="note">${esc(c.note)}</div>` : "";
      return `<td class="cell${c.ours ? "" : " missing"}" title="${esc(x.seeds || x.ours)}">` +
        `<div class="ours">${esc(x.ours)}</div><div class="ref">${esc(ref)}</div>${note}</td>`;
    });
    return `<tr><th>${esc(row)}</th>${tds.join("")}</tr>`;
  });
  const n = allCells(t).filter((c) => c.ours).length;
  return `<section id="${esc(t.id)}"><h2>${esc(t.title)}</h2><div class="caption">${esc(t.caption)} ` +
    `(${n} of ${allCells(t).length} cells produced; hover a cell for the seeds' values)</div>` +
    `<table>${head}${body.join("")}</table><div class="chart" id="chart-${esc(t.id)}"></div>${
      fileLinks(files)
    }</section>`;
}

export function figureHtml(f: ReportFigure, files: string[]): string {
  const charts = f.charts.map((c) => `<div class="chart" id="chart-${esc(c.id)}"></div>`).join("");
  const strips = (f.strips ?? []).map((s) =>
    `<div class="strip-title">${esc(s.title)}</div><div class="strip-wrap">${s.svg}</div>`
  )
    .join("");
  const missing = f.missing ? `<div class="fig-missing">— ${esc(f.missing)}</div>` : "";
  return `<section id="${esc(f.id)}"><h2>${esc(f.title)}</h2><div class="caption">${esc(f.caption)}</div>` +
    `${missing}${charts}${strips}${files.length ? fileLinks(files) : ""}</section>`;
}

/** The whole page; `vegaJs` is the vega runtime's source, `specs` chart id → compiled Vega spec. */
export function pageHtml(
  body: string,
  vegaJs: string,
  specs: Record<string, unknown>,
  toc: [string, string][],
): string {
  const csp =
    "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data:";
  const nav = `<nav>${toc.map(([id, t]) => `<a href="#${esc(id)}">${esc(t)}</a>`).join(" · ")}</nav>`;
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">` +
    `<meta http-equiv="Content-Security-Policy" content="${csp}"><title>AlignSAM report</title>` +
    `<style>${CSS}</style></head><body>${nav}${body}` +
    `<script>${vegaJs.replace(/<\/script/gi, "<\\/script")}</script>` +
    `<script>
const SPECS = ${scriptJson(specs)};
window.__charts = {};
for (const [id, spec] of Object.entries(SPECS)) {
  const el = document.getElementById("chart-" + id);
  if (!el) { console.error("no container for chart " + id); continue; }
  window.__charts[id] = new vega.View(vega.parse(spec), { renderer: "svg", container: el, hover: true })
    .runAsync().then(() => el.setAttribute("data-rendered", "1"))
    .catch((e) => { console.error("chart " + id + ": " + e); el.setAttribute("data-rendered", "error"); });
}
</script></body></html>`;
}

const VERDICT_CLASS: Record<string, string> = {
  "holds": "ok",
  "holds within spread": "weak",
  "holds, 1 seed": "weak",
  "fails": "bad",
  "cannot test": "na",
};

/**
 * "Does it reproduce the paper's claims?" (reports/claims.ts): a summary line per claim, then
 * every task's comparison with both sides' mean ± std, the paper's pair and the verdict; the GT
 * ceiling (a diagnostic, not a paper claim) in its own table when the run has it.
 */
export function claimsHtml(
  rows: ClaimRow[],
  summary: ReturnType<typeof claimSummary>,
  ceiling: ClaimRow[],
): string {
  const sum = summary.map((s) =>
    `<li><b>${esc(s.claim)}</b>: holds on ${s.holds}, fails on ${s.fails}, cannot test ${s.untested}</li>`
  ).join("");
  const table = (rs: ClaimRow[]) =>
    `<table><tr><th>claim</th><th>column</th><th>claimed better</th><th>other</th><th>paper</th>` +
    `<th>this run</th></tr>${
      rs.map((r) => {
        const dec = decimalsFor(columnMetric(r.column));
        const cellOf = (s: ClaimRow["a"]) =>
          `<td>${esc(s.label)}<div class="ours">${s.ours ? esc(formatStat(s.ours, dec)) : "—"}</div></td>`;
        const paper = paperPair(r) ?? "—";
        return `<tr><td>${esc(r.claim)}</td><td>${esc(columnLabel(r.column))}</td>${cellOf(r.a)}${
          cellOf(r.b)
        }` +
          `<td>${esc(paper)}</td><td class="verdict ${VERDICT_CLASS[r.verdict]}">${esc(r.verdict)}${
            r.note ? `<div class="note">${esc(r.note)}</div>` : ""
          }</td></tr>`;
      }).join("")
    }</table>`;
  const gt = ceiling.length
    ? `<h3>Diagnostic, not a paper claim: ground-truth labels (the ceiling of any labeller)</h3>${
      table(ceiling)
    }`
    : `<p class="caption">The GT-label ceiling was not run (add gt to --set variants=… to see it).</p>`;
  return `<section id="claims"><h2>Does it reproduce the paper's claims?</h2><div class="caption">` +
    `Each ordering the paper claims, per task, on this run's segmenter (see the header). ` +
    `"holds": better by more than the seeds' spread √(std²+std²); "within spread": better by less; ` +
    `"fails": not better (lower is better for MAE and BER).</div><ul>${sum}</ul>${
      table(rows)
    }${gt}</section>`;
}
