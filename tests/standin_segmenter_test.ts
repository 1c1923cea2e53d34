/**
 * The stand-in segmenter (kernels/sam/standin/): the MobileNetV2 graph edit, the projection, the
 * embedding layout, the decoder it shares with the weight-free backend, and its registration.
 * The backbone is read from ../shared/models (never copied into the repository).
 */
import nodeAssert from "node:assert/strict";
import { assert, assertEquals, assertRejects } from "./pipeline_assert.ts";
import sharp from "sharp";
import * as ort from "onnxruntime-node";
import { ModelError } from "../core/errors.ts";
import type { RGBImage } from "../core/image.ts";
import { EMBED_SIZE, type Embedding } from "../kernels/sam/segmenter.ts";
import { featureGraph, INPUT, OUTPUT } from "../kernels/sam/standin/graph.ts";
import { projectionMatrices, TAPS } from "../kernels/sam/standin/features.ts";
import { createStandinSegmenter, STANDIN_LABEL } from "../kernels/sam/standin/segmenter.ts";
import { createWeightFreeSegmenter } from "../kernels/sam/weightfree/segmenter.ts";
import { CHANNELS, embedExtent } from "../kernels/sam/weightfree/features.ts";
import { STANDIN_BACKBONE } from "../kernels/sam/registry.ts";
import { createSegmenter, resolveSegmenterName, segmenterFingerprint } from "../kernels/sam/factory.ts";
import { verifiedSha256 } from "../kernels/models/resolve.ts";
import { samEncoderGraph } from "./fixtures/onnx/sam_graphs.ts";
import { needsShared, SHARED, SHARED_DATA } from "./_shared.ts";

const MODELS = `${SHARED}models`;
const FILE = `${MODELS}/${STANDIN_BACKBONE.name}`;
const P = 64, G = EMBED_SIZE;

async function glassImage(): Promise<RGBImage> {
  const dir = `${SHARED_DATA}/glass/train/images`;
  const name = [...Deno.readDirSync(dir)].map((e) => e.name).sort()[0];
  const { data, info } = await sharp(`${dir}/${name}`).removeAlpha().resize(500, 375, { fit: "fill" }).raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

Deno.test("standin projection: seeded, per tap [P, C], ≈ unit variance per output channel", () => {
  const a = projectionMatrices(P, 0), b = projectionMatrices(P, 0), c = projectionMatrices(P, 1);
  assertEquals(a.map((m) => m.length), TAPS.map((t) => P * t.channels));
  assertEquals(a, b);
  assert(a[0].some((v, i) => v !== c[0][i]), "another seed gives another matrix");
  // a unit vector per tap adds Σ_k w_k² over 3 taps: E = 3 · 1/3 = 1 per output channel
  let s = 0;
  for (const m of a) for (const v of m) s += v * v;
  const perChannel = s / P / TAPS.reduce((n, t) => n + t.channels, 0) * TAPS.length;
  assert(Math.abs(perChannel - 1) < 0.1, `variance per channel ${perChannel}`);
});

Deno.test("standin graph: a file without the taps, or not ONNX at all, is a ModelError naming it", () => {
  const proj = projectionMatrices(P, 0);
  const throws = (bytes: Uint8Array, path: string, part: string) =>
    nodeAssert.throws(() => featureGraph(bytes, TAPS, proj, path), (e: Error) => {
      assert(e instanceof ModelError && e.message.includes(path) && e.message.includes(part), e.message);
      return true;
    });
  throws(new Uint8Array([1, 2, 3, 250]), "x.onnx", "not an ONNX model");
  // a SAM-signature test graph with an input named "input": valid ONNX, no MobileNetV2 activations
  throws(samEncoderGraph({ inputName: INPUT, side: 64 }), "sam.onnx", "365_quantized");
});

Deno.test({
  name: "standin graph: one output [1, P, H/8, W/8] at any input size; the classifier is gone",
  ...needsShared("models/mobilenetv2"),
  fn: async () => {
    const bytes = await Deno.readFile(FILE);
    const edited = featureGraph(bytes, TAPS, projectionMatrices(P, 0), FILE);
    assert(edited.length < bytes.length * 0.6, `edited ${edited.length} B of ${bytes.length} B`);
    const s = await ort.InferenceSession.create(edited, { executionProviders: ["cpu"] });
    try {
      assertEquals(s.outputNames, [OUTPUT]);
      for (const [h, w] of [[512, 512], [256, 384]]) {
        const x = new ort.Tensor("float32", new Float32Array(3 * h * w).fill(0.3), [1, 3, h, w]);
        const out = (await s.run({ [INPUT]: x }))[OUTPUT];
        assertEquals(out.dims, [1, P, h / 8, w / 8]);
        assert((out.data as Float32Array).every(Number.isFinite));
      }
    } finally {
      await s.release();
    }
  },
});

Deno.test({
  name: "standin: [64 + 16, 64, 64] embedding, zero padding, features first; decode survives a cache copy",
  ...needsShared("models/mobilenetv2"),
  sanitizeResources: false,
  fn: async () => {
    const seg = await createStandinSegmenter(FILE, "test");
    try {
      assertEquals(seg.label, STANDIN_LABEL);
      assertEquals(seg.isSam, false);
      const image = await glassImage();
      const emb = await seg.embed(image);
      assertEquals(emb.channels, P + CHANNELS.length);
      assertEquals(emb.data.length, emb.channels * G * G);
      const { ew, eh } = embedExtent(image.width, image.height);
      assertEquals([ew, eh], [64, 48]);
      let inside = 0, outside = 0;
      for (let c = 0; c < P; c++) {
        for (let y = 0; y < G; y++) {
          for (let x = 0; x < G; x++) {
            const v = Math.abs(emb.data[c * G * G + y * G + x]);
            if (x < ew && y < eh) inside += v;
            else outside += v;
          }
        }
      }
      assert(inside > 0 && outside === 0, `inside ${inside}, padding ${outside}`);
      // the weight-free channels follow the features, the same values as the weight-free backend's
      const wf = await createWeightFreeSegmenter().embed(image);
      assertEquals(emb.data.subarray(P * G * G), wf.data);

      const clicks = [{ x: 250, y: 190, label: 1 as const }, { x: 20, y: 20, label: 0 as const }];
      const a = await seg.decode(emb, clicks);
      const copy: Embedding = {
        ...emb,
        data: emb.data.slice(),
        aux: Object.fromEntries(
          Object.entries(emb.aux!).map(([k, v]) => [k, { shape: v.shape, data: v.data.slice() }]),
        ),
      };
      const b = await seg.decode(copy, clicks);
      assertEquals(b.mask, a.mask);
      await assertRejects(
        () => seg.decode({ ...copy, segmenter: "other" }, clicks),
        ModelError,
        "embedding was made by segmenter",
      );
    } finally {
      await seg.dispose?.();
    }
  },
});

Deno.test({
  name: "standin: with featureWeight 0 it decodes exactly as weight-free; with features the masks differ",
  ...needsShared("models/mobilenetv2"),
  sanitizeResources: false,
  fn: async () => {
    const image = await glassImage();
    const off = await createStandinSegmenter(FILE, "test", { featureWeight: 0 });
    const on = await createStandinSegmenter(FILE, "test");
    const wf = createWeightFreeSegmenter();
    try {
      assert(off.id !== on.id, "the id hashes the config");
      const clicks = [{ x: 250, y: 190, label: 1 as const }, { x: 400, y: 300, label: 1 as const }];
      const [eOff, eOn, eWf] = await Promise.all([off.embed(image), on.embed(image), wf.embed(image)]);
      const mOff = (await off.decode(eOff, clicks)).mask, mWf = (await wf.decode(eWf, clicks)).mask;
      assertEquals(mOff, mWf);
      const mOn = (await on.decode(eOn, clicks)).mask;
      let diff = 0;
      for (let i = 0; i < mOn.length; i++) diff += mOn[i] !== mWf[i] ? 1 : 0;
      assert(diff > 0, "the feature term changes the mask");
    } finally {
      await off.dispose?.();
      await on.dispose?.();
    }
  },
});

Deno.test({
  name: "standin registration: the pinned sha256 matches the file; factory, offline choice and fingerprint",
  ...needsShared("models/mobilenetv2"),
  sanitizeResources: false,
  fn: async () => {
    const cache = await Deno.makeTempDir({ prefix: "alignsam-standin-" });
    const before = Deno.env.get("ALIGNSAM_CACHE");
    Deno.env.set("ALIGNSAM_CACHE", cache); // hash cache and empty model cache of our own
    try {
      assertEquals(await verifiedSha256(STANDIN_BACKBONE, FILE), STANDIN_BACKBONE.sha256);
      const opts = { modelsDir: MODELS, download: false };
      assertEquals(await resolveSegmenterName("offline", opts), "standin");
      assertEquals(
        await resolveSegmenterName("offline", { modelsDir: cache, download: false }),
        "weight-free",
      );
      assertEquals(await resolveSegmenterName("mobilesam", opts), "mobilesam");
      const seg = await createSegmenter("offline", opts);
      try {
        assertEquals(seg.label, STANDIN_LABEL);
        assertEquals(await segmenterFingerprint("standin", opts), seg.id);
        assertEquals(await segmenterFingerprint("offline", opts), seg.id);
      } finally {
        await seg.dispose?.();
      }
      assertEquals(
        await segmenterFingerprint("standin", { modelsDir: cache }),
        `missing: ${STANDIN_BACKBONE.name}`,
      );
      await assertRejects(
        () => createSegmenter("standin", { modelsDir: cache, download: false }),
        ModelError,
        STANDIN_BACKBONE.name,
      );
    } finally {
      if (before === undefined) Deno.env.delete("ALIGNSAM_CACHE");
      else Deno.env.set("ALIGNSAM_CACHE", before);
      await Deno.remove(cache, { recursive: true });
    }
  },
});
