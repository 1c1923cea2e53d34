/**
 * The SAM-family ONNX backend behind the Segmenter interface: one encoder and one decoder
 * session, checked against the family's tensor specs on load. Callers never see ONNX tensors.
 *
 * @example
 * const seg = await createOnnxSegmenter({ family: FAMILIES["sam-vit-b"], encoderPath, decoderPath, id });
 * const emb = await seg.embed(image); const { mask } = await seg.decode(emb, [{ x, y, label: 1 }]);
 */
import type { Point, RGBImage } from "../../../core/image.ts";
import type { FamilySpec } from "../registry.ts";
import type { DecodeOptions, DecodeResult, Embedding, Segmenter } from "../segmenter.ts";
import { EMBED_SIZE } from "../segmenter.ts";
import { decoderFeeds, type Feed, type RawOutputs, readDecoderOutputs } from "./decoder.ts";
import { encoderInput } from "./preprocess.ts";
import { checkInterface, createSession, ort } from "./session.ts";
import { LAYOUT_AUX } from "../layout.ts";

export interface OnnxSegmenterOptions {
  family: FamilySpec;
  encoderPath: string;
  decoderPath: string;
  /** content hash of the weights + family config (kernels/sam/factory.ts computes it) */
  id: string;
}

function toTensor(f: Feed): ort.Tensor {
  return new ort.Tensor(f.type, f.data, f.dims);
}

function raw(out: ort.InferenceSession.OnnxValueMapType): RawOutputs {
  const res: RawOutputs = {};
  for (const [name, v] of Object.entries(out)) {
    const t = v as ort.Tensor;
    res[name] = { dims: t.dims, data: t.data as Float32Array };
  }
  return res;
}

export async function createOnnxSegmenter(opts: OnnxSegmenterOptions): Promise<Segmenter> {
  const { family, encoderPath, decoderPath, id } = opts;
  const encoder = await createSession(encoderPath);
  checkInterface(encoder, encoderPath, family.encoderInputs, family.encoderOutputs);
  const decoder = await createSession(decoderPath);
  checkInterface(decoder, decoderPath, family.decoderInputs, family.decoderOutputs);
  const encIn = family.encoderInputs[0].name;
  const padded = family.preprocess !== "rgb01-original";

  return {
    id,
    label: `${family.name} (onnx)`,
    isSam: true,
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
      if (points.length === 0) throw new RangeError(`${family.name}: decode needs at least one point`);
      // Options a family cannot take are dropped here (registry: maskInput, box), never half-fed.
      const feeds = decoderFeeds(family.decoderKind, emb, points, {
        prevLowRes: family.maskInput ? options.prevLowRes : undefined,
        box: family.box ? options.box : undefined,
      });
      const out = await decoder.run(
        Object.fromEntries(Object.entries(feeds).map(([k, f]) => [k, toTensor(f)])),
      );
      return readDecoderOutputs(
        family.decoderKind,
        raw(out),
        emb.width,
        emb.height,
        options.multimask ?? false,
      );
    },
    async dispose() {
      await encoder.release();
      await decoder.release();
    },
  };
}
