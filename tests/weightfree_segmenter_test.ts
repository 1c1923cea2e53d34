import { assert, assertEquals, assertRejects } from "./pipeline_assert.ts";
import type { Point, RGBImage } from "../core/image.ts";
import { ModelError } from "../core/errors.ts";
import { EMBED_SIZE, type Embedding, LOW_RES } from "../kernels/sam/segmenter.ts";
import { createWeightFreeSegmenter, WEIGHT_FREE_LABEL } from "../kernels/sam/weightfree/segmenter.ts";
import { CHANNELS, fineGridSize } from "../kernels/sam/weightfree/features.ts";
import { BACKGROUND_LOGIT } from "../kernels/sam/weightfree/decoder.ts";
import { maskIou } from "../kernels/sam/clicks.ts";
import { decodeEmbedding, encodeEmbedding } from "../kernels/sam/embedding_io.ts";

/** A grey-level scene: `inside(x, y)` pixels bright (with a little deterministic texture), the rest dark. */
function scene(
  w: number,
  h: number,
  inside: (x: number, y: number) => boolean,
): { image: RGBImage; gt: Uint8Array } {
  const data = new Uint8Array(w * h * 3), gt = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x, noise = ((x * 7 + y * 13) % 11) - 5;
      gt[i] = inside(x, y) ? 1 : 0;
      const v = (gt[i] ? 210 : 40) + noise;
      data.set([v, v - 10, v + 5], 3 * i);
    }
  }
  return { image: { width: w, height: h, data }, gt };
}

const disc = (cx: number, cy: number, r: number) => (x: number, y: number) =>
  (x - cx) ** 2 + (y - cy) ** 2 <= r * r;

Deno.test("weightfree: one positive click on a bright disc gives IoU > 0.9", async () => {
  const { image, gt } = scene(300, 200, disc(140, 100, 50));
  const seg = createWeightFreeSegmenter();
  const out = await seg.decode(await seg.embed(image), [{ x: 140, y: 100, label: 1 }]);
  const iou = maskIou(out.mask, gt);
  assert(iou > 0.9, `IoU ${iou}`);
});

Deno.test("weightfree: a negative click removes a wrongly included region", async () => {
  // A disc with a same-coloured bar attached: one positive click takes both.
  const bar = (x: number, y: number) => x >= 150 && x < 280 && y >= 90 && y < 110;
  const { image } = scene(300, 200, (x, y) => disc(100, 100, 50)(x, y) || bar(x, y));
  const seg = createWeightFreeSegmenter();
  const emb = await seg.embed(image);
  const pos: Point = { x: 100, y: 100, label: 1 };
  const barFg = (m: Uint8Array) => {
    let s = 0, n = 0;
    for (let y = 90; y < 110; y++) for (let x = 200; x < 280; x++) (s += m[y * 300 + x]), n++;
    return s / n;
  };
  const one = await seg.decode(emb, [pos]);
  assert(barFg(one.mask) > 0.9, `bar fraction with one click ${barFg(one.mask)}`);
  const two = await seg.decode(emb, [pos, { x: 240, y: 100, label: 0 }]);
  assert(barFg(two.mask) < 0.1, `bar fraction after the negative click ${barFg(two.mask)}`);
  assertEquals(two.mask[100 * 300 + 100], 1, "the disc stays foreground");
});

Deno.test("weightfree: output shapes and ranges, 256 frame padded bottom/right", async () => {
  const { image } = scene(320, 160, disc(160, 80, 40));
  const seg = createWeightFreeSegmenter();
  assertEquals(seg.label, WEIGHT_FREE_LABEL);
  assertEquals(seg.isSam, false);
  assertEquals(seg.id.length, 64);
  const emb = await seg.embed(image);
  assertEquals(emb.channels, CHANNELS.length);
  assertEquals(emb.data.length, CHANNELS.length * EMBED_SIZE * EMBED_SIZE);
  assert(emb.data.every(Number.isFinite));
  // 320×160 → 64×32 cells; the bottom half of the grid is padding (all channels zero).
  const valid = CHANNELS.indexOf("valid") * EMBED_SIZE * EMBED_SIZE;
  assertEquals(emb.data[valid + 31 * EMBED_SIZE + 63], 1);
  assertEquals(emb.data[valid + 32 * EMBED_SIZE], 0);
  const out = await seg.decode(emb, [{ x: 160, y: 80, label: 1 }]);
  assertEquals(out.mask.length, 320 * 160);
  assert(out.mask.every((v) => v === 0 || v === 1));
  assertEquals(out.lowRes.length, LOW_RES * LOW_RES);
  assert(out.lowRes.every(Number.isFinite));
  // Long side 320 → 256, so the image spans rows 0..127; the disc centre (160, 80) → (128, 64).
  assert(out.lowRes[64 * LOW_RES + 128] > 0);
  assert(out.lowRes[5 * LOW_RES + 5] < 0);
  assertEquals(out.lowRes[200 * LOW_RES + 10], BACKGROUND_LOGIT);
  assert(out.score >= 0 && out.score <= 1);
  // No positive click: nothing is foreground.
  const none = await seg.decode(emb, [{ x: 5, y: 5, label: 0 }]);
  assertEquals(none.mask.reduce((a, b) => a + b, 0), 0);
});

Deno.test("weightfree: deterministic, and the id follows the config", async () => {
  const { image } = scene(120, 90, disc(60, 45, 20));
  const a = createWeightFreeSegmenter(), b = createWeightFreeSegmenter();
  assertEquals(a.id, b.id);
  assert(a.id !== createWeightFreeSegmenter({ fineSize: 128 }).id);
  const pts: Point[] = [{ x: 60, y: 45, label: 1 }, { x: 10, y: 10, label: 0 }];
  const ea = await a.embed(image), eb = await b.embed(image);
  assertEquals(ea.data, eb.data);
  const oa = await a.decode(ea, pts), ob = await b.decode(eb, pts);
  assertEquals(oa.mask, ob.mask);
  assertEquals(oa.lowRes, ob.lowRes);
  assertEquals(oa.score, ob.score);
  // The per-click cache must not change a repeated decode.
  assertEquals((await a.decode(ea, pts)).lowRes, oa.lowRes);
});

Deno.test("weightfree: aux is compact and survives a copy (as through the embed cache)", async () => {
  const { image } = scene(500, 375, disc(250, 180, 80));
  const seg = createWeightFreeSegmenter();
  const emb = await seg.embed(image);
  const { fw, fh } = fineGridSize(500, 375, 160);
  assertEquals([fw, fh], [160, 120]);
  assertEquals(emb.aux!.lab.shape, [3, fh, fw]);
  assertEquals(emb.aux!.borderDist.shape, [fh, fw]);
  const auxBytes = Object.values(emb.aux!).reduce((s, a) => s + a.data.byteLength, 0);
  assertEquals(auxBytes, 4 * 5 * fw * fh); // lab (3) + borderDist + borderColour
  const copy: Embedding = {
    ...emb,
    data: emb.data.slice(),
    aux: Object.fromEntries(
      Object.entries(emb.aux!).map(([k, a]) => [k, { shape: [...a.shape], data: a.data.slice() }]),
    ),
  };
  const pts: Point[] = [{ x: 250, y: 180, label: 1 }];
  const want = await seg.decode(emb, pts), got = await seg.decode(copy, pts);
  assertEquals(got.lowRes, want.lowRes);
  assertEquals(got.score, want.score);
  // Through the embed cache's file format: header + [C, 64, 64] + aux, nothing else.
  const bytes = encodeEmbedding(emb);
  assert(bytes.length < emb.data.byteLength + auxBytes + 4096, `${bytes.length} bytes`);
  const back = decodeEmbedding(bytes);
  assertEquals((await seg.decode(back, pts)).lowRes, want.lowRes);
});

Deno.test("weightfree: embedding from another segmenter config → ModelError", async () => {
  const { image } = scene(64, 48, disc(32, 24, 10));
  const emb = await createWeightFreeSegmenter({ fineSize: 48 }).embed(image);
  await assertRejects(
    () => createWeightFreeSegmenter().decode(emb, [{ x: 32, y: 24, label: 1 }]),
    ModelError,
    "embedding was made by segmenter",
  );
  await assertRejects(
    () =>
      createWeightFreeSegmenter().decode({ ...emb, segmenter: createWeightFreeSegmenter().id, aux: {} }, []),
    ModelError,
    "lacks aux.lab",
  );
});
