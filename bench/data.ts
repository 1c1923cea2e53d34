/**
 * Data benchmarks (issue 4): listing + loading + validating one task's 150 pairs (glass: GDD,
 * 1280×1024 JPEGs in ../shared/data), at 1, 2 and 4 pairs decoded at a time, and the whole
 * preprocess stage for that task (load, validate, hash, write the entry).
 */
import type { BenchRow } from "./row.ts";
import { getTask } from "../data/tasks.ts";
import { findTaskIn, listTaskPairs } from "../data/root.ts";
import { checkNotEmpty, loadPairs } from "../data/validate.ts";
import { preprocessStage } from "../stages/preprocess.ts";
import { SHARED_DATA } from "../tests/_shared.ts";

export async function bench(): Promise<BenchRow[]> {
  const task = getTask("glass");
  const td = await findTaskIn({ path: SHARED_DATA, source: "--data / ALIGNSAM_DATA" }, task);
  if (!td) throw new Error(`bench data: no glass task under ${SHARED_DATA}`);
  const rows: BenchRow[] = [];
  for (const concurrency of [1, 2, 4]) {
    const t0 = performance.now();
    let n = 0;
    for (const split of ["train", "test"] as const) {
      const list = await listTaskPairs(td, split);
      checkNotEmpty(list, split);
      n += (await loadPairs(list.pairs, `glass ${split}`, { concurrency, keep: false })).skipped.length === 0
        ? list.pairs.length
        : 0;
    }
    const s = (performance.now() - t0) / 1000;
    rows.push({
      area: "data",
      what: `load+validate glass ${n} pairs (GDD 1280×1024), ${concurrency} at a time`,
      value: s,
      unit: "s",
    });
  }
  const out = await Deno.makeTempDir({ prefix: "alignsam-bench-data-" });
  const old = Deno.env.get("ALIGNSAM_DATA");
  Deno.env.set("ALIGNSAM_DATA", SHARED_DATA);
  try {
    const t0 = performance.now();
    await preprocessStage.run({
      item: { task: "glass" },
      params: { trainCount: 50, testCount: 0, skipBad: false, rebinarize: false },
      input: () => out,
      inputs: [],
      outDir: out,
      progress: () => {},
      log: () => {},
      memo: async (_k, make) => await make(),
      signal: new AbortController().signal,
      codeHash: "preprocess code (bench)",
      note: () => {},
    });
    rows.push({
      area: "data",
      what: "preprocess stage, glass 50+100 (load, validate, hash, write entry)",
      value: (performance.now() - t0) / 1000,
      unit: "s",
    });
    const t1 = performance.now();
    await preprocessStage.fingerprint!({ task: "glass" }, {});
    rows.push({
      area: "data",
      what: "preprocess fingerprint, glass (stat 300 files)",
      value: performance.now() - t1,
      unit: "ms",
    });
  } finally {
    old === undefined ? Deno.env.delete("ALIGNSAM_DATA") : Deno.env.set("ALIGNSAM_DATA", old);
    await Deno.remove(out, { recursive: true });
  }
  return rows;
}
