import sharp from "sharp";
import { dirname, join } from "node:path";
import { getTask, TASKS } from "../data/tasks.ts";
import { listTaskPairs, locateTask, resolveTask } from "../data/root.ts";
import { loadPairs } from "../data/validate.ts";
import { DataError } from "../core/errors.ts";
import { needsShared, SHARED_DATA } from "./_shared.ts";
import { assert, includes, rejectsWith } from "./data_assert.ts";

async function img(path: string, ext = "jpg"): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const px = new Uint8Array(8 * 6 * 3).map((_, i) => (i * 13) % 256);
  const s = sharp(px, { raw: { width: 8, height: 6, channels: 3 } });
  await (ext === "jpg" ? s.jpeg() : s.png()).toFile(path);
}

async function gray(path: string, f: (i: number) => number): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const px = new Uint8Array(8 * 6).map((_, i) => f(i));
  await sharp(px, { raw: { width: 8, height: 6, channels: 1 } }).png().toFile(path);
}

/** Run `fn` with ALIGNSAM_DATA / ALIGNSAM_CACHE set, restoring them after. */
async function withEnv(env: Record<string, string>, fn: () => Promise<void>): Promise<void> {
  const old = Object.fromEntries(Object.keys(env).map((k) => [k, Deno.env.get(k)]));
  for (const [k, v] of Object.entries(env)) Deno.env.set(k, v);
  try {
    await fn();
  } finally {
    for (const [k, v] of Object.entries(old)) v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
  }
}

const counts = async (task: string) => {
  const td = (await locateTask(getTask(task)))!;
  const [tr, te] = [await listTaskPairs(td, "train"), await listTaskPairs(td, "test")];
  return {
    td,
    train: tr.pairs.length,
    test: te.pairs.length,
    orphans: tr.orphans.length + te.orphans.length,
  };
};

Deno.test("adapters: SBU archive layout (generated) loads through the SBU adapter", async () => {
  const root = await Deno.makeTempDir();
  try {
    // the archive unpacks into a wrapping folder: <root>/SBU/SBU-shadow/...
    const sbu = join(root, "SBU", "SBU-shadow");
    for (
      const [split, stems] of [["SBUTrain4KRecoveredSmall", ["t1", "t2", "t3"]], ["SBU-Test", [
        "v1",
        "v2",
      ]]] as const
    ) {
      for (const s of stems) {
        await img(join(sbu, split, "ShadowImages", `${s}.jpg`));
        await gray(join(sbu, split, "ShadowMasks", `${s}.png`), (i) => (i % 5 ? 0 : 255));
      }
    }
    await withEnv({ ALIGNSAM_DATA: root, ALIGNSAM_CACHE: join(root, "cache") }, async () => {
      const c = await counts("shadow");
      assert.equal(c.td.layout, "original");
      assert.equal(c.td.base, sbu);
      assert.equal(c.td.dataset, "SBU shadow (Vicente et al., ECCV 2016)");
      assert.deepEqual([c.train, c.test, c.orphans], [3, 2, 0]);
      const te = await listTaskPairs(c.td, "test");
      const loaded = await loadPairs(te.pairs, "sbu test");
      assert.equal(loaded.samples[0].gt.mask.data.reduce((s, v) => s + v, 0), 10); // 48 px, every 5th
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("adapters: MSD, DUTS, CUHK (defocus only) and VOC archive layouts", async () => {
  const tmp = await Deno.makeTempDir();
  const root = join(tmp, "data"); // the data cache under ALIGNSAM_CACHE=tmp
  try {
    for (const split of ["train", "test"]) {
      await img(join(root, "MSD", split, "image", `${split}1.jpg`));
      await gray(join(root, "MSD", split, "mask", `${split}1.png`), () => 255);
    }
    for (const [d, n] of [["DUTS-TR", 2], ["DUTS-TE", 1]] as const) {
      for (let i = 0; i < n; i++) {
        await img(join(root, "DUTS", d, `${d}-Image`, `s${i}.jpg`));
        await gray(join(root, "DUTS", d, `${d}-Mask`, `s${i}.png`), () => 0);
      }
    }
    // CUHK: 103 defocus + 1 motion; test = last 100 defocus by name, train = the rest
    for (let i = 1; i <= 103; i++) {
      const stem = `out_of_focus${String(i).padStart(4, "0")}`;
      await img(join(root, "CUHK", "image", `${stem}.jpg`));
      await gray(join(root, "CUHK", "gt", `${stem}.png`), () => 0);
    }
    await img(join(root, "CUHK", "image", "motion0001.jpg"));
    // VOC: person (15) in a and c, bird (3) in b; a is train, b and c val
    const voc = join(root, "VOC2012", "VOCdevkit", "VOC2012");
    for (const [stem, k] of [["a", 15], ["b", 3], ["c", 15]] as const) {
      await img(join(voc, "JPEGImages", `${stem}.jpg`));
      await gray(join(voc, "SegmentationClass", `${stem}.png`), (i) => (i < 4 ? k : i < 6 ? 255 : 0));
    }
    await Deno.mkdir(join(voc, "ImageSets", "Segmentation"), { recursive: true });
    await Deno.writeTextFile(join(voc, "ImageSets", "Segmentation", "train.txt"), "a\n");
    await Deno.writeTextFile(join(voc, "ImageSets", "Segmentation", "val.txt"), "b\nc\n");

    await withEnv({ ALIGNSAM_DATA: join(tmp, "nowhere"), ALIGNSAM_CACHE: tmp }, async () => {
      const mirror = await counts("mirror");
      assert.deepEqual([mirror.td.root.source, mirror.train, mirror.test], ["data cache", 1, 1]);
      const sal = await counts("saliency");
      assert.deepEqual([sal.td.dataset, sal.train, sal.test], [
        "DUTS saliency (Wang et al., CVPR 2017)",
        2,
        1,
      ]);
      const blur = await counts("blur");
      assert.deepEqual([blur.train, blur.test], [3, 100]);
      const te = await listTaskPairs(blur.td, "test");
      assert.equal(te.pairs[0].stem, "out_of_focus0004");
      const person = await counts("voc-person");
      assert.deepEqual([person.train, person.test], [1, 1]);
      const c = (await listTaskPairs(person.td, "test")).pairs[0];
      assert.equal(c.stem, "c");
      const s = (await loadPairs([c], "voc")).samples[0];
      assert.equal(s.gt.mask.data.reduce((a, v) => a + v, 0), 4);
      assert.equal(s.gt.ignore!.reduce((a, v) => a + v, 0), 2);
      assert.equal((await counts("voc-bird")).test, 1);
      assert.equal((await counts("voc-cat")).test, 0);
    });
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("root: a task with no data → DataError saying what to download and where", async () => {
  const root = await Deno.makeTempDir();
  try {
    await withEnv({ ALIGNSAM_DATA: root, ALIGNSAM_CACHE: join(root, "c") }, async () => {
      const err = await rejectsWith(() => resolveTask(getTask("shadow"), { download: false }), DataError);
      includes(err.message, "no data for task 'shadow'");
      includes(err.message, "SBU-shadow.zip");
      includes(err.message, join(root, "c", "data", "SBU"));
      includes(err.message, "--data DIR");
      const msd = await rejectsWith(() => resolveTask(getTask("mirror")), DataError);
      includes(msd.message, "no public download link");
      includes(msd.message, join(root, "c", "data", "MSD"));
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test({
  name: "adapters: ../shared/data normalised layout — counts and dataset names (substitutes flagged)",
  ...needsShared("data/glass"),
  fn: () =>
    withEnv({ ALIGNSAM_DATA: SHARED_DATA }, async () => {
      const expect: Record<string, [number, number]> = {
        glass: [50, 100],
        saliency: [50, 100],
        mirror: [2, 5],
        blur: [2, 4],
        "voc-person": [10, 12],
        "voc-aeroplane": [3, 3],
        "voc-bicycle": [0, 5],
      };
      for (const [task, [train, test]] of Object.entries(expect)) {
        const c = await counts(task);
        assert.deepEqual([task, c.train, c.test, c.orphans], [task, train, test, 0]);
        assert.equal(c.td.layout, "normalised");
      }
      includes((await counts("glass")).td.dataset, "GDD");
      includes((await counts("glass")).td.dataset, "(substitute for MSD)");
      includes((await counts("saliency")).td.dataset, "(substitute for DUTS)");
      assert.ok(!(await counts("mirror")).td.dataset.includes("substitute"));
      assert.ok(!(await counts("voc-person")).td.dataset.includes("substitute"));
      const person = (await listTaskPairs((await counts("voc-person")).td, "train")).pairs;
      assert.ok(person.every((p) => p.ignorePath?.includes("voc-index")));
      assert.equal(TASKS.filter((t) => t.adapter === "voc").length, 20);
    }),
});
