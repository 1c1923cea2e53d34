/**
 * `deno task bench [--only AREA]`: imports every bench/*.ts module (except main.ts, row.ts and _helpers),
 * calls its `bench()`, and prints one aligned table. A module that fails becomes an error row;
 * the others still run. Benchmarks live here, never inside unit tests.
 */
import { helpText, parseFlags, runMain } from "../cli/args.ts";
import type { BenchRow } from "./row.ts";

const FLAGS = {
  only: {
    type: "string" as const,
    multiple: false,
    doc: "run only this area (the bench/<area>.ts module; every row's area is its module's name)",
  },
};

function fmtValue(v: number): string {
  if (Number.isNaN(v)) return "-";
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : a >= 1 ? v.toFixed(2) : v.toPrecision(3);
}

/** The rows as an aligned text table. */
export function formatTable(rows: BenchRow[]): string {
  const head = ["area", "what", "value", "unit", "target", "ok"];
  const cells = rows.map((r) => [
    r.area,
    r.what,
    fmtValue(r.value),
    r.unit,
    r.target ?? "",
    r.ok === undefined ? "" : r.ok ? "yes" : "NO",
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) =>
    c.map((x, i) => (i === 2 ? x.padStart(widths[i]) : x.padEnd(widths[i]))).join(" | ").trimEnd();
  return [line(head), widths.map((w) => "-".repeat(w)).join("-|-"), ...cells.map(line)].join("\n");
}

async function modules(): Promise<string[]> {
  const dir = new URL(".", import.meta.url);
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    // "_name.ts": a helper of the benches, not one
    if (
      e.isFile && e.name.endsWith(".ts") && !e.name.startsWith("_") && e.name !== "main.ts" &&
      e.name !== "row.ts"
    ) {
      out.push(e.name);
    }
  }
  return out.sort();
}

if (import.meta.main) {
  runMain(async () => {
    const a = parseFlags("bench", Deno.args, FLAGS);
    if (a.values.help) {
      console.log(helpText("bench", "Run every bench/*.ts module and print one table.", FLAGS));
      return 0;
    }
    const only = a.values.only as string | undefined;
    const all = await modules();
    const chosen = only ? all.filter((m) => m === `${only}.ts`) : all;
    // at once: running every module to look for rows of an unknown area takes most of an hour
    if (only && !chosen.length) {
      const { UsageError } = await import("../core/errors.ts");
      throw new UsageError(
        `bench: --only ${only} matches no module (areas: ${
          all.map((m) => m.replace(/\.ts$/, "")).join(", ")
        })`,
      );
    }
    const rows: BenchRow[] = [];
    let failed = 0;
    for (const m of chosen) {
      const area = m.replace(/\.ts$/, "");
      console.error(`bench: ${area} …`);
      try {
        const mod = await import(new URL(m, import.meta.url).href);
        if (typeof mod.bench !== "function") throw new Error(`bench/${m} exports no bench()`);
        rows.push(...(await mod.bench()) as BenchRow[]);
      } catch (e) {
        failed++;
        const msg = String((e as Error).message ?? e).split("\n")[0];
        rows.push({ area, what: `ERROR: ${msg}`.slice(0, 100), value: NaN, unit: "", ok: false });
      }
    }
    console.log(formatTable(rows));
    return failed ? 1 : 0;
  });
}
