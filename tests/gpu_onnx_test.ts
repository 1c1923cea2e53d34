/**
 * The SAM-signature test graphs (tests/fixtures/onnx/sam_graphs.ts: pooling + 1×1 conv encoder at
 * 1024×1024, arithmetic + Resize decoder) through the ONNX segmenter on onnxruntime-web's WebGPU
 * EP against onnxruntime-node's CPU EP. The feeds are the segmenter's own onnxruntime-node
 * tensors, so this also checks onnxruntime-web reads them. Tolerances: the embedding 1e-5 of its
 * largest value; low-res logits 1e-3 absolute (values up to ~1000); masks and scores equal.
 */
import assert from "node:assert/strict";
import type { RGBImage } from "../core/image.ts";
import { DEVICE_ENV } from "../kernels/device.ts";
import { createOnnxSegmenter } from "../kernels/sam/onnx/segmenter.ts";
import { FAMILIES } from "../kernels/sam/registry.ts";
import { samDecoderGraph, samEncoderGraph } from "./fixtures/onnx/sam_graphs.ts";
import { assertAdapter, assertClose, needsAdapter } from "./gpu_helpers.ts";

const W = 500, H = 375;

function gradient(): RGBImage {
  const data = new Uint8Array(W * H * 3);
  for (let p = 0; p < W * H; p++) data.set([(p % W) / 2, (p / W) % 256, (p * 7) % 256], p * 3);
  return { width: W, height: H, data };
}

/** Embed and decode on the device `device`, as the pipeline does when ALIGNSAM_DEVICE is set. */
async function segment(dir: string, device: "cpu" | "webgpu") {
  const before = Deno.env.get(DEVICE_ENV);
  Deno.env.set(DEVICE_ENV, device);
  try {
    const seg = await createOnnxSegmenter({
      family: FAMILIES["sam-vit-b"],
      encoderPath: `${dir}/enc.onnx`,
      decoderPath: `${dir}/dec.onnx`,
      id: "gpu-test",
    });
    const emb = await seg.embed(gradient());
    const pts = [{ x: 250, y: 100, label: 1 as const }, { x: 60, y: 300, label: 0 as const }];
    const out = await seg.decode(emb, pts, { multimask: true });
    await seg.dispose?.();
    return { emb: emb.data, lowRes: out.lowRes, mask: out.mask, score: out.score };
  } finally {
    if (before === undefined) Deno.env.delete(DEVICE_ENV);
    else Deno.env.set(DEVICE_ENV, before);
  }
}

Deno.test({
  name:
    "gpu onnx: SAM-signature graphs on onnxruntime-web WebGPU equal onnxruntime-node CPU within tolerance",
  ...needsAdapter(),
  fn: async () => {
    assertAdapter();
    const dir = await Deno.makeTempDir({ prefix: "alignsam-gpu-onnx-" });
    try {
      await Deno.writeFile(`${dir}/enc.onnx`, samEncoderGraph());
      await Deno.writeFile(`${dir}/dec.onnx`, samDecoderGraph());
      const cpu = await segment(dir, "cpu");
      const gpu = await segment(dir, "webgpu");
      assertClose("onnx encoder image_embeddings [1,256,64,64]", gpu.emb, cpu.emb, 1e-5);
      assertClose("onnx decoder low_res_masks [256×256]", gpu.lowRes, cpu.lowRes, 0, 1e-3);
      assert.equal(gpu.score, cpu.score);
      assert.deepEqual(gpu.mask, cpu.mask, "binary masks differ");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
