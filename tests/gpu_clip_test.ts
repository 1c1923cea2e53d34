/**
 * A tiny CLIP-Surgery map (kernels/clip/model.ts: the dual-path vision tower, the text tower, the
 * feature surgery and the map) on tfjs WebGPU against the wasm backend (the CPU path). Random
 * weights of a small configuration (width 32, 4 vision layers, patch 16) at a 128 input (8×8
 * tokens: the per-head attention path real images take) and a stand-in tokenizer (one id per
 * character), so nothing is read from ../shared. Tolerances: image features and text embedding
 * (unit vectors) 1e-4 absolute; the min-max normalised map 1e-3 absolute.
 */
import { createClipSurgery } from "../kernels/clip/model.ts";
import { randomClipTensors } from "../kernels/clip/random.ts";
import { type ClipConfig, mapWeights } from "../kernels/clip/weights.ts";
import { makeRng } from "../core/rng.ts";
import { assertClose, charTokenizer, gpuAgreementTest } from "./gpu_helpers.ts";

const TINY: ClipConfig = {
  vision: { width: 32, layers: 4, heads: 2, patch: 16, imageSize: 64 },
  text: { width: 32, layers: 2, heads: 2, vocab: 49408, context: 77 },
  embedDim: 16,
};
function image(width: number, height: number) {
  const rng = makeRng(5);
  const data = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    const inside = (p % width) > width / 4 && (p % width) < width / 2 && p / width > height / 3;
    for (let c = 0; c < 3; c++) data[p * 3 + c] = inside ? 230 : rng.int(120);
  }
  return { width, height, data };
}

function surgeryMap() {
  const tensors = new Map([...randomClipTensors(TINY, 3)].map(([k, v]) => [k, { dtype: "F32", ...v }]));
  const cs = createClipSurgery(mapWeights(tensors, TINY, "random tiny CLIP"), charTokenizer, [
    "a photo of a {}.",
    "a {} in the scene.",
  ]);
  const img = image(90, 70);
  const features = cs.imageFeatures(img, 128);
  const text = cs.textEmbedding("shadow");
  const map = cs.map(img, "shadow", 128);
  cs.dispose();
  return { features, text, map: map.full };
}

gpuAgreementTest(
  "gpu clip surgery: a tiny map on WebGPU equals wasm's within tolerance",
  surgeryMap,
  (gpu, cpu) => {
    assertClose("clip image features (8×8 + 1 tokens, unit rows)", gpu.features, cpu.features, 0, 1e-4);
    assertClose("clip text embedding (2 templates, unit)", gpu.text, cpu.text, 0, 1e-4);
    assertClose("clip surgery map 90×70 (min-max normalised)", gpu.map, cpu.map, 0, 1e-3);
  },
);
