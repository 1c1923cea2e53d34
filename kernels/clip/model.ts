/**
 * CLIP Surgery end to end: image → tokens (CS-ViT), text → prompt-ensembled embedding,
 * single-text feature surgery against the empty string, map at the image's size.
 *
 * @example
 * const cs = createClipSurgery(await loadClipWeights(path), tokenizer, templates);
 * const m = cs.map(image, "shadow"); // m.full: [H, W] in [0, 1]
 */
import type { RGBImage } from "../../core/image.ts";
import { ModelError } from "../../core/errors.ts";
import { disposeTfClip, toTf } from "./layers.ts";
import { clipInput } from "./preprocess.ts";
import { featureSurgery, normalizeRows } from "./surgery.ts";
import { encodeTextEnsemble } from "./text.ts";
import type { ClipTokenizer } from "./tokenizer.ts";
import { encodeImageTokens } from "./vision.ts";
import type { ClipWeights } from "./weights.ts";
import { type SimilarityMap, similarityMap } from "./maps.ts";

/** CLIP Surgery's input side: 224 (its default) or 512 (its high-resolution demo). */
export const DEFAULT_INPUT = 224;

export interface ClipSurgery {
  weights: ClipWeights;
  /** prompt-ensembled, L2-normalised text embedding [D] (memoised per text) */
  textEmbedding(text: string): Float32Array;
  /** L2-normalised (per token) image tokens after surgery [grid² + 1, D] */
  imageFeatures(image: RGBImage, size?: number): Float32Array;
  /** the similarity map for one text, at the image's size */
  map(image: RGBImage, text: string, size?: number): SimilarityMap;
  /** map from image features already computed (several texts per image) */
  mapFromFeatures(features: Float32Array, text: string, width: number, height: number): SimilarityMap;
  dispose(): void;
}

export function createClipSurgery(
  weights: ClipWeights,
  tokenizer: ClipTokenizer,
  templates: readonly string[],
): ClipSurgery {
  const m = toTf(weights);
  const d = weights.config.embedDim;
  const texts = new Map<string, Float32Array>();
  const textEmbedding = (text: string) => {
    let e = texts.get(text);
    if (!e) texts.set(text, e = encodeTextEnsemble(m, tokenizer, text, templates));
    return e;
  };
  const imageFeatures = (image: RGBImage, size = DEFAULT_INPUT) =>
    // per token over channels (norm(dim=-1), the current demo; see normalizeRows for the older axis)
    normalizeRows(encodeImageTokens(m, clipInput(image, size), size), d);
  const mapFromFeatures = (features: Float32Array, text: string, width: number, height: number) => {
    // Single-text mode: the redundant feature is the ensembled embedding of "".
    const sim = featureSurgery(features, d, textEmbedding(text), textEmbedding(""));
    return similarityMap(sim, width, height);
  };
  return {
    weights,
    textEmbedding,
    imageFeatures,
    mapFromFeatures,
    map: (image, text, size = DEFAULT_INPUT) =>
      mapFromFeatures(imageFeatures(image, size), text, image.width, image.height),
    dispose: () => disposeTfClip(m),
  };
}

/** CLIP Surgery's 85 templates from prompt_templates.json ({ templates: string[] } or string[]). */
export async function loadTemplates(path: string): Promise<string[]> {
  let json: unknown;
  try {
    json = JSON.parse(await Deno.readTextFile(path));
  } catch (e) {
    throw new ModelError(`cannot read CLIP prompt templates ${path}: ${(e as Error).message}`, path);
  }
  const list = Array.isArray(json) ? json : (json as { templates?: unknown }).templates;
  if (
    !Array.isArray(list) || list.length === 0 || !list.every((t) => typeof t === "string" && t.includes("{}"))
  ) {
    throw new ModelError(`${path}: expected a list of templates each containing "{}"`, path);
  }
  return list as string[];
}
