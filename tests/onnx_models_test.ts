/** Model lookup, the offline error, the hash cache and the segmenter factory. */
import assert from "node:assert/strict";
import { ModelError } from "../core/errors.ts";
import { fileSha256, modelCacheDir } from "../kernels/models/resolve.ts";
import { createSegmenter } from "../kernels/sam/factory.ts";
import { FAMILIES } from "../kernels/sam/registry.ts";
import { samDecoderGraph, samEncoderGraph } from "./fixtures/onnx/sam_graphs.ts";

const root = await Deno.makeTempDir({ prefix: "alignsam-models-" });

async function withEnv(env: Record<string, string | undefined>, fn: () => Promise<void>) {
  const old = Object.fromEntries(Object.keys(env).map((k) => [k, Deno.env.get(k)]));
  const set = (e: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(e)) v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
  };
  set(env);
  try {
    await fn();
  } finally {
    set(old);
  }
}

Deno.test("offline: asking for MobileSAM names both files, their URLs and the folder", async () => {
  await withEnv({ ALIGNSAM_CACHE: `${root}/cache`, ALIGNSAM_MODELS: undefined }, async () => {
    const models = `${root}/empty-models`;
    await assert.rejects(createSegmenter("mobilesam", { modelsDir: models, download: false }), (e: Error) => {
      assert.ok(e instanceof ModelError, e.message);
      for (
        const part of [
          "segmenter mobilesam",
          "mobile_sam_image_encoder.onnx (28.2 MB) from https://huggingface.co/Acly/MobileSAM",
          "sam_mask_decoder_single.onnx (16.5 MB)",
          `Place these in ${models}`,
          "--models DIR",
        ]
      ) assert.ok(e.message.includes(part), `'${part}' not in:\n${e.message}`);
      return true;
    });
  });
});

Deno.test("unknown segmenter names the accepted ones", async () => {
  await assert.rejects(
    createSegmenter("sam-vit-x"),
    /unknown segmenter 'sam-vit-x' \(accepted: weight-free, sam-vit-b/,
  );
});

Deno.test("a file whose sha256 differs from the registry's pin is refused, naming both hashes", async () => {
  await withEnv({ ALIGNSAM_CACHE: `${root}/cache2` }, async () => {
    const models = `${root}/wrong-b`;
    await Deno.mkdir(models, { recursive: true });
    await Deno.writeFile(`${models}/${FAMILIES["sam-vit-b"].encoder.name}`, samEncoderGraph());
    await Deno.writeFile(`${models}/${FAMILIES["sam-vit-b"].decoder.name}`, samDecoderGraph());
    await assert.rejects(
      createSegmenter("sam-vit-b", { modelsDir: models, download: false }),
      /sam_vit_b_01ec64\.quantized\.encoder\.onnx: sha256 [0-9a-f]{64} does not match the registry's 3346b9cc/,
    );
  });
});

Deno.test("factory: files found in --models load; the id hashes weights + config; hashes are cached", async () => {
  await withEnv({ ALIGNSAM_CACHE: `${root}/cache3` }, async () => {
    // sam-vit-l has no pinned sha256 (recorded on first download), so test graphs load under its names.
    const fam = FAMILIES["sam-vit-l"];
    const models = `${root}/vit-l`;
    await Deno.mkdir(models, { recursive: true });
    await Deno.writeFile(`${models}/${fam.encoder.name}`, samEncoderGraph());
    await Deno.writeFile(`${models}/${fam.decoder.name}`, samDecoderGraph());
    const a = await createSegmenter("sam-vit-l", { modelsDir: models, download: false });
    assert.match(a.id, /^[0-9a-f]{64}$/);
    assert.equal(a.isSam, true);
    assert.equal(a.label, "sam-vit-l (onnx)");
    const b = await createSegmenter("sam-vit-l", { modelsDir: models, download: false });
    assert.equal(b.id, a.id);
    await Deno.writeFile(`${models}/${fam.decoder.name}`, samDecoderGraph({ iou: [1, 2, 3, 4] }));
    const c = await createSegmenter("sam-vit-l", { modelsDir: models, download: false });
    assert.notEqual(c.id, a.id);
    for (const s of [a, b, c]) await s.dispose?.();
    // the hash cache is keyed by path + size + mtime: a planted entry is trusted while they match
    const cachePath = `${modelCacheDir()}/hashes.json`;
    const cache = JSON.parse(await Deno.readTextFile(cachePath));
    const key = Object.keys(cache).find((k) => k.endsWith(fam.encoder.name))!;
    cache[key].sha256 = "f".repeat(64);
    await Deno.writeTextFile(cachePath, JSON.stringify(cache));
    assert.equal(await fileSha256(`${models}/${fam.encoder.name}`), "f".repeat(64));
  });
});

Deno.test("weight-free dispatches to the weight-free backend (not SAM)", async () => {
  const s = await createSegmenter("weight-free");
  assert.equal(s.isSam, false);
});
