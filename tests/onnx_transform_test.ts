import assert from "node:assert/strict";
import { fromModelFrame, imageExtentOnGrid, resizedSize, toModelFrame } from "../kernels/sam/transform.ts";
import { samPointFeeds, selectMask, upsampleLowRes } from "../kernels/sam/onnx/decoder.ts";
import { encoderInput, PIXEL_MEAN, PIXEL_STD } from "../kernels/sam/onnx/preprocess.ts";

Deno.test("resizedSize follows get_preprocess_shape: int(old·scale + 0.5)", () => {
  assert.deepEqual(resizedSize(500, 375), { width: 1024, height: 768 });
  // 1000×333: scale 1.024, 333·1.024 = 340.992 → int(341.492) = 341
  assert.deepEqual(resizedSize(1000, 333), { width: 1024, height: 341 });
  // 333×1000 (portrait): the same on the other axis
  assert.deepEqual(resizedSize(333, 1000), { width: 341, height: 1024 });
  // 2000×1000 shrinks: 1024×512
  assert.deepEqual(resizedSize(2000, 1000), { width: 1024, height: 512 });
});

Deno.test("toModelFrame maps a 500×375 image's points into the 1024 frame exactly", () => {
  assert.deepEqual(toModelFrame({ x: 250, y: 100 }, 500, 375), { x: 512, y: 100 * (768 / 375) });
  assert.equal(toModelFrame({ x: 250, y: 100 }, 500, 375).y, 204.8);
  assert.deepEqual(toModelFrame({ x: 0, y: 0 }, 500, 375), { x: 0, y: 0 });
  // per-axis scale: 1000×333 → x·1.024, y·341/333 (not 1.024)
  const q = toModelFrame({ x: 10, y: 333 }, 1000, 333);
  assert.equal(q.x, 10.24);
  assert.ok(Math.abs(q.y - 341) < 1e-9); // numpy gives the same 340.99999999999994
  const back = fromModelFrame(toModelFrame({ x: 123, y: 45 }, 500, 375), 500, 375);
  assert.ok(Math.abs(back.x - 123) < 1e-9 && Math.abs(back.y - 45) < 1e-9);
});

Deno.test("samPointFeeds: 1024-frame coords, labels 1/0 and the (0,0,−1) padding point", () => {
  const f = samPointFeeds([{ x: 250, y: 100, label: 1 }, { x: 500, y: 375, label: 0 }], 500, 375, true);
  assert.deepEqual(f.point_coords.dims, [1, 3, 2]);
  assert.deepEqual(Array.from(f.point_coords.data), [512, Math.fround(204.8), 1024, 768, 0, 0]);
  assert.deepEqual(f.point_labels.dims, [1, 3]);
  assert.deepEqual(Array.from(f.point_labels.data), [1, 0, -1]);
});

Deno.test("selectMask: SAM's 4 masks → 0 single, best of 1–3 multi; 3 → best; 1 → 0", () => {
  assert.equal(selectMask([0.99, 0.1, 0.7, 0.3], 4, false), 0);
  assert.equal(selectMask([0.99, 0.1, 0.7, 0.3], 4, true), 2); // token 0 is never a multimask answer
  assert.equal(selectMask([0.2, 0.9, 0.1], 3, false), 1);
  assert.equal(selectMask([0.5], 1, true), 0);
});

Deno.test("imageExtentOnGrid: padded 500×375 fills 64×48 cells; stretched fills the grid", () => {
  assert.deepEqual(imageExtentOnGrid(500, 375, 64, true), { w: 64, h: 48 });
  assert.deepEqual(imageExtentOnGrid(500, 375, 256, true), { w: 256, h: 192 });
  assert.deepEqual(imageExtentOnGrid(500, 375, 64, false), { w: 64, h: 64 });
});

Deno.test("upsampleLowRes crops the padding: a logit step at low-res row 192 lands at the image's bottom", () => {
  // 500×375: the image covers low-res rows 0..191; rows ≥ 192 are padding (negative here).
  const low = new Float32Array(256 * 256);
  for (let i = 0; i < 256; i++) for (let j = 0; j < 256; j++) low[i * 256 + j] = i < 192 ? 5 : -5;
  const up = upsampleLowRes(low, 500, 375);
  assert.equal(up.length, 500 * 375);
  // every row of the original image is inside the image part: all positive except the blend at the edge
  let neg = 0;
  for (let y = 0; y < 370; y++) for (let x = 0; x < 500; x++) if (up[y * 500 + x] <= 0) neg++;
  assert.equal(neg, 0);
});

Deno.test("encoderInput: sam-pad-1024 normalises and zero-pads; other kinds have their own layout", () => {
  const w = 500, h = 375, data = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) data.set([200, 100, 50], i * 3);
  const a = encoderInput({ width: w, height: h, data }, "sam-pad-1024");
  assert.deepEqual(a.dims, [1, 3, 1024, 1024]);
  const S = 1024 * 1024;
  assert.ok(Math.abs(a.data[0] - (200 - PIXEL_MEAN[0]) / PIXEL_STD[0]) < 1e-5);
  assert.ok(Math.abs(a.data[S + 767 * 1024 + 1023] - (100 - PIXEL_MEAN[1]) / PIXEL_STD[1]) < 1e-5);
  assert.equal(a.data[2 * S + 768 * 1024], 0); // first padded row
  const b = encoderInput({ width: w, height: h, data }, "hwc-resized");
  assert.deepEqual(b.dims, [768, 1024, 3]);
  assert.deepEqual(Array.from(b.data.subarray(0, 3)), [200, 100, 50]);
  const c = encoderInput({ width: w, height: h, data }, "rgb01-original");
  assert.deepEqual(c.dims, [1, 3, 375, 500]);
  assert.equal(c.data[w * h], Math.fround(100 / 255));
});

Deno.test("samPointFeeds with a box: corners labelled 2 and 3 in the 1024 frame, no padding point", () => {
  const f = samPointFeeds([{ x: 250, y: 100, label: 1 }], 500, 375, true, { x0: 0, y0: 0, x1: 500, y1: 375 });
  assert.deepEqual(f.point_coords.dims, [1, 3, 2]);
  assert.deepEqual(Array.from(f.point_coords.data), [512, Math.fround(204.8), 0, 0, 1024, 768]);
  assert.deepEqual(Array.from(f.point_labels.data), [1, 2, 3]);
});
