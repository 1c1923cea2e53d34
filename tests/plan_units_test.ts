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
import {
  ASSUMED_MEGAPIXELS,
  ASSUMED_TEST_IMAGES,
  COST_MODEL,
  countTaskImages,
  DEFAULT_COST,
} from "../stages/cost.ts";
import { priceOf } from "../pipeline/calibration.ts";
import { ENTRY_META } from "../pipeline/store.ts";
import { CONFIG, STAGES } from "../stages/mod.ts";
import { encodeGrayPng, encodeRgbPng } from "../core/image_io.ts";

const HERE = new URL("..", import.meta.url).pathname;
const T = 3, E = 2, S = 32;

/** A normalised glass folder with `train` and `test` decodable side × side pairs. */
async function glassData(root: string, train: number, test: number, side = S): Promise<void> {
  for (const [split, n] of [["train", train], ["test", test]] as const) {
    for (const kind of ["images", "masks"]) {
      await Deno.mkdir(join(root, "glass", split, kind), { recursive: true });
    }
    for (let i = 0; i < n; i++) {
      const data = new Uint8Array(side * side * 3).map((_, k) => (k * 7 + i * 31) & 255);
      const mask = new Uint8Array(side * side).map((_, k) => (k % side < side / 2 ? 255 : 0));
      const at = (kind: string) => join(root, "glass", split, kind, `s${i}.png`);
      await Deno.writeFile(at("images"), await encodeRgbPng({ width: side, height: side, data }));
      await Deno.writeFile(at("masks"), await encodeGrayPng(side, side, mask));
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
      const mp = S * S / 1e6; // every image 32 × 32
      assertEquals(counts.get("glass"), { train: n, test: 2, megapixels: { train: mp, test: mp } });
      assert(notes.some((l) => l.includes("1 from the data listing")), notes.join("\n"));
      const o = opts(join(tmp, `run-${n}`), ["train-agent"]);
      const p = await costPlan(o, COST_MODEL, 1, 0);
      const items = trainItems(p.items);
      assert(items.length > 0);
      // a fresh cache, no bench: the built-in cost, fixed + per unit × (images × T × E) + per
      // megapixel decoded (images × E × (T + 1)), per megapixel of the entry read and per episode
      const d = DEFAULT_COST["train-agent"];
      const entryMp = (n + 2) * mp;
      for (const i of items) {
        assertNear(i.seconds, priceOf(d, n * T * E, [n * E * (T + 1) * mp, entryMp, n * E]), i.id);
      }
      perItem[n] = items[0].seconds;
      const ev = p.items.filter((i) => i.stage === "evaluate");
      for (const i of ev) {
        assertNear(i.seconds, priceOf(DEFAULT_COST.evaluate, 2 * T, [2 * (T + 1) * mp, entryMp]), i.id);
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
    const mp = ASSUMED_MEGAPIXELS, entryMp = (50 + ASSUMED_TEST_IMAGES) * mp;
    for (const i of trainItems(p.items)) {
      assertNear(i.seconds, priceOf(d, 50 * T * E, [50 * E * (T + 1) * mp, entryMp, 50 * E]), i.id);
    }
    const ev = DEFAULT_COST.evaluate;
    for (const i of p.items.filter((i) => i.stage === "evaluate")) {
      const n = ASSUMED_TEST_IMAGES;
      assertNear(i.seconds, priceOf(ev, n * T, [n * (T + 1) * mp, entryMp]), i.id);
    }
    const text = formatCostPlan(p);
    assert(text.includes("image counts from the params") && text.includes("without data here: glass"), text);
    assert(text.includes(`${ASSUMED_MEGAPIXELS} megapixels per image assumed`), text);
  });
  await Deno.remove(tmp, { recursive: true });
});

Deno.test("plan units: bigger images cost more per step (megapixels from the listing, then from the preprocess manifest)", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "alignsam-plan-pixels-" });
  const priced: Record<number, Record<string, number>> = {};
  for (const side of [32, 96]) {
    const data = join(tmp, `data-${side}`);
    await glassData(data, 3, 2, side);
    await withData(tmp, data, async () => {
      const mp = side * side / 1e6;
      const { counts } = await countTaskImages([{ stage: "evaluate", item: { task: "glass" } }]);
      assertEquals(counts.get("glass")?.megapixels, { train: mp, test: mp }, "from the image headers");
      const o = opts(join(tmp, `run-${side}`), ["evaluate"]);
      const p = await costPlan(o, COST_MODEL, 1, 0);
      const one = (stage: string) => p.items.find((i) => i.stage === stage)!.seconds;
      priced[side] = { train: one("train-agent"), evaluate: one("evaluate"), embed: one("embed-cache") };
      // after preprocess, the manifest's sampled images give the same sizes and so the same prices
      await reproduce({ ...o, targets: ["preprocess"] });
      const built = await countTaskImages([{
        stage: "preprocess",
        item: { task: "glass" },
        entry: await preprocessEntry(o),
      }]);
      assertEquals(built.counts.get("glass")?.megapixels, { train: mp, test: mp }, "from the manifest");
      const after = await costPlan(o, COST_MODEL, 1, 0);
      assertNear(
        after.items.find((i) => i.stage === "train-agent")!.seconds,
        priced[side].train,
        "train-agent",
      );
    });
  }
  // same image counts, T and E: only the images' size differs (9× the pixels)
  for (const k of ["train", "evaluate", "embed"]) {
    assert(priced[96][k] > priced[32][k], `${k}: ${JSON.stringify(priced)}`);
  }
  await Deno.remove(tmp, { recursive: true });
});

/** The folder of the fresh preprocess entry of `o`'s one task. */
async function preprocessEntry(o: RunnerOptions): Promise<string> {
  for await (const e of Deno.readDir(join(o.cacheDir, "entries"))) {
    const meta = JSON.parse(await Deno.readTextFile(join(o.cacheDir, "entries", e.name, ENTRY_META)));
    if (meta.stage === "preprocess") return join(o.cacheDir, "entries", e.name);
  }
  throw new Error(`no preprocess entry in ${o.cacheDir}`);
}
