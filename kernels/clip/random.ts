/**
 * Random CLIP checkpoints with the real Hugging Face tensor names and shapes, for tests (tiny
 * configurations written as safetensors files) and the bench (ViT-B/16 shape, in memory).
 * They exercise the same code path as real weights; their maps mean nothing.
 */
import { makeRng } from "../../core/rng.ts";
import { type ClipConfig, expectedTensors } from "./weights.ts";

/** name → tensor: LayerNorm gains 1, biases and LayerNorm shifts small, weights N(0, 0.02²)·scale. */
export function randomClipTensors(
  config: ClipConfig,
  seed: number,
): Map<string, { shape: number[]; data: Float32Array }> {
  const rng = makeRng(seed);
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, shape] of expectedTensors(config)) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    const isNorm = /layer_?norm|layrnorm/.test(name);
    if (name === "logit_scale") data[0] = Math.log(100);
    else if (isNorm && name.endsWith(".weight")) data.fill(1);
    else {
      // Embeddings and weights get a visible spread so tiny models give non-flat maps.
      const std = name.endsWith(".bias") || isNorm ? 0.01 : name.includes("embedding") ? 0.1 : 0.05;
      for (let i = 0; i < data.length; i++) data[i] = std * rng.normal();
    }
    out.set(name, { shape, data });
  }
  return out;
}
