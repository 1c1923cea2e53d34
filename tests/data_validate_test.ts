import sharp from "sharp";
import { join } from "node:path";
import { folderAdapter } from "../data/adapters/folder.ts";
import type { Pair } from "../data/adapters/common.ts";
import { getTask } from "../data/tasks.ts";
import { checkNotEmpty, checkOrphans, loadPair, loadPairs } from "../data/validate.ts";
import { DataError } from "../core/errors.ts";
import { assert, includes, rejectsWith } from "./data_assert.ts";

const W = 16;
const H = 12;

async function jpeg(path: string, w = W, h = H): Promise<void> {
  const px = new Uint8Array(w * h * 3).map((_, i) => (i * 7) % 256);
  await sharp(px, { raw: { width: w, height: h, channels: 3 } }).jpeg().toFile(path);
}

/** Gray PNG whose pixel i has value f(i). */
async function grayPng(path: string, f: (i: number) => number, w = W, h = H): Promise<void> {
  const px = new Uint8Array(w * h).map((_, i) => f(i));
  await sharp(px, { raw: { width: w, height: h, channels: 1 } }).png().toFile(path);
}

/** A folder dataset: `<dir>/test/{images,masks}`; returns the test dir. */
async function folder(): Promise<string> {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(join(dir, "test", "images"), { recursive: true });
  await Deno.mkdir(join(dir, "test", "masks"), { recursive: true });
  return dir;
}

/** A test body run on a fresh folder dataset, removed afterwards. */
const inFolder = (fn: (dir: string) => Promise<void>) => async () => {
  const dir = await folder();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
};

const pairIn = (dir: string, stem: string): Pair => ({
  stem,
  imagePath: join(dir, "test", "images", `${stem}.jpg`),
  maskPath: join(dir, "test", "masks", `${stem}.png`),
});

Deno.test(
  "validate: a good pair loads, mask 0/255 → 0/1, imageHash is the file's sha256",
  inFolder(async (dir) => {
    const p = pairIn(dir, "a");
    await jpeg(p.imagePath);
    await grayPng(p.maskPath, (i) => (i < 10 ? 255 : 0));
    const { sample, sources } = await loadPair(p);
    assert.equal(sample.image.width, W);
    assert.equal(sample.gt.mask.data.reduce((s, v) => s + v, 0), 10);
    assert.equal(sample.gt.mask.data[0], 1);
    assert.equal(sample.imageHash, sources[p.imagePath]);
    assert.match(sample.imageHash, /^[0-9a-f]{64}$/);
  }),
);

Deno.test(
  "validate: truncated JPEG → DataError naming the file",
  inFolder(async (dir) => {
    const p = pairIn(dir, "trunc");
    await jpeg(p.imagePath, 64, 64);
    const bytes = await Deno.readFile(p.imagePath);
    await Deno.writeFile(p.imagePath, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await grayPng(p.maskPath, () => 0, 64, 64);
    const err = await rejectsWith(() => loadPair(p), DataError);
    includes(err.message, p.imagePath);
  }),
);

Deno.test(
  "validate: 3-valued mask → error with the count; rebinarize → warning naming the file",
  inFolder(async (dir) => {
    const p = pairIn(dir, "soft");
    await jpeg(p.imagePath);
    // 192 pixels: 0 for i%3==0, 128 for i%3==1 (64 pixels), 255 for i%3==2
    await grayPng(p.maskPath, (i) => [0, 128, 255][i % 3]);
    const err = await rejectsWith(() => loadPair(p), DataError);
    includes(
      err.message,
      `mask ${p.maskPath} has 64 of 192 pixels with values other than 0 and 255 (e.g. 128)`,
    );
    includes(err.message, "rebinarize");
    const warnings: string[] = [];
    const { samples } = await loadPairs([p], "t", {
      rebinarize: true,
      warn: (m) => warnings.push(m),
      told: new Set(),
    });
    assert.equal(warnings.length, 1);
    includes(warnings[0], p.maskPath);
    // Otsu puts 128 with 255 here: two thirds of the pixels are foreground
    assert.equal(samples[0].gt.mask.data.reduce((s, v) => s + v, 0), 128);
  }),
);

Deno.test(
  "validate: image/mask size mismatch → DataError naming both sizes and the mask",
  inFolder(async (dir) => {
    const p = pairIn(dir, "size");
    await jpeg(p.imagePath);
    await grayPng(p.maskPath, () => 0, W + 1, H);
    const err = await rejectsWith(() => loadPair(p), DataError);
    includes(err.message, `mask ${p.maskPath} is ${W + 1}×${H} but its image ${p.imagePath} is ${W}×${H}`);
  }),
);

Deno.test(
  "validate: orphan image and orphan mask are listed; skipBad lists them as skipped",
  inFolder(async (dir) => {
    const ok = pairIn(dir, "ok");
    await jpeg(ok.imagePath);
    await grayPng(ok.maskPath, () => 0);
    await jpeg(pairIn(dir, "lonely").imagePath);
    await grayPng(pairIn(dir, "ghost").maskPath, () => 0);
    const list = (await folderAdapter.original(dir, getTask("glass"), "test"))!;
    assert.deepEqual(list.pairs.map((p) => p.stem), ["ok"]);
    const err = (() => {
      try {
        checkOrphans(list.orphans, "my test split", {});
      } catch (e) {
        return e as Error;
      }
    })();
    assert.ok(err instanceof DataError);
    includes(err.message, "2 unpaired file(s) in my test split");
    includes(err.message, `${pairIn(dir, "lonely").imagePath}: image without a mask`);
    includes(err.message, `${pairIn(dir, "ghost").maskPath}: mask without an image`);
    const skipped = checkOrphans(list.orphans, "my test split", { skipBad: true });
    assert.deepEqual(skipped.map((s) => s.path).sort(), [
      pairIn(dir, "lonely").imagePath,
      pairIn(dir, "ghost").maskPath,
    ]);
  }),
);

Deno.test(
  "validate: empty folder → 'no image/mask pairs' naming the split",
  inFolder(async (dir) => {
    const list = (await folderAdapter.original(dir, getTask("glass"), "test"))!;
    try {
      checkNotEmpty(list, `glass test (${dir})`);
      assert.fail("no error");
    } catch (e) {
      assert.ok(e instanceof DataError);
      includes((e as Error).message, `no image/mask pairs in glass test (${dir})`);
    }
  }),
);

Deno.test(
  "validate: loadPairs throws on a bad pair, or with skipBad skips it, lists it and tops up",
  inFolder(async (dir) => {
    const stems = ["a", "b", "c", "d"];
    for (const s of stems) {
      const p = pairIn(dir, s);
      await jpeg(p.imagePath);
      await grayPng(p.maskPath, (i) => (s === "b" ? 77 : i % 2 ? 255 : 0));
    }
    const pairs = stems.map((s) => pairIn(dir, s));
    const err = await rejectsWith(() => loadPairs(pairs, "t", { want: 2 }), DataError);
    includes(err.message, pairIn(dir, "b").maskPath);
    includes(err.message, "--set skipBad=true skips bad pairs");
    assert.ok(!err.message.includes("--skip-bad"), "no flag --skip-bad exists");
    const got = await loadPairs(pairs, "t", { want: 3, skipBad: true, concurrency: 3 });
    assert.deepEqual(got.samples.map((s) => s.stem), ["a", "c", "d"]);
    assert.equal(got.skipped.length, 1);
    assert.equal(got.skipped[0].path, pairIn(dir, "b").maskPath);
    includes(got.skipped[0].reason, "values other than 0 and 255");
  }),
);

Deno.test(
  "validate: VOC class-index mask → target = index == class, ignore = 255; bad index named",
  inFolder(async (dir) => {
    const p = pairIn(dir, "voc");
    await jpeg(p.imagePath);
    // pixel values cycle 0, 15 (person), 255 (boundary), 3 (bird)
    await grayPng(p.maskPath, (i) => [0, 15, 255, 3][i % 4]);
    const { sample } = await loadPair({ ...p, vocClassIndex: 15, ignorePath: p.maskPath });
    assert.deepEqual([...sample.gt.mask.data.subarray(0, 4)], [0, 1, 0, 0]);
    assert.deepEqual([...sample.gt.ignore!.subarray(0, 4)], [0, 0, 1, 0]);
    await grayPng(p.maskPath, (i) => (i === 5 ? 100 : 0));
    const err = await rejectsWith(
      () => loadPair({ ...p, vocClassIndex: 15, ignorePath: p.maskPath }),
      DataError,
    );
    includes(err.message, `VOC class-index PNG ${p.maskPath} has value 100 at pixel (5, 0)`);
  }),
);

/** 16-bit gray PNG whose pixel i has value f(i) (sharp writes 16 bits from a Uint16Array). */
async function gray16Png(path: string, f: (i: number) => number, w = W, h = H): Promise<void> {
  const px = new Uint16Array(w * h).map((_, i) => f(i));
  await sharp(px, { raw: { width: w, height: h, channels: 1 } }).toColourspace("grey16").png().toFile(path);
}

Deno.test(
  "validate: 0/1 masks (8- and 16-bit) are binary without rebinarize; told once per run, not per file",
  inFolder(async (dir) => {
    const stems = ["a", "b", "c"];
    for (const s of stems) {
      const p = pairIn(dir, s);
      await jpeg(p.imagePath);
      const fg = (i: number) => (i < 30 ? 1 : 0);
      if (s === "c") await gray16Png(p.maskPath, fg);
      else await grayPng(p.maskPath, fg);
    }
    const pairs = stems.map((s) => pairIn(dir, s));
    const warnings: string[] = [];
    const told = new Set<"0/1" | "rebinarized">();
    const opts = { warn: (m: string) => warnings.push(m), told };
    const got = await loadPairs(pairs, "glass train", opts);
    for (const smp of got.samples) assert.equal(smp.gt.mask.data.reduce((a, v) => a + v, 0), 30, smp.stem);
    assert.equal(warnings.length, 1, warnings.join("\n"));
    includes(warnings[0], "3 mask(s) in glass train store 0/1");
    includes(warnings[0], "read as binary");
    // a second split in the same run: nothing more is said
    await loadPairs(pairs, "glass test", opts);
    assert.equal(warnings.length, 1);
    // rebinarize changes nothing for them: a 0/1 mask is never erased
    const again = await loadPairs(pairs, "t", { rebinarize: true, told: new Set(), warn: () => {} });
    assert.equal(again.samples[0].gt.mask.data.reduce((a, v) => a + v, 0), 30);
  }),
);

Deno.test(
  "validate: rebinarize keeps both levels of a two-level mask that is neither 0/255 nor 0/1",
  inFolder(async (dir) => {
    const p = pairIn(dir, "lv");
    await jpeg(p.imagePath);
    await grayPng(p.maskPath, (i) => (i < 40 ? 100 : 3)); // the old fixed 128 erased it
    const err = await rejectsWith(() => loadPair(p), DataError);
    includes(err.message, "--set rebinarize=true");
    const { sample } = await loadPair(p, { rebinarize: true });
    assert.equal(sample.gt.mask.data.reduce((a, v) => a + v, 0), 40);
  }),
);
