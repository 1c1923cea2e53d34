/** Model lookup, the offline error, the hash cache and the segmenter factory. */
import assert from "node:assert/strict";
import { ModelError } from "../core/errors.ts";
import { fileSha256, modelCacheDir } from "../kernels/models/resolve.ts";
import { createSegmenter } from "../kernels/sam/factory.ts";
import { FAMILIES } from "../kernels/sam/registry.ts";
import { edgeSamDecoderGraph, samDecoderGraph, samEncoderGraph } from "./fixtures/onnx/sam_graphs.ts";

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
    // EdgeSAM pins no sha256 (recorded on first download), so test graphs load under its names.
    const fam = FAMILIES.edgesam;
    const models = `${root}/edgesam`;
    await Deno.mkdir(models, { recursive: true });
    await Deno.writeFile(`${models}/${fam.encoder.name}`, samEncoderGraph({ inputName: "image" }));
    await Deno.writeFile(`${models}/${fam.decoder.name}`, edgeSamDecoderGraph());
    const a = await createSegmenter("edgesam", { modelsDir: models, download: false });
    assert.match(a.id, /^[0-9a-f]{64}$/);
    assert.equal(a.isSam, true);
    assert.equal(a.label, "edgesam (onnx)");
    const b = await createSegmenter("edgesam", { modelsDir: models, download: false });
    assert.equal(b.id, a.id);
    await Deno.writeFile(`${models}/${fam.decoder.name}`, edgeSamDecoderGraph({ scores: [1, 2, 3, 4] }));
    const c = await createSegmenter("edgesam", { modelsDir: models, download: false });
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

Deno.test("labelme ViT-L/H: the 3rd-party sha256 ends are checked on load, naming them and their provenance", async () => {
  await withEnv({ ALIGNSAM_CACHE: `${root}/cache4` }, async () => {
    const fam = FAMILIES["sam-vit-l"];
    assert.equal(fam.encoder.checksum, "3rd-party");
    const models = `${root}/vit-l`;
    await Deno.mkdir(models, { recursive: true });
    await Deno.writeFile(`${models}/${fam.encoder.name}`, samEncoderGraph());
    await Deno.writeFile(`${models}/${fam.decoder.name}`, samDecoderGraph());
    await assert.rejects(
      createSegmenter("sam-vit-l", { modelsDir: models, download: false }),
      /sam_vit_l_0b3195\.quantized\.encoder\.onnx: sha256 [0-9a-f]{64} does not match the registry's f7158a4a…034f .*\(3rd-party\)/,
    );
  });
});

Deno.test("registry hygiene: every file's checksum provenance is one of the three, pins are full sha256", () => {
  for (const fam of Object.values(FAMILIES)) {
    for (const f of [fam.encoder, fam.decoder]) {
      assert.ok(
        ["published", "3rd-party", "first verified download"].includes(f.checksum),
        `${f.name}: ${f.checksum}`,
      );
      if (f.sha256) assert.match(f.sha256, /^[0-9a-f]{64}$/, f.name);
      // a file is pinned (fully or by its ends) unless its provenance says the first download decides
      assert.equal(!f.sha256 && !f.sha256Ends, f.checksum === "first verified download", f.name);
    }
  }
});

Deno.test("first use of a file pair runs the check once, cached in checks.json by both sha256", async () => {
  await withEnv({ ALIGNSAM_CACHE: `${root}/cache5` }, async () => {
    const fam = FAMILIES.edgesam;
    const models = `${root}/edgesam-check`;
    await Deno.mkdir(models, { recursive: true });
    await Deno.writeFile(`${models}/${fam.encoder.name}`, samEncoderGraph({ inputName: "image" }));
    await Deno.writeFile(`${models}/${fam.decoder.name}`, edgeSamDecoderGraph({ stabilityScores: true }));
    const lines: string[] = [];
    const orig = console.error;
    console.error = (m: string) => lines.push(String(m));
    try {
      const a = await createSegmenter("edgesam", { modelsDir: models, download: false });
      const b = await createSegmenter("edgesam", { modelsDir: models, download: false });
      // EdgeSAM's scores are measured: this decoder computes stability scores
      assert.equal(a.capabilities?.scoreKind, "stability score");
      assert.equal(b.capabilities?.scoreKind, "stability score");
      for (const s of [a, b]) await s.dispose?.();
    } finally {
      console.error = orig;
    }
    assert.equal(lines.filter((l) => l.includes("first use of")).length, 1, lines.join("\n"));
    const checks = JSON.parse(await Deno.readTextFile(`${modelCacheDir()}/checks.json`));
    const [key] = Object.keys(checks);
    const [enc, dec] = [fam.encoder, fam.decoder].map((f) => fileSha256(`${models}/${f.name}`));
    assert.equal(key, `edgesam:${await enc}:${await dec}`);
    assert.equal(checks[key].masksOut, 4);
    assert.equal(checks[key].images.length, 2);
  });
});
