/**
 * The embed-cache stage on a hand-made preprocess entry with a fake RunContext: one embedding
 * per distinct image (memo shared across tasks), files + index written, readEmbeddings round-trip,
 * and another segmenter → another memo key (re-embeds), nothing else changes.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { embedCacheStage, readEmbeddings, readEmbedIndex } from "../stages/embed_cache.ts";
import { FAMILIES } from "../kernels/sam/registry.ts";
import { edgeSamDecoderGraph, samEncoderGraph } from "./fixtures/onnx/sam_graphs.ts";
import { fakeContext, fakeMemo, rectImage, writePreprocessEntry } from "./fixtures/onnx/stage_ctx.ts";

const root = await Deno.makeTempDir({ prefix: "alignsam-embed-" });

const RED = [255, 0, 0], BLUE = [0, 0, 255];
function sample(stem: string, imageHash: string, fg: number[]) {
  return { stem, imageHash, ...rectImage(40, 30, BLUE, fg, [0, 0, 40, 30]) };
}
async function entry(name: string, train: ReturnType<typeof sample>[]): Promise<string> {
  return await writePreprocessEntry(join(root, name), name, { train, test: [] });
}

const memo = fakeMemo();

async function run(task: string, input: string, segmenter: string): Promise<string> {
  const ctx = await fakeContext({
    item: { task },
    params: { segmenter },
    inputs: { preprocess: input },
    memo,
    root,
  });
  await embedCacheStage.run(ctx);
  assert.equal(ctx.progressed.at(-1), (await readEmbedIndex(ctx.outDir)).images.length);
  return ctx.outDir;
}

Deno.test("embed-cache: shared images embed once; index + .emb files; segmenter change re-embeds", async () => {
  const a = await entry("task-a", [sample("x", "h1", RED), sample("y", "h2", BLUE)]);
  const b = await entry("task-b", [sample("x", "h1", RED)]);
  const outA = await run("task-a", a, "weight-free");
  assert.equal(memo.made, 2);
  const outB = await run("task-b", b, "weight-free");
  assert.equal(memo.made, 2); // h1 came from the memo
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
  // EdgeSAM pins no sha256 (md5 on download only), so test graphs load under its names.
  await Deno.writeFile(join(models, FAMILIES.edgesam.encoder.name), samEncoderGraph({ inputName: "image" }));
  await Deno.writeFile(join(models, FAMILIES.edgesam.decoder.name), edgeSamDecoderGraph());
  const old = { m: Deno.env.get("ALIGNSAM_MODELS"), c: Deno.env.get("ALIGNSAM_CACHE") };
  Deno.env.set("ALIGNSAM_MODELS", models);
  Deno.env.set("ALIGNSAM_CACHE", join(root, "cache"));
  try {
    const fp = await embedCacheStage.fingerprint!({ task: "task-a" }, { segmenter: "edgesam" });
    const outL = await run("task-a", a, "edgesam");
    assert.equal(memo.made, 4);
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
