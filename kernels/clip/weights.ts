/**
 * CLIP weights from the Hugging Face `openai/clip-vit-base-patch16` safetensors checkpoint,
 * mapped onto our modules by HF's tensor names (separate q/k/v projections, `quick_gelu`,
 * Linear weights stored [out, in]). Every expected tensor is checked by name and shape; a
 * missing or mismatched one is a ModelError naming it and the file.
 *
 * Model registry entry (MODELS.md, CLIP section): URL, size; sha256 recorded on first download.
 */
import { ModelError } from "../../core/errors.ts";
import { parseSafetensors, type SafeTensor } from "./safetensors.ts";

export interface TowerConfig {
  width: number;
  layers: number;
  heads: number;
}
export interface ClipConfig {
  vision: TowerConfig & {
    patch: number; /** training input side; pos grid = imageSize / patch */
    imageSize: number;
  };
  text: TowerConfig & { vocab: number; context: number };
  /** joint embedding dimension */
  embedDim: number;
}

/** OpenAI CLIP ViT-B/16 (HF config.json of openai/clip-vit-base-patch16). */
export const VIT_B_16: ClipConfig = {
  vision: { width: 768, layers: 12, heads: 12, patch: 16, imageSize: 224 },
  text: { width: 512, layers: 12, heads: 8, vocab: 49408, context: 77 },
  embedDim: 512,
};

/**
 * Model registry entry of the checkpoint (kernels/models/resolve.ts `ModelFileRef`): looked up
 * as `<models>/clip-vit-base-patch16/model.safetensors` (--models DIR / ALIGNSAM_MODELS), then
 * in the cache, then downloaded. MODELS.md gives its size as ~599 MB and no published hash:
 * `downloadVerified` records the first verified download's sha256 (trust on first use).
 */
export const CLIP_VIT_B16_FILE = {
  name: "clip-vit-base-patch16/model.safetensors",
  url: "https://huggingface.co/openai/clip-vit-base-patch16/resolve/main/model.safetensors",
  /** exact size unknown here (~599 MB); left out so the downloader does not check it */
  bytes: undefined,
  sha256: undefined,
  checksum: "first verified download",
} as const;

/** Linear layer, HF layout: w [out, in], b [out]. */
export interface Linear {
  w: Float32Array;
  b?: Float32Array;
  out: number;
  in: number;
}
export interface Norm {
  g: Float32Array;
  b: Float32Array;
}
export interface Block {
  ln1: Norm;
  q: Linear;
  k: Linear;
  v: Linear;
  o: Linear;
  ln2: Norm;
  fc1: Linear;
  fc2: Linear;
}
export interface ClipWeights {
  config: ClipConfig;
  vision: {
    /** [W, 3, P, P] conv kernel without bias */
    patch: Float32Array;
    /** [W] */
    cls: Float32Array;
    /** [G*G + 1, W], G = imageSize / patch */
    pos: Float32Array;
    lnPre: Norm;
    blocks: Block[];
    lnPost: Norm;
    /** [D, W] (no bias) */
    proj: Linear;
  };
  text: {
    /** [V, W] */
    token: Float32Array;
    /** [context, W] */
    pos: Float32Array;
    blocks: Block[];
    lnFinal: Norm;
    /** [D, W] (no bias) */
    proj: Linear;
  };
  logitScale: number;
}

/** Every HF tensor name the config expects, with its shape (tests build tiny checkpoints from it). */
export function expectedTensors(c: ClipConfig): Map<string, number[]> {
  const m = new Map<string, number[]>();
  const tower = (prefix: string, t: TowerConfig) => {
    for (let i = 0; i < t.layers; i++) {
      const l = `${prefix}.encoder.layers.${i}`;
      for (const p of ["q", "k", "v", "out"]) {
        m.set(`${l}.self_attn.${p}_proj.weight`, [t.width, t.width]);
        m.set(`${l}.self_attn.${p}_proj.bias`, [t.width]);
      }
      for (const n of ["layer_norm1", "layer_norm2"]) {
        m.set(`${l}.${n}.weight`, [t.width]);
        m.set(`${l}.${n}.bias`, [t.width]);
      }
      m.set(`${l}.mlp.fc1.weight`, [4 * t.width, t.width]);
      m.set(`${l}.mlp.fc1.bias`, [4 * t.width]);
      m.set(`${l}.mlp.fc2.weight`, [t.width, 4 * t.width]);
      m.set(`${l}.mlp.fc2.bias`, [t.width]);
    }
  };
  const v = c.vision;
  const grid = v.imageSize / v.patch;
  m.set("vision_model.embeddings.patch_embedding.weight", [v.width, 3, v.patch, v.patch]);
  m.set("vision_model.embeddings.class_embedding", [v.width]);
  m.set("vision_model.embeddings.position_embedding.weight", [grid * grid + 1, v.width]);
  // HF's spelling: "pre_layrnorm".
  for (const n of ["pre_layrnorm", "post_layernorm"]) {
    m.set(`vision_model.${n}.weight`, [v.width]);
    m.set(`vision_model.${n}.bias`, [v.width]);
  }
  tower("vision_model", v);
  const t = c.text;
  m.set("text_model.embeddings.token_embedding.weight", [t.vocab, t.width]);
  m.set("text_model.embeddings.position_embedding.weight", [t.context, t.width]);
  tower("text_model", t);
  m.set("text_model.final_layer_norm.weight", [t.width]);
  m.set("text_model.final_layer_norm.bias", [t.width]);
  m.set("visual_projection.weight", [c.embedDim, v.width]);
  m.set("text_projection.weight", [c.embedDim, t.width]);
  m.set("logit_scale", []);
  return m;
}

function shapeOf(tensors: Map<string, SafeTensor>, name: string, source: string): number[] {
  const t = tensors.get(name);
  if (!t) {
    throw new ModelError(
      `${source}: missing tensor ${name} (is this a Hugging Face CLIP checkpoint?)`,
      source,
    );
  }
  return t.shape;
}

/**
 * Read the architecture from the tensors' shapes. Heads are not in the weights: CLIP's rule is
 * width / 64 (ViT-B/16: 12 vision, 8 text heads); small test models pass them explicitly.
 */
export function inferConfig(
  tensors: Map<string, SafeTensor>,
  source: string,
  heads?: { vision?: number; text?: number },
): ClipConfig {
  const layers = (prefix: string) => {
    let n = 0;
    while (tensors.has(`${prefix}.encoder.layers.${n}.self_attn.q_proj.weight`)) n++;
    return n;
  };
  const [vw, , patch] = shapeOf(tensors, "vision_model.embeddings.patch_embedding.weight", source);
  const [posN] = shapeOf(tensors, "vision_model.embeddings.position_embedding.weight", source);
  const [vocab, tw] = shapeOf(tensors, "text_model.embeddings.token_embedding.weight", source);
  const [context] = shapeOf(tensors, "text_model.embeddings.position_embedding.weight", source);
  const [embedDim] = shapeOf(tensors, "visual_projection.weight", source);
  const grid = Math.round(Math.sqrt(posN - 1));
  if (grid * grid + 1 !== posN) {
    throw new ModelError(
      `${source}: vision position embedding has ${posN} rows, not a square grid + 1`,
      source,
    );
  }
  return {
    vision: {
      width: vw,
      layers: layers("vision_model"),
      heads: heads?.vision ?? vw / 64,
      patch,
      imageSize: grid * patch,
    },
    text: { width: tw, layers: layers("text_model"), heads: heads?.text ?? tw / 64, vocab, context },
    embedDim,
  };
}

/** Check every expected tensor's presence and shape, then map names onto our modules. */
export function mapWeights(
  tensors: Map<string, SafeTensor>,
  config: ClipConfig,
  source: string,
): ClipWeights {
  for (const [name, shape] of expectedTensors(config)) {
    const found = shapeOf(tensors, name, source);
    if (found.length !== shape.length || found.some((d, i) => d !== shape[i])) {
      throw new ModelError(
        `${source}: tensor ${name} has shape [${found}], expected [${shape}] for this CLIP configuration`,
        source,
      );
    }
  }
  for (const t of [config.vision, config.text]) {
    if (!Number.isInteger(t.heads) || t.heads < 1 || t.width % t.heads !== 0) {
      throw new ModelError(
        `${source}: width ${t.width} does not split into ${t.heads} attention heads`,
        source,
      );
    }
  }
  const get = (name: string) => tensors.get(name)!.data;
  const linear = (name: string, bias = true): Linear => {
    const [out, inp] = tensors.get(`${name}.weight`)!.shape;
    return { w: get(`${name}.weight`), b: bias ? get(`${name}.bias`) : undefined, out, in: inp };
  };
  const norm = (name: string): Norm => ({ g: get(`${name}.weight`), b: get(`${name}.bias`) });
  const blocks = (prefix: string, n: number): Block[] =>
    Array.from({ length: n }, (_, i) => {
      const l = `${prefix}.encoder.layers.${i}`;
      return {
        ln1: norm(`${l}.layer_norm1`),
        q: linear(`${l}.self_attn.q_proj`),
        k: linear(`${l}.self_attn.k_proj`),
        v: linear(`${l}.self_attn.v_proj`),
        o: linear(`${l}.self_attn.out_proj`),
        ln2: norm(`${l}.layer_norm2`),
        fc1: linear(`${l}.mlp.fc1`),
        fc2: linear(`${l}.mlp.fc2`),
      };
    });
  return {
    config,
    vision: {
      patch: get("vision_model.embeddings.patch_embedding.weight"),
      cls: get("vision_model.embeddings.class_embedding"),
      pos: get("vision_model.embeddings.position_embedding.weight"),
      lnPre: norm("vision_model.pre_layrnorm"),
      blocks: blocks("vision_model", config.vision.layers),
      lnPost: norm("vision_model.post_layernorm"),
      proj: linear("visual_projection", false),
    },
    text: {
      token: get("text_model.embeddings.token_embedding.weight"),
      pos: get("text_model.embeddings.position_embedding.weight"),
      blocks: blocks("text_model", config.text.layers),
      lnFinal: norm("text_model.final_layer_norm"),
      proj: linear("text_projection", false),
    },
    logitScale: get("logit_scale")[0],
  };
}

/** Parse a safetensors checkpoint already in memory (tests, or a file the caller has read). */
export function clipWeightsFromBytes(
  bytes: Uint8Array,
  source: string,
  heads?: { vision?: number; text?: number },
): ClipWeights {
  const { tensors } = parseSafetensors(bytes, source);
  return mapWeights(tensors, inferConfig(tensors, source, heads), source);
}

/** Read and map a CLIP safetensors checkpoint; a missing file is a ModelError saying what to get. */
export async function loadClipWeights(
  path: string,
  heads?: { vision?: number; text?: number },
): Promise<ClipWeights> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    throw new ModelError(`cannot read CLIP weights ${path}: ${(e as Error).message}. ${howToGet()}`, path);
  }
  return clipWeightsFromBytes(bytes, path, heads);
}

/** The sentence every "no CLIP weights" error ends with. */
export function howToGet(): string {
  return `Download ${CLIP_VIT_B16_FILE.url} (~599 MB) and place it at <models>/${CLIP_VIT_B16_FILE.name}, ` +
    `where <models> is --models DIR or $ALIGNSAM_MODELS`;
}
