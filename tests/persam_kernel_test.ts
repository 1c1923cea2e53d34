/**
 * PerSAM on a tiny synthetic Segmenter: the embedding is each cell's colour (SAM's padded
 * layout), the decoder returns the region of the positive point's colour. The reference's
 * colour region must be found in a test image where it sits elsewhere.
 */
import assert from "node:assert/strict";
import type { BinaryMask, Point, RGBImage } from "../core/image.ts";
import { COVER_THRESHOLD, locationPrior, maskCoverage, targetFeature } from "../kernels/persam/target.ts";
import { maskBox, maskChoice, persamParts, persamSegment } from "../kernels/persam/persam.ts";
import type { DecodeOptions, DecoderCapabilities, Embedding, Segmenter } from "../kernels/sam/segmenter.ts";
import { resizedSize } from "../kernels/sam/transform.ts";
import { NO_DECODER_OPTIONS } from "../kernels/sam/factory.ts";

/** SAM's official 4-mask export; and a decoder that takes none of the options (weight-free). */
const FULL: DecoderCapabilities = {
  maskInput: true,
  box: true,
  negativeClicks: true,
  paddingPoint: true,
  masksOut: 4,
  picksInside: false,
  multimask: true,
  scoreKind: "predicted IoU",
};
const NONE = NO_DECODER_OPTIONS;

const RED = [220, 30, 30], BLUE = [30, 30, 220], GREEN = [30, 200, 30];

function paint(w: number, h: number, bg: number[], rect: [number, number, number, number], fg: number[]) {
  const data = new Uint8Array(w * h * 3), mask = new Uint8Array(w * h);
  const [x0, y0, x1, y1] = rect;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const inside = x >= x0 && x < x1 && y >= y0 && y < y1;
      data.set(inside ? fg : bg, (y * w + x) * 3);
      mask[y * w + x] = inside ? 1 : 0;
    }
  }
  return {
    image: { width: w, height: h, data } as RGBImage,
    mask: { width: w, height: h, data: mask } as BinaryMask,
  };
}

/** Colour segmenter: embed = cell-centre colour (padded layout); decode = pixels of the positive point's colour. */
function colourSegmenter(calls: DecodeOptions[]): Segmenter {
  const images = new WeakMap<Embedding, RGBImage>();
  return {
    id: "colour",
    label: "colour (test)",
    isSam: false,
    embed(img) {
      const G = 64, r = resizedSize(img.width, img.height);
      const data = new Float32Array(3 * G * G);
      for (let i = 0; i < G; i++) {
        for (let j = 0; j < G; j++) {
          const fx = 16 * j + 8, fy = 16 * i + 8;
          if (fx >= r.width || fy >= r.height) continue; // padding stays 0
          const x = Math.floor((fx * img.width) / r.width), y = Math.floor((fy * img.height) / r.height);
          for (let c = 0; c < 3; c++) {
            data[c * G * G + i * G + j] = img.data[(y * img.width + x) * 3 + c] / 255;
          }
        }
      }
      const emb = { data, channels: 3, width: img.width, height: img.height, segmenter: "colour" };
      images.set(emb, img);
      return Promise.resolve(emb);
    },
    decode(emb, points: Point[], options: DecodeOptions = {}) {
      calls.push(options);
      const img = images.get(emb)!;
      const p = points.find((q) => q.label === 1)!;
      const at = (p.y * img.width + p.x) * 3;
      const mask = new Uint8Array(img.width * img.height);
      for (let i = 0; i < mask.length; i++) {
        mask[i] = [0, 1, 2].every((c) => img.data[i * 3 + c] === img.data[at + c]) ? 1 : 0;
      }
      return Promise.resolve({ mask, lowRes: new Float32Array(256 * 256).fill(calls.length), score: 0.5 });
    },
  };
}

Deno.test("maskCoverage: SAM's layout, 16×16 blocks of the resized frame, padding uncovered", () => {
  // 500×375 → 1024×768 → 64×48 cells; left half of the image = cells 0..31 of each of rows 0..47
  const w = 500, h = 375, data = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < 250; x++) data[y * w + x] = 1;
  const emb: Embedding = {
    data: new Float32Array(64 * 64),
    channels: 1,
    width: w,
    height: h,
    segmenter: "t",
  };
  const cov = maskCoverage({ width: w, height: h, data }, emb);
  assert.ok(Math.abs(cov[0] - 1) < 1e-6);
  assert.ok(Math.abs(cov[47 * 64 + 31] - 1) < 1e-6);
  assert.ok(Math.abs(cov[47 * 64 + 32]) < 1e-6);
  assert.equal(cov[48 * 64], 0); // padding row
  assert.ok(COVER_THRESHOLD > 0.48 && COVER_THRESHOLD < 0.49);
});

Deno.test("targetFeature: per-reference unit means, averaged and renormalised", async () => {
  const seg = colourSegmenter([]);
  const a = paint(160, 120, BLUE, [0, 0, 160, 120], RED); // all red: unit (220,30,30)
  const b = paint(160, 120, BLUE, [0, 0, 160, 120], GREEN);
  const t = targetFeature([
    { emb: await seg.embed(a.image), mask: a.mask },
    { emb: await seg.embed(b.image), mask: b.mask },
  ]);
  const unit = (v: number[]) => v.map((x) => x / Math.hypot(...v));
  const sum = unit(RED).map((x, i) => x + unit(GREEN)[i]);
  const want = unit(sum);
  for (let c = 0; c < 3; c++) assert.ok(Math.abs(t.feature[c] - want[c]) < 1e-5);
  assert.equal(t.used, 2);
  const empty = { width: 160, height: 120, data: new Uint8Array(160 * 120) };
  assert.equal(targetFeature([{ emb: await seg.embed(a.image), mask: empty }]).used, 0);
});

Deno.test("PerSAM finds the reference colour's region elsewhere; cascade feeds logits, then the box", async () => {
  const calls: DecodeOptions[] = [];
  const seg = colourSegmenter(calls);
  const ref = paint(160, 120, BLUE, [10, 10, 60, 50], RED);
  const test = paint(200, 150, GREEN, [120, 70, 190, 140], RED);
  const t = targetFeature([{ emb: await seg.embed(ref.image), mask: ref.mask }]);
  const emb = await seg.embed(test.image);
  const prior = locationPrior(emb, t.feature);
  assert.equal(test.mask.data[prior.pos.y * 200 + prior.pos.x], 1); // positive inside the red box
  assert.equal(test.mask.data[prior.neg.y * 200 + prior.neg.x], 0);
  assert.equal(prior.sim.length, 200 * 150);

  const r = await persamSegment(seg, emb, t.feature, FULL);
  assert.deepEqual(r.mask, test.mask.data); // IoU 1
  assert.equal(r.decodes, 3);
  assert.deepEqual(calls.map((c) => c.multimask), [false, true, true]);
  assert.equal(calls[0].prevLowRes, undefined);
  assert.equal(calls[1].prevLowRes![0], 1); // first call's logits
  assert.equal(calls[2].prevLowRes![0], 2);
  assert.deepEqual(calls[2].box, { x0: 120, y0: 70, x1: 189, y1: 139 });

  calls.length = 0;
  const wf = await persamSegment(seg, emb, t.feature, NONE);
  assert.equal(wf.decodes, 1);
  assert.equal(calls.length, 1);
});

Deno.test("persamParts names what ran and what the decoder lacks", () => {
  const all = persamParts(FULL);
  assert.ok(all.includes("first decode: the location prior, mask 0 (SAM's single-mask token)"));
  assert.ok(
    all.includes("cascade 1: first low-res logits as mask_input, best of masks 1–3 by predicted IoU"),
  );
  assert.ok(all.some((p) => p.startsWith("cascade 2: + the mask's box and its low-res logits")));
  assert.ok(
    all.includes("not run: target-guided attention (needs an attention-bias decoder input the export lacks)"),
  );
  const none = persamParts(NONE);
  assert.ok(none.includes("not run: cascade 1 (the decoder takes no mask_input)"));
  assert.ok(none.includes("not run: cascade 2 (the decoder takes no box)"));
  assert.equal(maskBox(new Uint8Array(4), 2), undefined);
});

Deno.test("persamParts on a single-mask export says the graph picks mask 0 (3–4 points), not 'multimask, best'", () => {
  const single = persamParts({ ...FULL, masksOut: 1, picksInside: true, multimask: false });
  assert.ok(
    single.includes(
      "first decode: the location prior, the export's own pick: mask 0 (3 points incl. padding > 2)",
    ),
  );
  assert.ok(
    single.some((p) =>
      p.startsWith("cascade 2:") && p.endsWith("the export's own pick: mask 0 (4 points incl. padding > 2)")
    ),
  );
  assert.ok(!single.some((p) => p.includes("best of masks 1–3 by")));
  assert.equal(
    maskChoice({ ...FULL, masksOut: 1, picksInside: true }, 2, true),
    "the export's own pick: best of masks 1–3 (2 points incl. padding ≤ 2)",
  );
  // EfficientSAM: no negatives, no padding, 3 masks always chosen by score
  const eff = persamParts({
    ...NONE,
    masksOut: 3,
    multimask: true,
    negativeClicks: false,
    scoreKind: "predicted IoU",
  });
  assert.ok(eff.some((p) => p.includes("negative dropped")));
  assert.ok(
    eff.includes(
      "first decode: the location prior, best of 3 by predicted IoU (the export has no single-mask token)",
    ),
  );
});
