/**
 * The stand-in's "image encoder": the edited MobileNetV2 graph (graph.ts) in an onnxruntime-node
 * session, fed the image as SAM prepares it (long side to FRAME = 512, ImageNet mean/std — the same
 * numbers as SAM's pixel_mean/pixel_std — zero-padded bottom/right), so its stride-8 output is
 * the 64 grid on SAM's padded frame.
 */
import * as ort from "onnxruntime-node";
import type { RGBImage } from "../../../core/image.ts";
import { ModelError } from "../../../core/errors.ts";
import { featureGraph, INPUT, OUTPUT, OUTPUT_STRIDE } from "./graph.ts";
import { projectionMatrices, TAPS } from "./features.ts";
import { EMBED_SIZE } from "../segmenter.ts";
import { backboneInput } from "./preprocess.ts";

export interface Backbone {
  /** [P, 64, 64] projected features on the padded frame */
  run(image: RGBImage): Promise<Float32Array>;
  dispose(): Promise<void>;
}

/** The backbone's frame: its stride-8 output is then SAM's 64-cell embedding grid. */
export const FRAME = EMBED_SIZE * OUTPUT_STRIDE;

export async function createBackbone(path: string, p: number, seed: number): Promise<Backbone> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    throw new ModelError(`stand-in segmenter: cannot read ${path}: ${(e as Error).message}`, path);
  }
  const graph = featureGraph(bytes, TAPS, projectionMatrices(p, seed), path);
  let session: ort.InferenceSession;
  try {
    // CPU: an int8 QLinearConv graph of 1.5 MB; a GPU provider would gain nothing at this size.
    session = await ort.InferenceSession.create(graph, { executionProviders: ["cpu"] });
  } catch (e) {
    throw new ModelError(`stand-in segmenter: cannot load ${path}: ${(e as Error).message}`, path);
  }
  const g = EMBED_SIZE;
  return {
    async run(image: RGBImage): Promise<Float32Array> {
      // encoderInput(image, "sam-pad-1024", FRAME), bit for bit, in fewer passes
      const data = backboneInput(image, FRAME);
      const out = await session.run({ [INPUT]: new ort.Tensor("float32", data, [1, 3, FRAME, FRAME]) });
      const t = out[OUTPUT];
      if (t.dims.join() !== [1, p, g, g].join()) {
        throw new ModelError(
          `stand-in segmenter: ${OUTPUT} is [${t.dims}], expected [1,${p},${g},${g}]`,
          path,
        );
      }
      return t.data as Float32Array;
    },
    dispose: () => session.release(),
  };
}
