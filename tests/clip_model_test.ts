/**
 * A tiny random-weight CLIP (width 32, 2 heads, 8 vision layers, patch 16, image 64) written by
 * the test as a safetensors file with the real Hugging Face tensor names, run end to end through
 * the same code as ViT-B/16; plus weight-file errors and the image tower's first steps checked
 * against a plain-JS reference.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { initTf, tf } from "../kernels/tf/backend.ts";
import { ModelError } from "../core/errors.ts";
import { needsShared, SHARED } from "./_shared.ts";
import { randomClipTensors } from "../kernels/clip/random.ts";
import { parseSafetensors, writeSafetensors } from "../kernels/clip/safetensors.ts";
import { type ClipConfig, clipWeightsFromBytes, loadClipWeights } from "../kernels/clip/weights.ts";
import { createClipSurgery, loadTemplates } from "../kernels/clip/model.ts";
import { loadTokenizer } from "../kernels/clip/tokenizer.ts";
import { toTf } from "../kernels/clip/layers.ts";
import { encodeText, encodeTextEnsemble } from "../kernels/clip/text.ts";
import { normalizeRows } from "../kernels/clip/surgery.ts";
import { encodeImageTokens } from "../kernels/clip/vision.ts";
import { makeRng } from "../core/rng.ts";

const TINY: ClipConfig = {
  vision: { width: 32, layers: 8, heads: 2, patch: 16, imageSize: 64 },
  text: { width: 32, layers: 2, heads: 2, vocab: 49408, context: 77 },
  embedDim: 16,
};
const HEADS = { vision: 2, text: 2 };
const CLIP_DIR = `${SHARED}models/clip`;

function testImage(width: number, height: number, seed: number) {
  const rng = makeRng(seed);
  const data = new Uint8Array(width * height * 3);
  // A bright square on a noisy background, so tokens differ.
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inside = x > width / 4 && x < width / 2 && y > height / 3 && y < (2 * height) / 3;
      for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = inside ? 230 : rng.int(120);
    }
  }
  return { width, height, data };
}

Deno.test("clip safetensors: write → parse round trip keeps names, shapes and values", () => {
  const t = new Map([
    ["a.weight", { shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) }],
    ["logit_scale", { shape: [], data: new Float32Array([4.6]) }],
  ]);
  const { tensors } = parseSafetensors(writeSafetensors(t), "mem");
  assert.deepEqual(tensors.get("a.weight")!.shape, [2, 3]);
  assert.deepEqual(Array.from(tensors.get("a.weight")!.data), [1, 2, 3, 4, 5, 6]);
  assert.equal(tensors.get("logit_scale")!.data[0], Math.fround(4.6));
  assert.throws(() => parseSafetensors(new Uint8Array(4), "bad.safetensors"), /bad\.safetensors/);
});

Deno.test({
  name: "clip tiny model: safetensors file → map at the image size, in [0, 1], moved by the text",
  ...needsShared("models/clip"),
  fn: async () => {
    await initTf();
    const dir = await Deno.makeTempDir();
    try {
      const path = join(dir, "model.safetensors");
      await Deno.writeFile(path, writeSafetensors(randomClipTensors(TINY, 3)));
      const weights = await loadClipWeights(path, HEADS);
      assert.deepEqual(weights.config, TINY);
      const cs = createClipSurgery(
        weights,
        await loadTokenizer(`${CLIP_DIR}/bpe_simple_vocab_16e6.txt.gz`),
        await loadTemplates(`${CLIP_DIR}/prompt_templates.json`),
      );
      const img = testImage(90, 70, 1);
      const before = tf.memory().numTensors;
      // 128 = 8×8 tokens: the 4×4 training grid's position embeddings are interpolated, and 65
      // tokens take the per-head attention path that real images take.
      const a = cs.map(img, "shadow", 128);
      assert.equal(tf.memory().numTensors, before, "no tensor leaks per map");
      const b = cs.map(img, "glass", 128);
      assert.equal(a.side, 8);
      assert.equal(a.full.length, 90 * 70);
      assert.equal(a.width, 90);
      for (const v of a.full) assert.ok(v >= 0 && v <= 1);
      assert.equal(Math.min(...a.grid), 0);
      assert.equal(Math.max(...a.grid), 1);
      let diff = 0;
      for (let i = 0; i < a.full.length; i++) diff = Math.max(diff, Math.abs(a.full[i] - b.full[i]));
      assert.ok(diff > 0.05, `maps for different texts should differ (max diff ${diff})`);
      // Same text, same image → same map (memoised text embedding, deterministic forward).
      assert.deepEqual(cs.map(img, "shadow", 128).grid, a.grid);
      cs.dispose();
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("clip tiny model: missing and mis-shaped tensors are named errors", () => {
  const t = randomClipTensors(TINY, 4);
  const missing = new Map(t);
  missing.delete("vision_model.encoder.layers.3.self_attn.v_proj.bias");
  assert.throws(
    () => clipWeightsFromBytes(writeSafetensors(missing), "tiny.safetensors", HEADS),
    (e) =>
      e instanceof ModelError && /layers\.3\.self_attn\.v_proj\.bias/.test(e.message) &&
      /tiny/.test(e.message),
  );
  const bad = new Map(t);
  bad.set("text_projection.weight", { shape: [8, 32], data: new Float32Array(256) });
  assert.throws(
    () => clipWeightsFromBytes(writeSafetensors(bad), "tiny.safetensors", HEADS),
    (e) =>
      e instanceof ModelError &&
      /text_projection\.weight has shape \[8,32\], expected \[16,32\]/.test(e.message),
  );
  assert.throws(
    () => clipWeightsFromBytes(writeSafetensors(t), "tiny.safetensors", { vision: 3, text: 2 }),
    (e) => e instanceof ModelError && /3 attention heads/.test(e.message),
  );
});

Deno.test("clip tiny model: a missing weights file says what to download and where", async () => {
  await assert.rejects(
    loadClipWeights("nowhere/model.safetensors"),
    (e) =>
      e instanceof ModelError && /huggingface\.co\/openai\/clip-vit-base-patch16/.test(e.message) &&
      /clip-vit-base-patch16\/model\.safetensors/.test(e.message) && /ALIGNSAM_MODELS/.test(e.message),
  );
});

Deno.test("clip text: running only up to the last EOT equals the full causal context", async () => {
  await initTf();
  const m = toTf(clipWeightsFromBytes(writeSafetensors(randomClipTensors(TINY, 5)), "tiny", HEADS));
  const row = (ids: number[]) => {
    const r = new Int32Array(77);
    r.set(ids);
    return r;
  };
  const short = row([49406, 320, 2368, 49407]);
  const long = row([49406, ...new Array(40).fill(1125), 49407]);
  const both = new Int32Array(2 * 77);
  both.set(short);
  both.set(long, 77);
  const alone = encodeText(m, short); // runs 4 positions
  const batched = encodeText(m, both); // runs 42 positions: padding after EOT is attended by nobody
  const d = TINY.embedDim;
  for (let j = 0; j < d; j++) assert.ok(Math.abs(alone[j] - batched[j]) < 1e-5);
});

Deno.test("clip vision: patch embedding, CLS, positions and norms match a plain-JS reference", async () => {
  await initTf();
  // No transformer layers: tokens = proj(ln_post(ln_pre([cls; conv(x)] + pos))).
  const cfg: ClipConfig = { ...TINY, vision: { ...TINY.vision, layers: 0, imageSize: 32 } };
  const w = clipWeightsFromBytes(writeSafetensors(randomClipTensors(cfg, 6)), "tiny", HEADS);
  const P = 16, S = 32, G = 2, W = 32, D = 16;
  const pix = Float32Array.from({ length: 3 * S * S }, (_, i) => Math.sin(i * 0.37));
  const got = encodeImageTokens(toTf(w), pix, S);
  const ln = (x: number[]) => {
    const mu = x.reduce((a, b) => a + b) / x.length;
    const v = x.reduce((a, b) => a + (b - mu) ** 2, 0) / x.length;
    return x.map((t) => (t - mu) / Math.sqrt(v + 1e-5)); // gains 1, shifts ~0.01 handled below
  };
  for (let t = 0; t < G * G + 1; t++) {
    const tok = new Array(W).fill(0);
    for (let c = 0; c < W; c++) {
      if (t === 0) tok[c] = w.vision.cls[c];
      else {
        const gy = Math.floor((t - 1) / G), gx = (t - 1) % G;
        for (let ch = 0; ch < 3; ch++) {
          for (let py = 0; py < P; py++) {
            for (let px = 0; px < P; px++) {
              tok[c] += w.vision.patch[((c * 3 + ch) * P + py) * P + px] *
                pix[(ch * S + gy * P + py) * S + gx * P + px];
            }
          }
        }
      }
      tok[c] += w.vision.pos[t * W + c];
    }
    const pre = ln(tok).map((v, c) => v * w.vision.lnPre.g[c] + w.vision.lnPre.b[c]);
    const post = ln(pre).map((v, c) => v * w.vision.lnPost.g[c] + w.vision.lnPost.b[c]);
    for (let k = 0; k < D; k++) {
      let s = 0;
      for (let c = 0; c < W; c++) s += w.vision.proj.w[k * W + c] * post[c];
      assert.ok(Math.abs(got[t * D + k] - s) < 1e-3, `token ${t} dim ${k}: ${got[t * D + k]} vs ${s}`);
    }
  }
});

Deno.test({
  name: "clip text: the prompt ensemble is the normalised mean of normalised template embeddings",
  ...needsShared("models/clip"),
  fn: async () => {
    await initTf();
    const m = toTf(clipWeightsFromBytes(writeSafetensors(randomClipTensors(TINY, 7)), "tiny", HEADS));
    const tok = await loadTokenizer(`${CLIP_DIR}/bpe_simple_vocab_16e6.txt.gz`);
    const templates = ["a photo of the hard to see {}.", "a {}.", "itap of my {}."];
    const d = TINY.embedDim;
    const each = normalizeRows(
      encodeText(m, tok.tokenize(templates.map((t) => t.replace("{}", "glass")))),
      d,
    );
    const mean = new Float32Array(d);
    for (let r = 0; r < 3; r++) for (let j = 0; j < d; j++) mean[j] += each[r * d + j];
    const want = normalizeRows(mean, d);
    // batch 1 and batch 2 (length-sorted batches) give the same ensemble.
    for (const batch of [1, 2]) {
      const got = encodeTextEnsemble(m, tok, "glass", templates, batch);
      for (let j = 0; j < d; j++) assert.ok(Math.abs(got[j] - want[j]) < 1e-5, `batch ${batch} dim ${j}`);
    }
  },
});

Deno.test({
  name: "clip forward: tiny model matches an independent float64 numpy reference of CLIP Surgery",
  ...needsShared("models/clip"),
  fn: async () => {
    await initTf();
    // Expected values from a numpy re-implementation (float64) that follows the official
    // xmed-lab/CLIP_Surgery clip_surgery_model.py structure (fused in_proj, per-head loop, the
    // dual path on the last 6 blocks, torch-style bilinear position resize 4→8, full 77-token
    // causal text context), run on this exact checkpoint (randomClipTensors(cfg, 11)), input and
    // prompts; it agreed with our tfjs forward to 1e-6 on every value. Rows 0 (CLS), 1, 37, 64.
    const cfg: ClipConfig = {
      vision: { width: 64, layers: 8, heads: 4, patch: 16, imageSize: 64 },
      text: { width: 64, layers: 3, heads: 4, vocab: 49408, context: 77 },
      embedDim: 16,
    };
    const m = toTf(
      clipWeightsFromBytes(writeSafetensors(randomClipTensors(cfg, 11)), "tiny", { vision: 4, text: 4 }),
    );
    const S = 128;
    const pix = Float32Array.from(
      { length: 3 * S * S },
      (_, i) => Math.sin(i * 0.013) + Math.cos(i * 0.0007),
    );
    const img = encodeImageTokens(m, pix, S);
    const wantImg = [
      [0, [1.224883, 0.878183, 0.009774]],
      [1, [0.25906, -0.032117, 0.541219]],
      [37, [0.403222, -0.262456, 0.912175]],
      [64, [0.387703, -0.217989, -0.281717]],
    ] as const;
    for (const [row, vals] of wantImg) {
      vals.forEach((v, j) => assert.ok(Math.abs(img[row * 16 + j] - v) < 2e-5, `image token ${row}[${j}]`));
    }
    const tok = await loadTokenizer(`${CLIP_DIR}/bpe_simple_vocab_16e6.txt.gz`);
    const txt = encodeText(m, tok.tokenize(["a photo of a shadow.", "there is the glass in the scene.", ""]));
    const wantTxt = [
      [0.365438, 0.665765, -0.366558],
      [0.356109, 0.529569, -0.353519],
      [0.567257, 0.719758, -0.117383],
    ];
    wantTxt.forEach((vals, r) =>
      vals.forEach((v, j) => assert.ok(Math.abs(txt[r * 16 + j] - v) < 2e-5, `text ${r}[${j}]`))
    );
  },
});
