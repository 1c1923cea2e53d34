/**
 * The clip-maps stage on a preprocess entry the test writes, with a tiny random CLIP placed as
 * `<models>/clip-vit-base-patch16/model.safetensors` (width 64 → 1 head by CLIP's width/64
 * rule): outputs, readClipMaps, memo reuse, and the "needs CLIP weights" / missing-file errors.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { needsShared, SHARED } from "./_shared.ts";
import type { RunContext } from "../pipeline/stage.ts";
import { ModelError } from "../core/errors.ts";
import { clipMapsStage, readClipMaps } from "../stages/clip_maps.ts";
import type { PreprocessManifest, SampleEntry } from "../stages/preprocess.ts";
import { encodeGrayPng, encodeRgbPng } from "../core/image_io.ts";
import { randomClipTensors } from "../kernels/clip/random.ts";
import { writeSafetensors } from "../kernels/clip/safetensors.ts";
import { resolveClipFiles } from "../kernels/clip/files.ts";
import { initTf } from "../kernels/tf/backend.ts";

async function preprocessEntry(dir: string): Promise<SampleEntry[]> {
  const entries: SampleEntry[] = [];
  for (
    const [stem, w, h, hash] of [["a", 40, 30, "h1"], ["b", 32, 48, "h2"], ["a-again", 40, 30, "h1"]] as const
  ) {
    const data = Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * (stem === "b" ? 13 : 7)) % 256);
    await Deno.mkdir(join(dir, "test/images"), { recursive: true });
    await Deno.mkdir(join(dir, "test/masks"), { recursive: true });
    await Deno.writeFile(
      join(dir, `test/images/${stem}.png`),
      await encodeRgbPng({ width: w, height: h, data }),
    );
    await Deno.writeFile(
      join(dir, `test/masks/${stem}.png`),
      await encodeGrayPng(w, h, new Uint8Array(w * h)),
    );
    entries.push({
      stem,
      imageHash: hash,
      width: w,
      height: h,
      image: `test/images/${stem}.png`,
      mask: `test/masks/${stem}.png`,
    });
  }
  const manifest: PreprocessManifest = {
    task: "shadow",
    dataset: "test",
    layout: "normalised",
    dataSeed: 0,
    available: { train: 0, test: 3 },
    train: [],
    test: entries,
    skipped: [],
    sources: {},
  };
  await Deno.writeTextFile(join(dir, "manifest.json"), JSON.stringify(manifest));
  return entries;
}

function context(
  input: string,
  outDir: string,
  store: Map<string, Uint8Array>,
  params: Record<string, unknown> = { clip: "vit-b-16", clipInput: "224", segmenter: "weight-free" },
) {
  const made: string[] = [];
  const ctx: RunContext = {
    item: { task: "shadow" },
    params,
    input: () => input,
    inputs: [{ ref: { stage: "preprocess", item: { task: "shadow" } }, dir: input }],
    outDir,
    progress: () => {},
    log: () => {},
    note: () => {},
    memo: async (key, make) => {
      if (!store.has(key)) {
        made.push(key);
        store.set(key, await make());
      }
      return store.get(key)!;
    },
    signal: new AbortController().signal,
    codeHash: "clip-maps code (test)",
  };
  return { ctx, made };
}

async function withEnv<T>(vars: Record<string, string>, f: () => Promise<T>): Promise<T> {
  const old = Object.fromEntries(Object.keys(vars).map((k) => [k, Deno.env.get(k)]));
  for (const [k, v] of Object.entries(vars)) Deno.env.set(k, v);
  try {
    return await f();
  } finally {
    for (const [k, v] of Object.entries(old)) v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
  }
}

Deno.test({
  name: "clip-maps stage: one map per distinct image, 64×64 and full size, reused through the memo",
  ...needsShared("models/clip"),
  fn: async () => {
    await initTf();
    const root = await Deno.makeTempDir();
    try {
      const models = join(root, "models");
      await Deno.mkdir(join(models, "clip-vit-base-patch16"), { recursive: true });
      await Deno.mkdir(join(models, "clip"), { recursive: true });
      const tiny = {
        vision: { width: 64, layers: 7, heads: 1, patch: 16, imageSize: 64 },
        text: { width: 64, layers: 1, heads: 1, vocab: 49408, context: 77 },
        embedDim: 16,
      };
      await Deno.writeFile(
        join(models, "clip-vit-base-patch16/model.safetensors"),
        writeSafetensors(randomClipTensors(tiny, 9)),
      );
      await Deno.copyFile(
        `${SHARED}models/clip/bpe_simple_vocab_16e6.txt.gz`,
        join(models, "clip/bpe_simple_vocab_16e6.txt.gz"),
      );
      await Deno.writeTextFile(
        join(models, "clip/prompt_templates.json"),
        JSON.stringify(["a photo of a {}."]),
      );
      const input = join(root, "pre");
      await preprocessEntry(input);
      await withEnv({ ALIGNSAM_MODELS: models, ALIGNSAM_CACHE: join(root, "cache") }, async () => {
        const store = new Map<string, Uint8Array>();
        const out1 = join(root, "out1");
        await Deno.mkdir(out1);
        const first = context(input, out1, store);
        await clipMapsStage.run(first.ctx);
        assert.equal(first.made.length, 2, "the repeated image is mapped once");
        const maps = await readClipMaps(out1);
        assert.deepEqual([...maps.keys()], ["h1", "h2"]);
        const b = maps.get("h2")!;
        assert.equal(b.map64.length, 64 * 64);
        assert.equal(b.full!.length, 32 * 48);
        assert.equal([b.width, b.height].join("x"), "32x48");
        for (const v of [...b.map64, ...b.full!]) assert.ok(v >= 0 && v <= 1);
        assert.ok(Math.max(...b.map64) > 0.9 && Math.min(...b.map64) < 0.1, "min-maxed map spans [0, 1]");
        const header = JSON.parse(await Deno.readTextFile(join(out1, "maps.json")));
        assert.equal(header.text, "shadow");
        assert.equal(header.side, 14);
        // Padded layout (weight-free follows SAM's): a 32×48 image covers grid columns 0..42.
        assert.equal(header.layout, "padded");
        for (let y = 0; y < 64; y++) assert.equal(b.map64[y * 64 + 63], 0);

        /** Run the stage into a fresh folder with these params (same memo store). */
        const rerun = async (name: string, params: Record<string, unknown>) => {
          const out = join(root, name);
          await Deno.mkdir(out);
          const c = context(input, out, store, { clip: "vit-b-16", ...params });
          await clipMapsStage.run(c.ctx);
          return { out, made: c.made };
        };
        // Another segmenter (EfficientSAM: stretched grid) reuses every memoised token map.
        const { out: out2, made: made2 } = await rerun("out2", {
          clipInput: "224",
          segmenter: "efficientsam-ti",
        });
        assert.equal(made2.length, 0, "every map came from the memo");
        const stretched = (await readClipMaps(out2, { full: false })).get("h2")!;
        assert.equal(stretched.full, undefined);
        assert.ok(Math.max(...Array.from({ length: 64 }, (_, y) => stretched.map64[y * 64 + 63])) > 0);
        assert.notEqual(
          await clipMapsStage.fingerprint!({ task: "shadow" }, { clip: "vit-b-16" }),
          "clip: none",
        );
        // clipInput 512: new maps (32×32 tokens), not the 224 ones from the memo
        const { out: out3, made: made3 } = await rerun("out3", {
          clipInput: "512",
          segmenter: "weight-free",
        });
        assert.equal(made3.length, 2);
        const h512 = JSON.parse(await Deno.readTextFile(join(out3, "maps.json")));
        assert.deepEqual([h512.inputSize, h512.side], [512, 32]);
        assert.ok(clipMapsStage.params.includes("clipInput"));
      });
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test("clip-maps stage: clip = none stops with 'needs CLIP weights'", async () => {
  const { ctx } = context("nowhere", "nowhere", new Map(), { clip: "none" });
  await assert.rejects(
    clipMapsStage.run(ctx),
    (e) => e instanceof ModelError && /needs CLIP weights/.test(e.message),
  );
});

Deno.test("clip files: missing weights name the file, its URL and where to place it", async () => {
  const root = await Deno.makeTempDir();
  try {
    await Deno.mkdir(join(root, "clip"));
    await Deno.writeTextFile(join(root, "clip/prompt_templates.json"), "[]");
    await assert.rejects(
      resolveClipFiles({ modelsDir: root, download: false }),
      (e) =>
        e instanceof ModelError && e.message.includes("clip-vit-base-patch16/model.safetensors") &&
        e.message.includes("huggingface.co/openai/clip-vit-base-patch16") && e.message.includes(root),
    );
    await Deno.remove(join(root, "clip/prompt_templates.json"));
    await assert.rejects(
      resolveClipFiles({ modelsDir: root, download: false }),
      (e) => e instanceof ModelError && e.message.includes("clip/prompt_templates.json"),
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
