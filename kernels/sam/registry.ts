/**
 * The SAM-family model registry: per family, the encoder/decoder files (pinned URL, size,
 * checksum and where the checksum came from), the tensors each file must expose, how the image
 * is prepared, and what the decoder accepts. Facts from ../shared/MODELS.md; every interface is
 * checked against the file when a session loads (kernels/sam/onnx/session.ts).
 */

/** Where a file's checksum comes from. */
export type ChecksumSource =
  /** sha256 as listed by the publisher's release / model card */
  | "published"
  /** read in another project's manifest, not from the publisher (MODELS.md "3rd-party") */
  | "3rd-party"
  /** none published: downloadVerified records the first verified download's sha256 (TOFU) */
  | "record-on-first-download";

export interface ModelFile {
  role: "encoder" | "decoder";
  /** file name in the models folder and the cache (the release's own name) */
  name: string;
  url: string;
  /** bytes; undefined where unknown */
  bytes?: number;
  sha256?: string;
  /** md5 where only that is published (EdgeSAM) */
  md5?: string;
  checksum: ChecksumSource;
}

/** Element type and shape of one graph input/output; -1 = any size (a dynamic axis). */
export interface TensorSpec {
  name: string;
  type: "float32" | "int64";
  shape: number[];
}

/**
 * How an image becomes the encoder's input.
 * - `sam-pad-1024`: resize long side to 1024 (`int(old·scale + 0.5)`), RGB mean/std, zero-pad
 *   bottom/right, NCHW [1, 3, 1024, 1024] (segment-anything's `preprocess`; labelme, EdgeSAM).
 * - `hwc-resized`: resize long side to 1024 only; float RGB 0–255 [H', W', 3]; the export
 *   normalises and pads inside (Acly/MobileSAM, samexporter `--use-preprocess`).
 * - `rgb01-original`: [1, 3, H, W] RGB / 255 at the original size; the export resizes to
 *   1024×1024 (no aspect kept) and normalises inside (labelme's EfficientSAM).
 */
export type PreprocessKind = "sam-pad-1024" | "hwc-resized" | "rgb01-original";

/**
 * What the decoder graph takes.
 * - `sam-official`: segment-anything's SamOnnxModel (points in the 1024 frame + a (0,0,−1)
 *   padding point, mask_input/has_mask_input, orig_im_size; masks at the original size).
 * - `edgesam`: image_embeddings, point_coords, point_labels → scores, low_res_masks (no
 *   mask_input, no orig_im_size: we upsample outside).
 * - `efficientsam`: batched [1,1,N,2] points in original pixels, orig_im_size int64; always
 *   3 masks; no mask_input. MODELS.md: no negative clicks.
 */
export type DecoderKind = "sam-official" | "edgesam" | "efficientsam";

export interface FamilySpec {
  /** as in stages/config.ts SEGMENTERS */
  name: string;
  label: string;
  encoder: ModelFile;
  decoder: ModelFile;
  preprocess: PreprocessKind;
  decoderKind: DecoderKind;
  encoderInputs: TensorSpec[];
  encoderOutputs: TensorSpec[];
  decoderInputs: TensorSpec[];
  decoderOutputs: TensorSpec[];
  /** whether the decoder takes the previous low-res logits (SAM's mask_input) */
  maskInput: boolean;
  /** whether negative clicks (label 0) are honoured */
  negativeClicks: boolean;
  /** whether a box prompt (corner labels 2/3) is fed; EfficientSAM's is left out here */
  box: boolean;
  /** how many masks the decoder returns to choose from with multimask (1 for single-mask exports) */
  multimaskChoices: number;
  /** what the wrapper does differently for this family, for `deno task models` and reports */
  notes: string[];
}

const EMB: TensorSpec = { name: "image_embeddings", type: "float32", shape: [1, 256, 64, 64] };

/** segment-anything's official decoder export (scripts/export_onnx_model.py, opset 17). */
const SAM_DECODER_IN: TensorSpec[] = [
  EMB,
  { name: "point_coords", type: "float32", shape: [1, -1, 2] },
  { name: "point_labels", type: "float32", shape: [1, -1] },
  { name: "mask_input", type: "float32", shape: [1, 1, 256, 256] },
  { name: "has_mask_input", type: "float32", shape: [1] },
  { name: "orig_im_size", type: "float32", shape: [2] },
];
const SAM_DECODER_OUT: TensorSpec[] = [
  { name: "masks", type: "float32", shape: [-1, -1, -1, -1] },
  { name: "iou_predictions", type: "float32", shape: [-1, -1] },
  { name: "low_res_masks", type: "float32", shape: [-1, -1, 256, 256] },
];
const SAM_ENCODER_IN: TensorSpec[] = [{ name: "x", type: "float32", shape: [1, 3, 1024, 1024] }];

const LABELME = "https://github.com/wkentaro/labelme/releases/download/sam-20230416";

function labelmeSam(variant: "b" | "l" | "h", ckpt: string, sizes: [number, number], sha?: [string, string]) {
  const file = (role: "encoder" | "decoder", i: 0 | 1): ModelFile => ({
    role,
    name: `${ckpt}.quantized.${role}.onnx`,
    url: `${LABELME}/${ckpt}.quantized.${role}.onnx`,
    bytes: sizes[i],
    sha256: sha?.[i],
    checksum: sha ? "published" : "record-on-first-download",
  });
  const spec: FamilySpec = {
    name: `sam-vit-${variant}`,
    label: `SAM ViT-${variant.toUpperCase()} (labelme quantized ONNX)`,
    encoder: file("encoder", 0),
    decoder: file("decoder", 1),
    preprocess: "sam-pad-1024",
    decoderKind: "sam-official",
    encoderInputs: SAM_ENCODER_IN,
    encoderOutputs: [EMB],
    decoderInputs: SAM_DECODER_IN,
    decoderOutputs: SAM_DECODER_OUT,
    maskInput: true,
    negativeClicks: true,
    box: true,
    multimaskChoices: 3,
    notes: ["int8-quantized weights (labelme release sam-20230416): close to, not equal to, fp32 SAM"],
  };
  return spec;
}

export const FAMILIES: Record<string, FamilySpec> = {
  "sam-vit-b": labelmeSam("b", "sam_vit_b_01ec64", [99827688, 8743656], [
    "3346b9cc551c9902fbf3b203935e933592b22e042365f58321c17fc12641fd6a",
    "edbcf1a0afaa55621fb0abe6b3db1516818b609ea9368f309746a3afc68f7613",
  ]),
  // ViT-L / ViT-H: sizes known, sha256 not captured in full (MODELS.md): recorded on first download.
  "sam-vit-l": labelmeSam("l", "sam_vit_l_0b3195", [322569107, 8743680]),
  "sam-vit-h": labelmeSam("h", "sam_vit_h_4b8939", [656243518, 8743672]),
  mobilesam: {
    name: "mobilesam",
    label: "MobileSAM (Acly/MobileSAM ONNX)",
    encoder: {
      role: "encoder",
      name: "mobile_sam_image_encoder.onnx",
      url: "https://huggingface.co/Acly/MobileSAM/resolve/main/mobile_sam_image_encoder.onnx",
      bytes: 28157093,
      sha256: "580f5fb648ea1062c0aabc26217aed56921985f03f0cbbd852bba81d760cc749",
      checksum: "published",
    },
    decoder: {
      role: "decoder",
      name: "sam_mask_decoder_single.onnx",
      url: "https://huggingface.co/Acly/MobileSAM/resolve/main/sam_mask_decoder_single.onnx",
      bytes: 16501323,
      sha256: "93915fc7c993ab9d59ab8c9ccd3bce37f7509c81ab4150a74abd4d2abbd8570d",
      checksum: "published",
    },
    preprocess: "hwc-resized",
    decoderKind: "sam-official",
    encoderInputs: [{ name: "input_image", type: "float32", shape: [-1, -1, 3] }],
    encoderOutputs: [EMB],
    decoderInputs: SAM_DECODER_IN,
    decoderOutputs: SAM_DECODER_OUT,
    maskInput: true,
    negativeClicks: true,
    box: true,
    multimaskChoices: 1,
    notes: [
      "encoder normalises and pads inside the graph (input_image [H',W',3], RGB 0–255, long side 1024)",
      "single-mask decoder export: multimask has only one mask to choose from",
    ],
  },
  "efficientsam-ti": {
    name: "efficientsam-ti",
    label: "EfficientSAM-Ti (labelme ONNX)",
    encoder: {
      role: "encoder",
      name: "efficient_sam_vitt_encoder.onnx",
      url: "https://github.com/labelmeai/efficient-sam/releases/download/onnx-models-20231225/" +
        "efficient_sam_vitt_encoder.onnx",
      bytes: 24799761,
      sha256: "7a73ee65aa2c37237c89b4b18e73082f757ffb173899609c5d97a2bbd4ebb02d",
      checksum: "published",
    },
    decoder: {
      role: "decoder",
      name: "efficient_sam_vitt_decoder.onnx",
      url: "https://github.com/labelmeai/efficient-sam/releases/download/onnx-models-20231225/" +
        "efficient_sam_vitt_decoder.onnx",
      bytes: 16565728,
      sha256: "e1afe46232c3bfa3470a6a81c7d3181836a94ea89528aff4e0f2d2c611989efd",
      checksum: "published",
    },
    preprocess: "rgb01-original",
    decoderKind: "efficientsam",
    encoderInputs: [{ name: "batched_images", type: "float32", shape: [1, 3, -1, -1] }],
    encoderOutputs: [EMB],
    decoderInputs: [
      EMB,
      { name: "batched_point_coords", type: "float32", shape: [1, 1, -1, 2] },
      { name: "batched_point_labels", type: "float32", shape: [1, 1, -1] },
      { name: "orig_im_size", type: "int64", shape: [2] },
    ],
    decoderOutputs: [
      { name: "output_masks", type: "float32", shape: [1, 1, -1, -1, -1] },
      { name: "iou_predictions", type: "float32", shape: [1, 1, -1] },
      { name: "low_res_masks", type: "float32", shape: [-1, -1, 256, 256] },
    ],
    maskInput: false,
    negativeClicks: false,
    box: false,
    multimaskChoices: 3,
    notes: [
      "box prompts not fed (not verified against this export)",
      "no negative clicks (MODELS.md): label-0 points are dropped, logged once",
      "no mask_input: the previous low-res logits are not fed",
      "always 3 masks: single-mask mode also keeps the highest predicted IoU",
    ],
  },
  edgesam: {
    name: "edgesam",
    label: "EdgeSAM-3x (ONNX)",
    encoder: {
      role: "encoder",
      name: "edge_sam_3x_encoder.onnx",
      url: "https://huggingface.co/spaces/chongzhou/EdgeSAM/resolve/main/weights/edge_sam_3x_encoder.onnx",
      md5: "e0745d06f3ee9c5e01a667b56a40875b",
      checksum: "record-on-first-download",
    },
    decoder: {
      role: "decoder",
      name: "edge_sam_3x_decoder.onnx",
      url: "https://huggingface.co/spaces/chongzhou/EdgeSAM/resolve/main/weights/edge_sam_3x_decoder.onnx",
      md5: "9fe1d5521b4349ab710e9cc970936970",
      checksum: "record-on-first-download",
    },
    preprocess: "sam-pad-1024",
    decoderKind: "edgesam",
    encoderInputs: [{ name: "image", type: "float32", shape: [1, 3, 1024, 1024] }],
    encoderOutputs: [EMB],
    decoderInputs: [
      EMB,
      { name: "point_coords", type: "float32", shape: [1, -1, 2] },
      { name: "point_labels", type: "float32", shape: [1, -1] },
    ],
    decoderOutputs: [
      { name: "scores", type: "float32", shape: [1, -1] },
      { name: "low_res_masks", type: "float32", shape: [1, -1, 256, 256] },
    ],
    maskInput: false,
    negativeClicks: true,
    box: true,
    multimaskChoices: 3,
    notes: [
      "no mask_input, no orig_im_size: low-res logits upsampled to the original size outside the graph",
      "no sha256 published: md5 checked, sha256 recorded on first download",
    ],
  },
};

/** The family spec of `name`, or undefined (the factory turns that into a UsageError-like message). */
export function family(name: string): FamilySpec | undefined {
  return FAMILIES[name];
}
