/**
 * The embed-cache stage on a hand-made preprocess entry with a fake RunContext: one embedding
 * per distinct image (memo shared across tasks), files + index written, readEmbeddings round-trip,
 * and another segmenter → another memo key (re-embeds), nothing else changes.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { RunContext } from "../pipeline/stage.ts";
import { encodeRgbPng } from "../data/image_io.ts";
import { embedCacheStage, readEmbeddings, readEmbedIndex } from "../stages/embed_cache.ts";
import type { PreprocessManifest, SampleEntry } from "../stages/preprocess.ts";
import { FAMILIES } from "../kernels/sam/registry.ts";
import { samDecoderGraph, samEncoderGraph } from "./fixtures/onnx/sam_graphs.ts";

const root = await Deno.makeTempDir({ prefix: "alignsam-embed-" });

async function entry(name: string, images: { stem: string; hash: string; rgb: number[] }[]): Promise<string> {
  const dir = join(root, name);
  await Deno.mkdir(join(dir, "train", "images"), { recursive: true });
  const train: SampleEntry[] = [];
  for (const im of images) {
    const w = 40, h = 30, data = new Uint8Array(w * h * 3);
    for (let i = 0; i < w * h; i++) data.set(im.rgb, i * 3);
    const image = join("train", "images", `${im.stem}.png`);
    await Deno.writeFile(join(dir, image), await encodeRgbPng({ width: w, height: h, data }));
    train.push({ stem: im.stem, imageHash: im.hash, width: w, height: h, image, mask: "unused.png" });
  }
  const manifest: PreprocessManifest = {
    task: name,
    dataset: "test",
    layout: "normalised",
    dataSeed: 0,
    available: { train: images.length, test: 0 },
    train,
    test: [],
    skipped: [],
    sources: {},
  };
  await Deno.writeTextFile(join(dir, "manifest.json"), JSON.stringify(manifest));
  return dir;
}

const memo = new Map<string, Uint8Array>();
let made = 0;

async function run(task: string, input: string, segmenter: string): Promise<string> {
  const outDir = await Deno.makeTempDir({ dir: root });
  const progress: number[] = [];
  const ctx: RunContext = {
    item: { task },
    params: { segmenter },
    input: () => input,
    inputs: [{ ref: { stage: "preprocess", item: { task } }, dir: input }],
    outDir,
    progress: (done) => progress.push(done),
    log: () => {},
    memo: async (key, make) => {
      let v = memo.get(key);
      if (!v) {
        made++;
        v = await make();
        memo.set(key, v);
      }
      return v;
    },
    signal: new AbortController().signal,
  };
  await embedCacheStage.run(ctx);
  assert.equal(progress.at(-1), (await readEmbedIndex(outDir)).images.length);
  return outDir;
}

Deno.test("embed-cache: shared images embed once; index + .emb files; segmenter change re-embeds", async () => {
  const a = await entry("task-a", [
    { stem: "x", hash: "h1", rgb: [255, 0, 0] },
    { stem: "y", hash: "h2", rgb: [0, 0, 255] },
  ]);
  const b = await entry("task-b", [{ stem: "x", hash: "h1", rgb: [255, 0, 0] }]);
  const outA = await run("task-a", a, "weight-free");
  assert.equal(made, 2);
  const outB = await run("task-b", b, "weight-free");
  assert.equal(made, 2); // h1 came from the memo
  const idx = await readEmbedIndex(outA);
  assert.equal(idx.segmenter, "weight-free");
  assert.equal(idx.isSam, false);
  assert.deepEqual(idx.images.map((i) => i.file), ["h1.emb", "h2.emb"]);
  const embA = await readEmbeddings(outA), embB = await readEmbeddings(outB);
  assert.deepEqual([...embA.keys()], ["h1", "h2"]);
  assert.equal(embA.get("h1")!.width, 40);
  assert.equal(embA.get("h1")!.segmenter, idx.segmenterId);
  assert.deepEqual(embB.get("h1")!.data, embA.get("h1")!.data);
  assert.notDeepEqual(embA.get("h2")!.data, embA.get("h1")!.data);

  // Another segmenter: new memo keys, so the same images embed again under its id.
  const models = join(root, "models");
  await Deno.mkdir(models);
  await Deno.writeFile(join(models, FAMILIES["sam-vit-l"].encoder.name), samEncoderGraph());
  await Deno.writeFile(join(models, FAMILIES["sam-vit-l"].decoder.name), samDecoderGraph());
  const old = { m: Deno.env.get("ALIGNSAM_MODELS"), c: Deno.env.get("ALIGNSAM_CACHE") };
  Deno.env.set("ALIGNSAM_MODELS", models);
  Deno.env.set("ALIGNSAM_CACHE", join(root, "cache"));
  try {
    const fp = await embedCacheStage.fingerprint!({ task: "task-a" }, { segmenter: "sam-vit-l" });
    const outL = await run("task-a", a, "sam-vit-l");
    assert.equal(made, 4);
    const idxL = await readEmbedIndex(outL);
    assert.equal(idxL.segmenterId, fp); // the fingerprint is the id, computed without loading sessions
    assert.notEqual(idxL.segmenterId, idx.segmenterId);
    assert.equal((await readEmbeddings(outL)).get("h1")!.channels, 256);
  } finally {
    for (const [k, v] of [["ALIGNSAM_MODELS", old.m], ["ALIGNSAM_CACHE", old.c]] as const) {
      v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
    }
  }
  assert.deepEqual(embedCacheStage.params, ["segmenter"]);
});
