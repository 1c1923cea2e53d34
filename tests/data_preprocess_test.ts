import { Buffer } from "node:buffer";
import { join } from "node:path";
import type { Item, Params, RunContext } from "../pipeline/stage.ts";
import {
  preprocessStage,
  readPreprocessed,
  readPreprocessManifest,
  readSample,
} from "../stages/preprocess.ts";
import { loadPair } from "../data/validate.ts";
import { DataError } from "../core/errors.ts";
import type { Sample } from "../core/records.ts";
import { needsShared, SHARED_DATA } from "./_shared.ts";
import { assert, includes, rejectsWith } from "./data_assert.ts";

/** A minimal RunContext for calling run() directly. */
function ctxFor(item: Item, params: Params, outDir: string, logs: string[] = []): RunContext {
  return {
    item,
    params,
    input: () => {
      throw new Error("preprocess has no inputs");
    },
    inputs: [],
    outDir,
    progress: () => {},
    log: (m) => logs.push(m),
    note: () => {},
    memo: async (_k, make) => await make(),
    signal: new AbortController().signal,
    codeHash: "preprocess code (test)",
  };
}

async function withData<T>(fn: () => Promise<T>): Promise<T> {
  const old = [Deno.env.get("ALIGNSAM_DATA"), Deno.env.get("ALIGNSAM_OFFLINE")];
  Deno.env.set("ALIGNSAM_DATA", SHARED_DATA);
  Deno.env.set("ALIGNSAM_OFFLINE", "1");
  try {
    return await fn();
  } finally {
    old[0] === undefined ? Deno.env.delete("ALIGNSAM_DATA") : Deno.env.set("ALIGNSAM_DATA", old[0]);
    old[1] === undefined ? Deno.env.delete("ALIGNSAM_OFFLINE") : Deno.env.set("ALIGNSAM_OFFLINE", old[1]);
  }
}

const PARAMS = { trainCount: 50, testCount: 0, skipBad: false, rebinarize: false };

async function runTask(task: string, params: Params = PARAMS): Promise<string> {
  const out = await Deno.makeTempDir();
  await preprocessStage.run(ctxFor({ task }, params, out));
  return out;
}

function samePixels(a: Sample, b: Sample): void {
  assert.equal(a.stem, b.stem);
  assert.equal(a.imageHash, b.imageHash);
  assert.deepEqual([a.image.width, a.image.height], [b.image.width, b.image.height]);
  assert.ok(Buffer.from(a.image.data).equals(Buffer.from(b.image.data)), `image ${a.stem} differs`);
  assert.ok(Buffer.from(a.gt.mask.data).equals(Buffer.from(b.gt.mask.data)), `mask ${a.stem} differs`);
  assert.equal(Boolean(a.gt.ignore), Boolean(b.gt.ignore));
  if (a.gt.ignore) {
    assert.ok(Buffer.from(a.gt.ignore).equals(Buffer.from(b.gt.ignore!)), `ignore ${a.stem} differs`);
  }
}

Deno.test("preprocess: items expand 'voc'; declared params; fingerprint is cheap and stable", async () => {
  const items = preprocessStage.items({ tasks: ["glass", "voc"] });
  assert.equal(items.length, 21);
  assert.deepEqual(items[1], { task: "voc-aeroplane" });
  assert.deepEqual([...preprocessStage.params], ["trainCount", "testCount", "skipBad", "rebinarize"]);
  if (needsShared("data/glass").ignore) return;
  await withData(async () => {
    const a = await preprocessStage.fingerprint!({ task: "glass" }, PARAMS);
    const b = await preprocessStage.fingerprint!({ task: "glass" }, PARAMS);
    const c = await preprocessStage.fingerprint!({ task: "saliency" }, PARAMS);
    assert.equal(a, b);
    assert.notEqual(a, c);
  });
});

Deno.test({
  name: "preprocess: ../shared/data counts; readPreprocessed round-trips pixel-exactly (small tasks)",
  ...needsShared("data/voc-person"),
  fn: () =>
    withData(async () => {
      const expect: Record<string, [number, number]> = {
        "voc-person": [10, 12],
        blur: [2, 4],
        mirror: [2, 5],
      };
      for (const [task, [train, test]] of Object.entries(expect)) {
        const out = await runTask(task);
        try {
          const pre = await readPreprocessed(out);
          assert.deepEqual([task, pre.train.length, pre.test.length], [task, train, test]);
          assert.equal(pre.skipped.length, 0);
          // every source file is hashed: image + mask (+ voc-index) per sample
          assert.equal(Object.keys(pre.sources).length, (train + test) * (task.startsWith("voc") ? 3 : 2));
          const m = await readPreprocessManifest(out);
          for (const split of ["train", "test"] as const) {
            for (const [i, e] of m[split].entries()) {
              const src = join(SHARED_DATA, task, split);
              const direct = await loadPair({
                stem: e.stem,
                imagePath: join(SHARED_DATA, task, e.image),
                maskPath: join(src, "masks", `${e.stem}.png`),
                ...(task.startsWith("voc") ? { ignorePath: join(src, "voc-index", `${e.stem}.png`) } : {}),
              });
              samePixels(pre[split][i], direct.sample);
            }
          }
          if (task === "voc-person") {
            assert.ok(pre.test.every((s) => s.gt.ignore !== undefined));
            assert.ok(
              pre.test.some((s) => s.gt.ignore!.some((v) => v === 1)),
              "VOC boundary pixels are ignored",
            );
            includes(pre.dataset, "PASCAL VOC 2012");
          }
        } finally {
          await Deno.remove(out, { recursive: true });
        }
      }
    }),
});

Deno.test({
  name: "preprocess: glass 50/100 and saliency 50/100, substitutes named; seeded train subset",
  ...needsShared("data/glass"),
  fn: () =>
    withData(async () => {
      for (const [task, sub] of [["glass", "substitute for MSD"], ["saliency", "substitute for DUTS"]]) {
        const out = await runTask(task);
        try {
          const m = await readPreprocessManifest(out);
          assert.deepEqual([task, m.train.length, m.test.length], [task, 50, 100]);
          includes(m.dataset, sub);
          // spot-check the round trip on the first test sample at full resolution
          const s = await readSample(out, m.test[0]);
          const direct = await loadPair({
            stem: m.test[0].stem,
            imagePath: join(SHARED_DATA, task, m.test[0].image),
            maskPath: join(SHARED_DATA, task, "test", "masks", `${m.test[0].stem}.png`),
          });
          samePixels(s, direct.sample);
        } finally {
          await Deno.remove(out, { recursive: true });
        }
      }
      // 20 of 50 with the data seed: the same subset twice, sorted, a proper subset; first 5 test by stem
      const p = { ...PARAMS, trainCount: 20, testCount: 5 };
      const [a, b] = [await runTask("saliency", p), await runTask("saliency", p)];
      try {
        const [ma, mb] = [await readPreprocessManifest(a), await readPreprocessManifest(b)];
        const stems = ma.train.map((e) => e.stem);
        assert.deepEqual(stems, mb.train.map((e) => e.stem));
        assert.equal(new Set(stems).size, 20);
        assert.deepEqual(stems, [...stems].sort());
        assert.deepEqual(ma.available, { train: 50, test: 100 });
        const allTest = [...Deno.readDirSync(join(SHARED_DATA, "saliency", "test", "masks"))]
          .map((e) => e.name.replace(/\.png$/, "")).sort();
        assert.deepEqual(ma.test.map((e) => e.stem), allTest.slice(0, 5));
      } finally {
        await Deno.remove(a, { recursive: true });
        await Deno.remove(b, { recursive: true });
      }
    }),
});

Deno.test("preprocess: a task with no data (shadow) fails with a DataError saying what to place where", async () => {
  const tmp = await Deno.makeTempDir();
  const old = [
    Deno.env.get("ALIGNSAM_DATA"),
    Deno.env.get("ALIGNSAM_CACHE"),
    Deno.env.get("ALIGNSAM_OFFLINE"),
  ];
  Deno.env.set("ALIGNSAM_DATA", join(tmp, "data"));
  Deno.env.set("ALIGNSAM_CACHE", join(tmp, "cache"));
  Deno.env.set("ALIGNSAM_OFFLINE", "1");
  try {
    const err = await rejectsWith(() => runTask("shadow"), DataError);
    includes(err.message, "no data for task 'shadow'");
    includes(err.message, "http://www3.cs.stonybrook.edu/~cvl/content/datasets/shadow_db/SBU-shadow.zip");
    includes(err.message, join(tmp, "cache", "data", "SBU"));
  } finally {
    const names = ["ALIGNSAM_DATA", "ALIGNSAM_CACHE", "ALIGNSAM_OFFLINE"];
    names.forEach((n, i) => old[i] === undefined ? Deno.env.delete(n) : Deno.env.set(n, old[i]!));
    await Deno.remove(tmp, { recursive: true });
  }
});
