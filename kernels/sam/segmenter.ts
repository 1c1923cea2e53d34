/**
 * The frozen promptable segmenter (paper §3.1: SAM's E_I and D_M). The agent, the SRM and the
 * stages use only this interface; they never touch ONNX tensors or model weights.
 */
import type { Point, RGBImage } from "../../core/image.ts";

/** Side of the embedding grid, as SAM's 1024/16. */
export const EMBED_SIZE = 64;
/** Side of the decoder's low-res logits, as SAM's. */
export const LOW_RES = 256;

/** A named extra array an embedding carries (e.g. the weight-free backend's fine colour grid). */
export interface AuxArray {
  /** row-major shape */
  shape: number[];
  data: Float32Array;
}

export interface Embedding {
  /** [C, 64, 64] */
  data: Float32Array;
  channels: number;
  /** original image size, for coordinate transforms and mask upsampling */
  width: number;
  height: number;
  /** segmenter id that produced it */
  segmenter: string;
  /** backend-specific extras; serialised with the embedding by the embed-cache stage */
  aux?: Record<string, AuxArray>;
}

export interface DecodeOptions {
  /** previous step's low-res logits [256, 256], fed as SAM's mask_input when given */
  prevLowRes?: Float32Array;
  /** ask for SAM's 3 masks and keep the one with the highest predicted IoU */
  multimask?: boolean;
  /**
   * A box prompt in original pixels (x0, y0) top-left, (x1, y1) bottom-right, fed as SAM's
   * corner points labelled 2 and 3 (PerSAM's third cascade step). Backends without box input
   * (weight-free, EfficientSAM here) ignore it; the segmenter's `capabilities`
   * says which do.
   */
  box?: { x0: number; y0: number; x1: number; y1: number };
}

export interface DecodeResult {
  /** [H, W] at the original size, 1 = foreground */
  mask: Uint8Array;
  /** [256, 256] logits (threshold 0), SAM's low_res_masks */
  lowRes: Float32Array;
  /** predicted quality (SAM's iou_prediction, or the backend's own confidence) */
  score: number;
}

/** What a segmenter's decoder does with DecodeOptions, as loaded (PerSAM's cascade and records ask). */
export interface DecoderCapabilities {
  /** prevLowRes is fed as mask_input */
  maskInput: boolean;
  /** options.box is fed */
  box: boolean;
  /** label-0 points are fed (EfficientSAM's export drops them) */
  negativeClicks: boolean;
  /** SamPredictor's (0, 0, −1) point is added when there is no box (it counts in a single-mask export's pick) */
  paddingPoint: boolean;
  /**
   * Masks one decode returns, read from the file on load: 4 (SAM's tokens: multimask picks the
   * best of 1–3), 3 (EfficientSAM: always the best), 1 (a single-mask export: the graph picks
   * the best of masks 1–3 with ≤ 2 points including padding, else mask 0, whatever we ask).
   */
  masksOut: number;
  /** a single-mask export: the graph picks among SAM's 4 masks itself (masksOut = 1) */
  picksInside: boolean;
  /** whether `multimask` chooses among several masks (masksOut > 1) */
  multimask: boolean;
  /** what the decoder's scores are, where known (EdgeSAM's: measured by the first-use check) */
  scoreKind?: "predicted IoU" | "stability score";
}

export interface Segmenter {
  /** content hash of weights + config; feeds every cache key downstream */
  readonly id: string;
  /** human name, e.g. "sam-vit-b (onnx)" or "weight-free (not SAM)" */
  readonly label: string;
  /** true only for real SAM-family weights; reports say so when false */
  readonly isSam: boolean;
  /** what its decoder does with DecodeOptions; undefined = none of them (weight-free) */
  readonly capabilities?: DecoderCapabilities;
  embed(image: RGBImage): Promise<Embedding>;
  decode(embedding: Embedding, points: Point[], options?: DecodeOptions): Promise<DecodeResult>;
  dispose?(): Promise<void>;
}
