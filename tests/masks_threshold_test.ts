/** kernels/masks/threshold.ts: which masks are binary, and a re-binarising threshold that keeps both classes. */
import assert from "node:assert/strict";
import sharp from "sharp";
import { histogram256, maskEncoding, twoClassThreshold } from "../core/mask_levels.ts";

const hist = (values: number[]) => histogram256(Uint8Array.from(values));

Deno.test("maskEncoding: 0/255 and 0/1 are binary (all-zero counts as 0/255); anything else is not", () => {
  assert.equal(maskEncoding(hist([0, 255, 255])), "0/255");
  assert.equal(maskEncoding(hist([0, 0])), "0/255");
  assert.equal(maskEncoding(hist([255])), "0/255");
  assert.equal(maskEncoding(hist([0, 1, 1])), "0/1");
  assert.equal(maskEncoding(hist([1, 1])), "0/1");
  assert.equal(maskEncoding(hist([0, 1, 255])), "other");
  assert.equal(maskEncoding(hist([0, 2])), "other");
  assert.equal(maskEncoding(hist([0, 128, 255])), "other");
});

Deno.test("twoClassThreshold: any two-level mask {a < b} splits between its levels, never erased", () => {
  for (const a of [0, 1, 7, 100, 200]) {
    for (const b of [a + 1, a + 2, 128, 254, 255].filter((v) => v > a && v <= 255)) {
      // unequal class sizes, either way round
      for (const [na, nb] of [[90, 10], [10, 90]]) {
        const t = twoClassThreshold(hist([...Array(na).fill(a), ...Array(nb).fill(b)]));
        assert.ok(t >= a && t < b, `{${a}×${na}, ${b}×${nb}} → t = ${t}`);
      }
    }
  }
  assert.equal(twoClassThreshold(hist([0, 255])), 127); // the middle of the plateau 0..254
  assert.equal(twoClassThreshold(hist([0, 0, 0])), 127); // one level: mid-gray
});

Deno.test("twoClassThreshold: a JPEG-compressed 0/255 disc comes back within a few pixels of the original", async () => {
  const w = 64, h = 48;
  const disc = new Uint8Array(w * h).map((_, i) =>
    ((i % w) - 30) ** 2 + (Math.floor(i / w) - 24) ** 2 < 300 ? 255 : 0
  );
  const jpg = await sharp(disc, { raw: { width: w, height: h, channels: 1 } }).jpeg({ quality: 40 })
    .toBuffer();
  const { data } = await sharp(jpg).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  const gray = new Uint8Array(data);
  assert.equal(maskEncoding(histogram256(gray)), "other", "JPEG ringing leaves values between the levels");
  const t = twoClassThreshold(histogram256(gray));
  let wrong = 0;
  for (let i = 0; i < gray.length; i++) if ((gray[i] > t ? 255 : 0) !== disc[i]) wrong++;
  assert.ok(wrong <= 20, `${wrong} of ${gray.length} pixels differ at t = ${t}`);
});
