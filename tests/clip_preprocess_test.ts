/** CLIP Surgery's image preprocessing: PIL-style antialiased bicubic resize, CLIP mean/std. */
import assert from "node:assert/strict";
import { CLIP_MEAN, CLIP_STD, clipInput, resizeBicubicRgb } from "../kernels/clip/preprocess.ts";

const gray = (values: number[]) => ({
  width: values.length,
  height: 1,
  data: Uint8Array.from(values.flatMap((v) => [v, v, v])),
});

Deno.test("clip preprocess: 4→2 bicubic downsample matches PIL's antialiased taps by hand", () => {
  // Scale 2 → kernel stretched ×2 (support 4). Output 0 has centre 1.0 and taps x = 0..3 at
  // (x − 1 + 0.5)/2 = −0.25, 0.25, 0.75, 1.25 → Keys a = −0.5 weights 0.8671875, 0.8671875,
  // 0.2265625, −0.0703125 (sum 1.890625); on [0, 0, 255, 255]: 255·0.15625/1.890625 = 21.07 → 21.
  const out = resizeBicubicRgb(gray([0, 0, 255, 255]), 2, 1);
  assert.deepEqual(Array.from(out.data), [21, 21, 21, 234, 234, 234]);
  // Upsampling a constant stays constant (weights are normalised).
  assert.deepEqual(new Set(resizeBicubicRgb(gray([77, 77]), 5, 1).data), new Set([77]));
});

Deno.test("clip preprocess: channels first, scaled to [0, 1], CLIP mean/std", () => {
  const img = { width: 1, height: 1, data: new Uint8Array([255, 0, 51]) };
  const x = clipInput(img, 1);
  const want = [
    (1 - CLIP_MEAN[0]) / CLIP_STD[0],
    (0 - CLIP_MEAN[1]) / CLIP_STD[1],
    (0.2 - CLIP_MEAN[2]) / CLIP_STD[2],
  ];
  for (let c = 0; c < 3; c++) assert.ok(Math.abs(x[c] - want[c]) < 1e-6);
});
