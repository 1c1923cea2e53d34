/**
 * The SAM-family ONNX backend behind the Segmenter interface: one encoder and one decoder
 * session, checked against the family's tensor specs on load, and one probe decode that reads
 * how many masks the decoder returns (single- or multi-mask is a property of the export, never
 * a guess). Callers never see ONNX tensors.
 *
 * @example
 * const seg = await createOnnxSegmenter({ family: FAMILIES["sam-vit-b"], encoderPath, decoderPath, id });
 * const emb = await seg.embed(image); const { mask } = await seg.decode(emb, [{ x, y, label: 1 }]);
 */
import type { Point, RGBImage } from "../../../core/image.ts";
import type { FamilySpec } from "../registry.ts";
import type { DecodeOptions, DecoderCapabilities, DecodeResult, Embedding, Segmenter } from "../segmenter.ts";
import { EMBED_SIZE } from "../segmenter.ts";
import {
  decoderFeeds,
  type DecoderPlanes,
  decoderPlanes,
  type Feed,
  keptMask,
  type RoleOutputs,
  warnOnce,
} from "./decoder.ts";
import { encoderInput } from "./preprocess.ts";
import { checkInterface, createSession, ort } from "./session.ts";
import { LAYOUT_AUX } from "../layout.ts";
import { cachedFileCheck } from "./check.ts";

export interface OnnxSegmenterOptions {
  family: FamilySpec;
  encoderPath: string;
  decoderPath: string;
  /** content hash of the weights + family config (kernels/sam/factory.ts computes it) */
  id: string;
  /**
   * The files' sha256: given, the first-use check (kernels/sam/onnx/check.ts) runs unless
   * cached for these hashes, and measures what the registry leaves open (EdgeSAM's score kind).
   */
  hashes?: { encoder: string; decoder: string };
}

/** The ONNX segmenter with what `models --check` reads besides the Segmenter interface. */
export interface OnnxSegmenter extends Segmenter {
  readonly family: FamilySpec;
  readonly capabilities: DecoderCapabilities;
  readonly encoderPath: string;
  readonly decoderPath: string;
  /** the sessions' own input/output metadata, in the files' order */
  readonly metadata: {
    encoder: {
      inputs: readonly ort.InferenceSession.ValueMetadata[];
      outputs: readonly ort.InferenceSession.ValueMetadata[];
    };
    decoder: {
      inputs: readonly ort.InferenceSession.ValueMetadata[];
      outputs: readonly ort.InferenceSession.ValueMetadata[];
    };
  };
  /** the file's names of the registry's decoder outputs, in the registry's order */
  readonly decoderOutputNames: string[];
  /** whether embeddings and low-res grids hold the image padded (SAM) or stretched (EfficientSAM) */
  readonly padded: boolean;
  /** one decode's planes (all masks, scores, the graph's full-size masks) in the scores' order */
  decodePlanes(emb: Embedding, points: Point[], options?: DecodeOptions): Promise<DecoderPlanes>;
}

function toTensor(f: Feed): ort.Tensor {
  return new ort.Tensor(f.type, f.data, f.dims);
}

function meta(s: ort.InferenceSession) {
  return { inputs: s.inputMetadata, outputs: s.outputMetadata };
}

export async function createOnnxSegmenter(opts: OnnxSegmenterOptions): Promise<OnnxSegmenter> {
  const { family, encoderPath, decoderPath, id } = opts;
  const encoder = await createSession(encoderPath);
  checkInterface(encoder, encoderPath, family.encoderInputs, family.encoderOutputs);
  const decoder = await createSession(decoderPath);
  const outNames = checkInterface(decoder, decoderPath, family.decoderInputs, family.decoderOutputs);
  const encIn = family.encoderInputs[0].name;
  const padded = family.preprocess !== "rgb01-original";
  const roles = family.outputs;

  const decodePlanes = async (emb: Embedding, points: Point[], options: DecodeOptions = {}) => {
    if (points.length === 0) throw new RangeError(`${family.name}: decode needs at least one point`);
    // Options a family cannot take are dropped here (registry: maskInput, box), never half-fed.
    const feeds = decoderFeeds(family, emb, points, {
      prevLowRes: family.maskInput ? options.prevLowRes : undefined,
      box: family.box ? options.box : undefined,
    });
    const out = await decoder.run(
      Object.fromEntries(Object.entries(feeds).map(([k, f]) => [k, toTensor(f)])),
    );
    const get = (i: number) => {
      const t = out[outNames[i]] as ort.Tensor;
      return { dims: t.dims, data: t.data as Float32Array };
    };
    const raw: RoleOutputs = { lowRes: get(roles.lowRes), scores: get(roles.scores) };
    if (roles.full !== undefined) raw.full = get(roles.full);
    return decoderPlanes(family, raw, padded, decoderPath);
  };

  // Probe: one decode on a zero embedding of a small image tells how many masks come out.
  const [, channels] = family.encoderOutputs[0].shape;
  const probe = await decodePlanes(
    {
      data: new Float32Array(channels * EMBED_SIZE * EMBED_SIZE),
      channels,
      width: 64,
      height: 64,
      segmenter: id,
    },
    [{ x: 32, y: 32, label: 1 }],
  );
  const capabilities: DecoderCapabilities = {
    maskInput: family.maskInput,
    box: family.box,
    negativeClicks: family.negativeClicks,
    paddingPoint: family.paddingPoint,
    masksOut: probe.m,
    picksInside: probe.m === 1,
    multimask: probe.m > 1,
    ...(family.scoreKind === "predicted-iou" ? { scoreKind: "predicted IoU" as const } : {}),
  };

  const seg: OnnxSegmenter = {
    id,
    label: `${family.name} (onnx)`,
    isSam: true,
    family,
    capabilities,
    encoderPath,
    decoderPath,
    metadata: { encoder: meta(encoder), decoder: meta(decoder) },
    decoderOutputNames: outNames,
    padded,
    decodePlanes,
    async embed(image: RGBImage): Promise<Embedding> {
      const input = encoderInput(image, family.preprocess);
      const out = await encoder.run({ [encIn]: new ort.Tensor("float32", input.data, input.dims) });
      const t = out.image_embeddings as ort.Tensor;
      const channels = t.dims[1];
      if (t.dims.length !== 4 || t.dims[2] !== EMBED_SIZE || t.dims[3] !== EMBED_SIZE) {
        throw new RangeError(
          `${encoderPath}: image_embeddings came out as [${t.dims}], expected [1,C,64,64]`,
        );
      }
      return {
        data: new Float32Array(t.data as Float32Array),
        channels,
        width: image.width,
        height: image.height,
        segmenter: id,
        // EfficientSAM stretches the image over the grid (kernels/sam/layout.ts); PerSAM needs to know.
        ...(padded ? {} : { aux: { [LAYOUT_AUX]: { shape: [1], data: new Float32Array([0]) } } }),
      };
    },
    async decode(emb: Embedding, points: Point[], options: DecodeOptions = {}): Promise<DecodeResult> {
      const multimask = options.multimask ?? false;
      if (multimask && capabilities.masksOut === 1) {
        warnOnce(
          `${decoderPath}:single`,
          `multimask asked, but ${decoderPath} is a single-mask export: the graph picks instead ` +
            `(the best of masks 1–3 by predicted IoU with ≤ 2 points including padding, else mask 0)`,
        );
      }
      const planes = await decodePlanes(emb, points, options);
      return keptMask(planes, multimask, emb.width, emb.height, padded);
    },
    async dispose() {
      await encoder.release();
      await decoder.release();
    },
  };
  if (opts.hashes) capabilities.scoreKind = (await cachedFileCheck(seg, opts.hashes)).check.scoreKind;
  return seg;
}
