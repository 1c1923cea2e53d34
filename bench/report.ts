/**
 * Report benchmarks: publishing a paper-scale synthetic input (the 4 binary tasks and 20 VOC
 * classes × 3 seeds, 10 Fig. 1 traces of 256×192 with 16 steps) — tables, charts rendered to
 * SVG headless, strips tinted with sharp, one self-contained report.html.
 */
import type { BenchRow } from "./row.ts";
import { publishReport } from "../reports/publish.ts";
import { syntheticReportInput, syntheticTrace } from "../reports/synthetic.ts";
import { VOC_CLASSES } from "../data/tasks.ts";

export async function bench(): Promise<BenchRow[]> {
  const input = await syntheticReportInput([0, 1, 2]);
  const bottle = input.evals.filter((e) => e.task === "voc-bottle");
  for (const c of VOC_CLASSES.filter((c) => c !== "bottle" && c !== "car")) {
    input.evals.push(...bottle.map((e) => ({ ...e, task: `voc-${c}` })));
  }
  input.traces = await Promise.all(
    Array.from({ length: 10 }, (_, i) => syntheticTrace(256, 192, 16, `synthetic_${i}`)),
  );
  const out = await Deno.makeTempDir({ prefix: "alignsam-bench-report-" });
  try {
    const t0 = performance.now();
    const { html, files } = await publishReport(input, out);
    const s = (performance.now() - t0) / 1000;
    const mb = (await Deno.stat(html)).size / 2 ** 20;
    return [
      {
        area: "report",
        what: `publish ${input.evals.length} eval rows, 10 traces × 16 steps (${files.length} files)`,
        value: s,
        unit: "s",
        target: "< 30 s",
        ok: s < 30,
      },
      { area: "report", what: "report.html size (vega + images inlined)", value: mb, unit: "MiB" },
    ];
  } finally {
    await Deno.remove(out, { recursive: true });
  }
}

if (import.meta.main) console.table(await bench());
