/**
 * The three files CLIP Surgery needs, found through the model resolver (--models DIR /
 * ALIGNSAM_MODELS, then the cache, then a verified download):
 * - the HF safetensors checkpoint (`clip-vit-base-patch16/model.safetensors`);
 * - CLIP's BPE vocabulary (`clip/bpe_simple_vocab_16e6.txt.gz`, openai/CLIP, MIT licence);
 * - CLIP Surgery's 85 prompt templates (`clip/prompt_templates.json`, a JSON list taken from
 *   xmed-lab/CLIP_Surgery clip/clip.py `encode_text_with_prompt_ensemble`): no file of that
 *   name is published, so it is never downloaded; the error says where it comes from.
 * The `clip/` layout is that of ../shared/models, so `--models ../shared/models` works for
 * the vocabulary and templates.
 */
import {
  findModelFile,
  missingFilesError,
  resolveModelFiles,
  type ResolveOptions,
} from "../models/resolve.ts";
import { type ClipSurgery, createClipSurgery, loadTemplates } from "./model.ts";
import { loadTokenizer } from "./tokenizer.ts";
import { CLIP_VIT_B16_FILE, loadClipWeights } from "./weights.ts";

export { CLIP_VIT_B16_FILE };

export const CLIP_VOCAB_FILE = {
  name: "clip/bpe_simple_vocab_16e6.txt.gz",
  url: "https://github.com/openai/CLIP/raw/main/clip/bpe_simple_vocab_16e6.txt.gz",
  bytes: 1356917,
  // sha256 of openai/CLIP's vocabulary file as shipped in ../shared/models/clip.
  sha256: "924691ac288e54409236115652ad4aa250f48203de50a9e4722a6ecd48d6804a",
  checksum: "pinned from a verified copy of openai/CLIP's file",
} as const;

export const CLIP_TEMPLATES_FILE = {
  name: "clip/prompt_templates.json",
  url: "https://github.com/xmed-lab/CLIP_Surgery/blob/master/clip/clip.py (the default list of " +
    "encode_text_with_prompt_ensemble, saved as a JSON list or {templates: [...]})",
  bytes: 2492,
  sha256: undefined,
  checksum: "none published",
} as const;

const PURPOSE = "CLIP Surgery maps (clip-maps: explicit SRM branch, SCLIP labels)";

export interface ClipFiles {
  weights: string;
  vocab: string;
  templates: string;
}

/** Local paths of the three files; downloads what can be downloaded, else one named ModelError. */
export async function resolveClipFiles(opts: ResolveOptions = {}): Promise<ClipFiles> {
  const o = { purpose: PURPOSE, ...opts };
  const templates = await findModelFile(CLIP_TEMPLATES_FILE, o);
  if (!templates) throw missingFilesError([CLIP_TEMPLATES_FILE], o);
  const [weights, vocab] = await resolveModelFiles([CLIP_VIT_B16_FILE, CLIP_VOCAB_FILE], o);
  return { weights, vocab, templates };
}

/** Load CLIP Surgery from resolved files. */
export async function loadClipSurgery(files: ClipFiles): Promise<ClipSurgery> {
  const [weights, tokenizer, templates] = await Promise.all([
    loadClipWeights(files.weights),
    loadTokenizer(files.vocab),
    loadTemplates(files.templates),
  ]);
  return createClipSurgery(weights, tokenizer, templates);
}
