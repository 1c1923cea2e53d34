/**
 * The plan's units from the images a task really has (issue 13 point 4): a task with fewer
 * training images than trainCount is priced by what it has (from the data listing before
 * preprocess, from the preprocess entry after), and a task without data here by the params,
 * which the plan's output says.
 */
import { join } from "node:path";
import { assert, assertEquals } from "./pipeline_assert.ts";
import { costPlan, formatCostPlan, type ItemCost } from "../pipeline/cost.ts";
import type { RunnerOptions } from "../pipeline/runner.ts";
import { reproduce } from "../pipeline/runner.ts";
import { ASSUMED_TEST_IMAGES, COST_MODEL, countTaskImages, DEFAULT_COST } from "../stages/cost.ts";
import { CONFIG, STAGES } from "../stages/mod.ts";
import { encodeGrayPng, encodeRgbPng } from "../core/image_io.ts";

const HERE = new URL("..", import.meta.url).pathname;
const T = 3, E = 2, S = 32;

/** A normalised glass folder with `train` and `test` decodable 32×32 pairs. */
async function glassData(root: string, train: number, test: number): Promise<void> {
  for (const [split, n] of [["train", train], ["test", test]] as const) {
    for (const kind of ["images", "masks"]) {
      await Deno.mkdir(join(root, "glass", split, kind), { recursive: true });
    }
    for (let i = 0; i < n; i++) {
      const data = new Uint8Array(S * S * 3).map((_, k) => (k * 7 + i * 31) & 255);
      const mask = new Uint8Array(S * S).map((_, k) => (k % S < S / 2 ? 255 : 0));
      const at = (kind: string) => join(root, "glass", split, kind, `s${i}.png`);
      await Deno.writeFile(at("images"), await encodeRgbPng({ width: S, height: S, data }));
      await Deno.writeFile(at("masks"), await encodeGrayPng(S, S, mask));
    }
  }
}

function opts(tmp: string, targets: string[]): RunnerOptions {
  return {
    stages: STAGES,
    ...CONFIG,
    profile: "smoke",
    overrides: { tasks: ["glass"], trainCount: 50, testCount: 0, T, E, seeds: [0] },
    targets,
    root: HERE,
    cacheDir: join(tmp, "cache"),
    jobs: 1,
    log: () => {},
  };
}

async function withData<T>(tmp: string, data: string, fn: () => Promise<T>): Promise<T> {
  const names = ["ALIGNSAM_DATA", "ALIGNSAM_CACHE", "ALIGNSAM_OFFLINE"];
  const old = names.map((n) => Deno.env.get(n));
  Deno.env.set("ALIGNSAM_DATA", data);
  Deno.env.set("ALIGNSAM_CACHE", join(tmp, "alignsam"));
  Deno.env.set("ALIGNSAM_OFFLINE", "1");
  try {
    return await fn();
  } finally {
    names.forEach((n, i) => old[i] === undefined ? Deno.env.delete(n) : Deno.env.set(n, old[i]!));
  }
}

/** Equal up to rounding (the plan sums start-up and per-unit seconds in another order). */
function assertNear(actual: number, expected: number, msg: string): void {
  assert(Math.abs(actual - expected) < 1e-9 * Math.max(1, expected), `${msg}: ${actual} ≠ ${expected}`);
}

const trainItems = (items: ItemCost[]) => items.filter((i) => i.stage === "train-agent");

Deno.test("plan units: a task with 3 training images and trainCount = 50 is priced by its 3, from the listing and from preprocess", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "alignsam-plan-units-" });
  const perItem: Record<number, number> = {};
  for (const n of [3, 6]) {
    const data = join(tmp, `data-${n}`);
    await glassData(data, n, 2);
    await withData(tmp, data, async () => {
      // the survey's unit count, from the data listing (nothing built yet)
      const { counts, notes } = await countTaskImages([{ stage: "train-agent", item: { task: "glass" } }]);
      assertEquals(counts.get("glass"), { train: n, test: 2 });
      assert(notes.some((l) => l.includes("1 from the data listing")), notes.join("\n"));
      const o = opts(join(tmp, `run-${n}`), ["train-agent"]);
      const p = await costPlan(o, COST_MODEL, 1, 0);
      const items = trainItems(p.items);
      assert(items.length > 0);
      // a fresh cache, no bench: the built-in cost, fixed + per unit × (images × T × E)
      const d = DEFAULT_COST["train-agent"];
      for (const i of items) assertNear(i.seconds, d.fixed + d.perUnit * n * T * E, i.id);
      perItem[n] = items[0].seconds;
      const ev = p.items.filter((i) => i.stage === "evaluate");
      for (const i of ev) {
        assertNear(i.seconds, DEFAULT_COST.evaluate.fixed + DEFAULT_COST.evaluate.perUnit * 2 * T, i.id);
      }

      // once preprocess is built, its manifest gives the counts (the note says which source)
      await reproduce({ ...o, targets: ["preprocess"] });
      const after = await costPlan(o, COST_MODEL, 1, 0);
      assertEquals(after.items.find((i) => i.stage === "preprocess")?.build, false);
      for (const i of trainItems(after.items)) assertEquals(i.seconds, perItem[n], i.id);
      assert(
        after.notes.some((l) => l.includes("1 task(s) from their preprocess entries")),
        after.notes.join("\n"),
      );
    });
  }
  assert(perItem[3] < perItem[6], JSON.stringify(perItem));
  await Deno.remove(tmp, { recursive: true });
});

Deno.test("plan units: a task without data here is priced by the params, and the plan says so", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "alignsam-plan-units-none-" });
  await Deno.mkdir(join(tmp, "empty"));
  await withData(tmp, join(tmp, "empty"), async () => {
    const p = await costPlan(opts(tmp, ["train-agent"]), COST_MODEL, 1, 0);
    const d = DEFAULT_COST["train-agent"];
    for (const i of trainItems(p.items)) assertNear(i.seconds, d.fixed + d.perUnit * 50 * T * E, i.id);
    const ev = DEFAULT_COST.evaluate;
    for (const i of p.items.filter((i) => i.stage === "evaluate")) {
      assertNear(i.seconds, ev.fixed + ev.perUnit * ASSUMED_TEST_IMAGES * T, i.id);
    }
    const text = formatCostPlan(p);
    assert(text.includes("image counts from the params") && text.includes("without data here: glass"), text);
  });
  await Deno.remove(tmp, { recursive: true });
});
