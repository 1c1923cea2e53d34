/**
 * One entry point from a segmenter name (stages/config.ts SEGMENTERS) to a Segmenter:
 * "weight-free" → the weight-free backend (not SAM; labelled so); "standin" → MobileNetV2
 * features under the weight-free decoder (not SAM either); "offline" → the stand-in where its file
 * is here, else weight-free; every other name → the ONNX
 * backend with that family's files, found or fetched by kernels/models/resolve.ts.
 *
 * The id hashes the weight files' sha256 and the family's config (preprocessing, decoder kind,
 * tensor specs) with this wrapper's version, so any change re-embeds and nothing else.
 *
 * @example
 * const seg = await createSegmenter("mobilesam", { modelsDir: "models" });
 */
import { createHash } from "node:crypto";
import { ModelError } from "../../core/errors.ts";
import { fileSha256, findModelFile, resolveModelFiles, verifiedSha256 } from "../models/resolve.ts";
import { createOnnxSegmenter } from "./onnx/segmenter.ts";
import { FAMILIES, type FamilySpec, STANDIN_BACKBONE, STANDIN_NAME } from "./registry.ts";
import type { DecoderCapabilities, Segmenter } from "./segmenter.ts";
import { createWeightFreeSegmenter } from "./weightfree/segmenter.ts";
import { createStandinSegmenter, STANDIN_CONFIG } from "./standin/segmenter.ts";
import { standinId } from "./standin/config.ts";

/** Bump when the wrapper's pre/post-processing changes what an embedding or a decode is. */
// v2: every family's mask is made from the low-res logits (issue 12); EfficientSAM's point limit.
export const ONNX_WRAPPER_VERSION = "onnx-wrapper-v2";

export interface SegmenterOptions {
  /** folder with the model files (else ALIGNSAM_MODELS, then the model cache) */
  modelsDir?: string;
  /** false: never download; a missing file is a ModelError (also when ALIGNSAM_OFFLINE=1) */
  download?: boolean;
}

/** sha256 of the canonical JSON of the family config and the two files' hashes. */
export function segmenterId(fam: FamilySpec, encoderSha: string, decoderSha: string): string {
  const config = {
    wrapper: ONNX_WRAPPER_VERSION,
    family: fam.name,
    preprocess: fam.preprocess,
    decoderKind: fam.decoderKind,
    maskInput: fam.maskInput,
    negativeClicks: fam.negativeClicks,
    paddingPoint: fam.paddingPoint,
    maxPoints: fam.maxPoints ?? null,
    lowResOrder: fam.lowResOrder,
    encoderInputs: fam.encoderInputs,
    decoderInputs: fam.decoderInputs,
    decoderOutputs: fam.decoderOutputs,
    outputs: fam.outputs,
    files: { encoder: encoderSha, decoder: decoderSha },
  };
  return createHash("sha256").update(JSON.stringify(config)).digest("hex");
}

/**
 * "offline" (the offline profiles' choice): the stand-in where its backbone file is here (models
 * folder or cache; never downloaded for this), else weight-free, which needs no file.
 */
export const OFFLINE = "offline";

/** The segmenter "offline" stands for now; any other name is itself. */
export async function resolveSegmenterName(name: string, opts: SegmenterOptions = {}): Promise<string> {
  if (name !== OFFLINE) return name;
  return (await findModelFile(STANDIN_BACKBONE, opts)) ? STANDIN_NAME : "weight-free";
}

export async function createSegmenter(name: string, opts: SegmenterOptions = {}): Promise<Segmenter> {
  name = await resolveSegmenterName(name, opts);
  if (name === "weight-free") return createWeightFreeSegmenter();
  const download = opts.download ?? Deno.env.get("ALIGNSAM_OFFLINE") !== "1";
  if (name === STANDIN_NAME) {
    const ropts = { modelsDir: opts.modelsDir, download, purpose: "the stand-in segmenter" };
    const [path] = await resolveModelFiles([STANDIN_BACKBONE], ropts);
    return await createStandinSegmenter(path, await verifiedSha256(STANDIN_BACKBONE, path));
  }
  const fam = FAMILIES[name];
  if (!fam) {
    throw new ModelError(
      `unknown segmenter '${name}' (accepted: weight-free, ${
        Object.keys(FAMILIES).join(", ")
      }, ${STANDIN_NAME}, ${OFFLINE})`,
    );
  }
  const ropts = { modelsDir: opts.modelsDir, download, purpose: `segmenter ${name}` };
  const [encoderPath, decoderPath] = await resolveModelFiles([fam.encoder, fam.decoder], ropts);
  const hashes = {
    encoder: await verifiedSha256(fam.encoder, encoderPath),
    decoder: await verifiedSha256(fam.decoder, decoderPath),
  };
  const id = segmenterId(fam, hashes.encoder, hashes.decoder);
  // The first time these files are used, the check of kernels/sam/onnx/check.ts runs (then cached).
  return await createOnnxSegmenter({ family: fam, encoderPath, decoderPath, id, hashes });
}

const shared = new Map<string, Promise<Segmenter>>();

/**
 * One segmenter per (name, models folder) per process: stages share it instead of loading the
 * sessions again. A failed creation is forgotten, so a later call retries.
 */
export function sharedSegmenter(name: string, opts: SegmenterOptions = {}): Promise<Segmenter> {
  const key = `${name}\u0000${opts.modelsDir ?? Deno.env.get("ALIGNSAM_MODELS") ?? ""}`;
  let s = shared.get(key);
  if (!s) {
    s = createSegmenter(name, opts);
    s.catch(() => shared.delete(key));
    shared.set(key, s);
  }
  return s;
}

/**
 * The id `createSegmenter` would give, without loading any session or downloading: cheap after
 * the first call (file hashes come from the hash cache). Missing files → a string naming them,
 * so a cache key still changes when they appear. For a stage's `fingerprint`.
 */
export async function segmenterFingerprint(name: string, opts: SegmenterOptions = {}): Promise<string> {
  name = await resolveSegmenterName(name, opts);
  if (name === "weight-free") return createWeightFreeSegmenter().id;
  if (name === STANDIN_NAME) {
    const path = await findModelFile(STANDIN_BACKBONE, opts);
    return path ? standinId(STANDIN_CONFIG, await fileSha256(path)) : `missing: ${STANDIN_BACKBONE.name}`;
  }
  const fam = FAMILIES[name];
  if (!fam) return `unknown segmenter ${name}`;
  const paths = await Promise.all([fam.encoder, fam.decoder].map((f) => findModelFile(f, opts)));
  if (!paths[0] || !paths[1]) {
    return `missing: ${[fam.encoder, fam.decoder].filter((_, i) => !paths[i]).map((f) => f.name).join(", ")}`;
  }
  return segmenterId(fam, await fileSha256(paths[0]), await fileSha256(paths[1]));
}

/** A decoder that takes none of DecodeOptions (the weight-free one: weightfree/segmenter.ts). */
export const NO_DECODER_OPTIONS: DecoderCapabilities = {
  maskInput: false,
  box: false,
  negativeClicks: true,
  paddingPoint: false,
  masksOut: 1,
  picksInside: false,
  multimask: false,
};

/**
 * What a loaded segmenter's decoder does with DecodeOptions (PerSAM's cascade asks): read from
 * the file on load (the mask count); NO_DECODER_OPTIONS where the segmenter says nothing.
 */
export function decoderCapabilities(seg: Segmenter): DecoderCapabilities {
  return seg.capabilities ?? NO_DECODER_OPTIONS;
}
