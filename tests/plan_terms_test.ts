/**
 * The cost model's further terms (pipeline/calibration.ts): a stage priced as start-up + per
 * unit + a rate per term (alignsam: megapixels, stages/cost.ts STAGE_TERMS) is fitted by
 * non-negative least squares, and a calibration that does not price a stage's terms (made
 * before they were counted) is not used for it.
 */
import { join } from "node:path";
import { assert, assertEquals } from "./pipeline_assert.ts";
import { calibrate, fitCost, priceOf, pricesTerms, writeCalibration } from "../pipeline/calibration.ts";
import type { EntryMeta } from "../pipeline/store.ts";
import { costPlan } from "../pipeline/cost.ts";
import { COST_MODEL, DEFAULT_COST, STAGE_TERMS } from "../stages/cost.ts";
import { CONFIG, STAGES } from "../stages/mod.ts";

const near = (a: number, b: number) => Math.abs(a - b) < 1e-6 * Math.max(1, Math.abs(b));

Deno.test("cost terms: the fit recovers start-up, per-unit and per-term rates, all ≥ 0", () => {
  // wall = 2 + 0.5 × units + 3 × pixels: units and pixels vary independently
  const truth = { fixed: 2, perUnit: 0.5, perTerm: [3] };
  const pts = [[10, 1], [20, 1], [10, 4], [30, 2], [5, 8]].map(([u, px]) => ({
    units: u,
    terms: [px],
    wall: priceOf(truth, u, [px]),
  }));
  const c = fitCost(pts);
  assert(near(c.fixed, 2) && near(c.perUnit, 0.5) && near(c.perTerm![0], 3), JSON.stringify(c));
  assertEquals(c.n, 5);
  // a term that only lowers the time would get a negative rate: it is dropped (0), the rest refitted
  const neg = [[10, 1, 30], [20, 2, 50], [30, 1, 70], [40, 3, 90]].map(([u, px, w]) => ({
    units: u,
    terms: [px],
    wall: w,
  }));
  const d = fitCost(neg);
  assert(d.fixed >= 0 && d.perUnit >= 0 && d.perTerm![0] >= 0, JSON.stringify(d));
  assert(near(d.fixed, 10) && near(d.perUnit, 2) && d.perTerm![0] === 0, JSON.stringify(d));
  // every item alike: as with one unit count, the prior start-up is kept and units carry the rest
  const same = [1, 2, 3].map((w) => ({ units: 10, terms: [1], wall: 20 + w }));
  assertEquals(fitCost(same, { fixed: 5 }), { fixed: 5, perUnit: 1.7, perTerm: [0], n: 3 });
});

Deno.test("cost terms: calibrate fits the terms the model counts; priceOf and pricesTerms", async () => {
  const meta = (wallSeconds: number, E: number, px: number) =>
    ({ stage: "t", item: { px }, config: { E }, wallSeconds }) as unknown as EntryMeta;
  const model = {
    units: (_s: string, _i: unknown, p: { E?: unknown }) => Number(p.E),
    terms: (_s: string, i: { px?: unknown }) => [Number(i.px)],
  };
  const entries = [
    meta(1 + 10 + 5, 10, 1),
    meta(1 + 20 + 5, 20, 1),
    meta(1 + 10 + 20, 10, 4),
    meta(1 + 5 + 40, 5, 8),
  ];
  const c = (await calibrate(entries, model)).get("t")!;
  assert(near(c.fixed, 1) && near(c.perUnit, 1) && near(c.perTerm![0], 5), JSON.stringify(c));
  assertEquals(priceOf({ fixed: 1, perUnit: 2, perTerm: [3, 4] }, 10, [1, 2]), 1 + 20 + 3 + 8);
  assertEquals(priceOf({ fixed: 1, perUnit: 2 }, 10, [1, 2]), 21, "a cost without term rates prices none");
  assert(pricesTerms({ perTerm: [1] }, [5]) && pricesTerms({}, undefined) && pricesTerms({}, []));
  assert(!pricesTerms({}, [5]), "a calibration from before the term was counted");
});

Deno.test("cost terms: the built-in defaults price every term alignsam counts", () => {
  const p = { trainCount: 50, testCount: 100, T: 15, E: 10 };
  for (const [stage, terms] of Object.entries(STAGE_TERMS)) {
    const d = DEFAULT_COST[stage];
    assert(pricesTerms(d, terms({}, p)), `${stage}: DEFAULT_COST has ${d.perTerm?.length ?? 0} term rate(s)`);
  }
});

Deno.test("cost terms: a bench calibration without a stage's term rates is not used for it", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "alignsam-plan-terms-" });
  const cacheDir = join(tmp, "cache");
  const opts = {
    stages: STAGES,
    ...CONFIG,
    profile: "smoke",
    overrides: { tasks: ["glass"], seeds: [0], segmenter: "weight-free" },
    targets: ["train-agent"],
    root: new URL("..", import.meta.url).pathname,
    cacheDir,
    jobs: 1,
    log: () => {},
  };
  const cls = (await COST_MODEL.costClass!({ segmenter: "weight-free" }))!;
  const old = { fixed: 1, perUnit: 1, n: 9 }; // as bench files were before the terms
  await writeCalibration(cacheDir, cls, {
    measured: "2026-12-01T10:00:00Z",
    machine: { host: "h", os: "linux-x86_64", cpus: 2, memGiB: 24, deno: "2" },
    how: "by hand",
    stages: { "train-agent": old, "preprocess": { ...old, perTerm: [0] } },
  });
  const p = await costPlan(opts, COST_MODEL, 1, 0);
  const src = (s: string) => p.stages.find((x) => x.stage === s)?.source;
  assertEquals(src("train-agent"), "default", "no term rates: the built-in defaults instead");
  assertEquals(src("preprocess"), "bench", "its one term priced: used");
  await Deno.remove(tmp, { recursive: true });
});
