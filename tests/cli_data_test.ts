/** `deno task data` (cli/data.ts, data/health.ts): bad files and empty splits are flagged, not called healthy. */
import assert from "node:assert/strict";
import sharp from "sharp";
import { join } from "node:path";
import { checkPairFiles } from "../data/health.ts";

const CLI = new URL("../cli/data.ts", import.meta.url).pathname;

async function jpeg(path: string, w = 96, h = 64): Promise<void> {
  const px = new Uint8Array(w * h * 3).map((_, i) => (i * 13) % 256);
  await sharp(px, { raw: { width: w, height: h, channels: 3 } }).jpeg().toFile(path);
}

async function maskPng(path: string, w = 96, h = 64): Promise<void> {
  const px = new Uint8Array(w * h).map((_, i) => (i % 3 ? 0 : 255));
  await sharp(px, { raw: { width: w, height: h, channels: 1 } }).png().toFile(path);
}

async function cutInHalf(path: string): Promise<void> {
  const bytes = await Deno.readFile(path);
  await Deno.writeFile(path, bytes.subarray(0, bytes.length >> 1));
}

/**
 * `<root>/glass/train` with two good pairs and one pair per fault; `test` folders exist but are
 * empty. Returns the root and the bad file of each fault.
 */
async function dataRoot(): Promise<{ root: string; bad: Record<string, string> }> {
  const root = await Deno.makeTempDir({ prefix: "alignsam-data-" });
  const split = (s: string, k: string) => join(root, "glass", s, k);
  for (const s of ["train", "test"]) {
    for (const k of ["images", "masks"]) await Deno.mkdir(split(s, k), { recursive: true });
  }
  const img = (stem: string) => join(split("train", "images"), `${stem}.jpg`);
  const mask = (stem: string) => join(split("train", "masks"), `${stem}.png`);
  for (const stem of ["good1", "good2", "truncjpg", "zero", "size", "truncpng"]) {
    await jpeg(img(stem));
    await maskPng(mask(stem), stem === "size" ? 97 : 96);
  }
  await cutInHalf(img("truncjpg"));
  await cutInHalf(mask("truncpng"));
  await Deno.writeFile(mask("zero"), new Uint8Array());
  return {
    root,
    bad: { truncjpg: img("truncjpg"), zero: mask("zero"), size: mask("size"), truncpng: mask("truncpng") },
  };
}

Deno.test("health: truncated JPEG and PNG, a 0-byte mask and a size mismatch are each named; good pairs pass", async () => {
  const { root, bad } = await dataRoot();
  const dir = join(root, "glass", "train");
  const pairs = ["good1", "good2", "truncjpg", "zero", "size", "truncpng"].map((stem) => ({
    stem,
    imagePath: join(dir, "images", `${stem}.jpg`),
    maskPath: join(dir, "masks", `${stem}.png`),
  }));
  const problems = await checkPairFiles(pairs);
  assert.deepEqual(problems.map((p) => p.path), [bad.truncjpg, bad.zero, bad.size, bad.truncpng]);
  assert.match(problems[0].problem, /truncated \(the jpeg file ends early\)/);
  assert.equal(problems[1].problem, "empty file (0 bytes)");
  assert.match(problems[2].problem, /mask is 97×64 but its image .*size\.jpg is 96×64/);
  assert.match(problems[3].problem, /truncated \(the png file ends early\)/);
  assert.deepEqual(await checkPairFiles(pairs.slice(0, 2)), []);
  await Deno.remove(root, { recursive: true });
});

Deno.test("data CLI: bad files are flagged ✗ with exit 1; an empty split is flagged ⚠", async () => {
  const { root, bad } = await dataRoot();
  const run = async () => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", CLI, "--data", root, "--task", "glass"],
      env: { ALIGNSAM_CACHE: join(root, ".cache") },
    }).output();
    return {
      code: out.code,
      text: new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr),
    };
  };
  const r = await run();
  assert.equal(r.code, 1, r.text);
  assert.match(r.text, /glass\s+train\s+6\s+test\s+0/);
  assert.match(r.text, /⚠ test split is empty: a run leaves glass out/);
  for (const path of Object.values(bad)) {
    assert.ok(r.text.includes(`✗ ${path}: `), `${path} not flagged:\n${r.text}`);
  }
  assert.match(r.text, /bad files \(✗ above\) in glass: a run stops on the first one \(--set skipBad=true/);
  // repaired: only the empty split is left, which a run skips (exit 0, still flagged)
  for (const path of Object.values(bad)) await Deno.remove(path);
  for (const stem of Object.keys(bad)) {
    for (const k of ["images", "masks"]) {
      for (const e of Deno.readDirSync(join(root, "glass", "train", k))) {
        if (e.name.startsWith(`${stem}.`)) await Deno.remove(join(root, "glass", "train", k, e.name));
      }
    }
  }
  const fixed = await run();
  assert.equal(fixed.code, 0, fixed.text);
  assert.ok(!fixed.text.includes("✗"), fixed.text);
  assert.match(fixed.text, /empty split \(⚠ above\), left out of a run: glass/);
  await Deno.remove(root, { recursive: true });
});
