/**
 * The SAM-family model registry: per family, the encoder/decoder files (pinned URL, size,
 * checksum and where the checksum came from), the tensors each file must expose, how the image
 * is prepared, and what the decoder accepts. Facts from ../shared/MODELS.md; every interface is
 * checked against the file when a session loads (kernels/sam/onnx/session.ts).
 */

/** Where a file's sha256 comes from (its provenance, shown by `deno task models`). */
export type ChecksumSource =
  /** sha256 as listed by the publisher's release / model card / file host */
  | "published"
  /** read in another project's manifest, not from the publisher (MODELS.md "3rd-party") */
  | "3rd-party"
  /** none known: downloadVerified records the first verified download's sha256 (TOFU) */
  | "first verified download"
  /** none published: pinned from the first copy we verified (size + licence vs inventories) */
  | "first verified copy";

export interface ModelFile {
  role: "encoder" | "decoder";
  /** file name in the models folder and the cache (the release's own name) */
  name: string;
  url: string;
  /** bytes; undefined where unknown */
  bytes?: number;
  sha256?: string;
  /**
   * Only the ends of the sha256 are known (MODELS.md gives wkentaro/osam's values for labelme's
   * ViT-L/H as prefix…suffix): checked on every load; the full value is the first verified
   * download's (`checksum` says where the ends come from).
   */
  sha256Ends?: { prefix: string; suffix: string };
  /** md5 where only that is published (EdgeSAM) */
  md5?: string;
  checksum: ChecksumSource;
}

/** Element type and shape of one graph input/output; -1 = any size (a dynamic axis). */
export interface TensorSpec {
  name: string;
  type: "float32" | "int64";
  shape: number[];
  /**
   * The exporter generated the name (EfficientSAM's third output, `onnx::Shape_1830` in one
   * third party's file): the output is found by its position in `decoderOutputs`, as upstream
   * reads it, and its name is only reported.
   */
  generatedName?: boolean;
}

/** Which decoder output is which, as positions in `FamilySpec.decoderOutputs`. */
export interface DecoderOutputRoles {
  /** the low-res logits [.., M, 256, 256]: every family's mask is made from these */
  lowRes: number;
  /** one score per mask (predicted IoU or stability score, see `scoreKind`) */
  scores: number;
  /** the graph's full-size masks, where it has them: only a consistency check reads them */
  full?: number;
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
  /** in the graph's output order (positions matter where a name is generated) */
  decoderOutputs: TensorSpec[];
  outputs: DecoderOutputRoles;
  /** whether the decoder takes the previous low-res logits (SAM's mask_input) */
  maskInput: boolean;
  /** whether negative clicks (label 0) are honoured */
  negativeClicks: boolean;
  /** whether a box prompt (corner labels 2/3) is fed; EfficientSAM's is left out here */
  box: boolean;
  /** whether we add SamPredictor's (0, 0) point labelled −1 when there is no box */
  paddingPoint: boolean;
  /**
   * What the scores are: SAM's predicted IoU, or possibly stability scores (EdgeSAM's hosted
   * decoder may be exported with `--use-stability-score`; `models --check` measures which).
   * Either way the mask with the highest score is kept when choosing.
   */
  scoreKind: "predicted-iou" | "predicted-iou-or-stability";
  /**
   * Most clicks one decode takes (EfficientSAM's export: `decoder_max_num_input_points` = 6);
   * kernels/sam/onnx/decoder.ts `limitPoints` says what happens past it. Undefined = no limit.
   */
  maxPoints?: number;
  /**
   * Whether the low-res planes come in the scores' order ("as-scores"), or the graph sorts the
   * scores and full-size masks but not the low-res output (EfficientSAM's predict_masks sorts
   * after the decoder): then each low-res plane is matched to a full-size mask by sign agreement.
   * Whether single- or multi-mask is never stated here: it is read from the file on load.
   */
  lowResOrder: "as-scores" | "match-full-size";
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
/** M = 4 (tokens 0–3) or 1 (`--return-single-mask`: the graph chose): read from the file on load. */
const SAM_DECODER_OUT: TensorSpec[] = [
  { name: "masks", type: "float32", shape: [-1, -1, -1, -1] },
  { name: "iou_predictions", type: "float32", shape: [-1, -1] },
  { name: "low_res_masks", type: "float32", shape: [-1, -1, 256, 256] },
];
const SAM_ROLES: DecoderOutputRoles = { full: 0, scores: 1, lowRes: 2 };
const SAM_ENCODER_IN: TensorSpec[] = [{ name: "x", type: "float32", shape: [1, 3, 1024, 1024] }];

/** What every segment-anything-style export shares (labelme's SAM, MobileSAM). */
const SAM_OFFICIAL: Omit<
  FamilySpec,
  "name" | "label" | "encoder" | "decoder" | "preprocess" | "encoderInputs" | "notes"
> = {
  decoderKind: "sam-official",
  encoderOutputs: [EMB],
  decoderInputs: SAM_DECODER_IN,
  decoderOutputs: SAM_DECODER_OUT,
  outputs: SAM_ROLES,
  maskInput: true,
  negativeClicks: true,
  box: true,
  // SamOnnxModel embeds the points as given: SamPredictor's padding point is the caller's job.
  paddingPoint: true,
  scoreKind: "predicted-iou",
  lowResOrder: "as-scores",
};

const LABELME = "https://github.com/wkentaro/labelme/releases/download/sam-20230416";

type Sha = { sha256: string } | { ends: [string, string] };

function labelmeSam(variant: "b" | "l" | "h", ckpt: string, sizes: [number, number], sha: [Sha, Sha]) {
  const file = (role: "encoder" | "decoder", i: 0 | 1): ModelFile => {
    const s = sha[i];
    return {
      role,
      name: `${ckpt}.quantized.${role}.onnx`,
      url: `${LABELME}/${ckpt}.quantized.${role}.onnx`,
      bytes: sizes[i],
      ...("sha256" in s
        ? { sha256: s.sha256, checksum: "published" as const }
        : { sha256Ends: { prefix: s.ends[0], suffix: s.ends[1] }, checksum: "3rd-party" as const }),
    };
  };
  const spec: FamilySpec = {
    ...SAM_OFFICIAL,
    name: `sam-vit-${variant}`,
    label: `SAM ViT-${variant.toUpperCase()} (labelme quantized ONNX)`,
    encoder: file("encoder", 0),
    decoder: file("decoder", 1),
    preprocess: "sam-pad-1024",
    encoderInputs: SAM_ENCODER_IN,
    notes: [
      "int8-quantized weights (labelme release sam-20230416): close to, not equal to, fp32 SAM",
      "labelme's clients index masks[0,0] (probably single-mask exports): the mask count is read on load",
      "exporter code not recorded (the pre-PR #58 onnx.py froze the full-size crop): the mask is made " +
      "from low_res_masks; `deno task models --check` compares the graph's own full-size masks",
    ],
  };
  return spec;
}

export const FAMILIES: Record<string, FamilySpec> = {
  "sam-vit-b": labelmeSam("b", "sam_vit_b_01ec64", [99827688, 8743656], [
    { sha256: "3346b9cc551c9902fbf3b203935e933592b22e042365f58321c17fc12641fd6a" },
    { sha256: "edbcf1a0afaa55621fb0abe6b3db1516818b609ea9368f309746a3afc68f7613" },
  ]),
  // ViT-L / ViT-H: only the ends of wkentaro/osam's sha256 were captured (MODELS.md, 3rd-party).
  "sam-vit-l": labelmeSam("l", "sam_vit_l_0b3195", [322569107, 8743680], [
    { ends: ["f7158a4a", "034f"] },
    { ends: ["552ebb23", "d7b"] },
  ]),
  "sam-vit-h": labelmeSam("h", "sam_vit_h_4b8939", [656243518, 8743672], [
    { ends: ["a5c745fd", "f485"] },
    { ends: ["020b385a", "f210"] },
  ]),
  mobilesam: {
    ...SAM_OFFICIAL,
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
    encoderInputs: [{ name: "input_image", type: "float32", shape: [-1, -1, 3] }],
    notes: [
      "encoder normalises and pads inside the graph (input_image [H',W',3], RGB 0–255, long side 1024)",
      "decoder named single-mask: the graph picks (best of masks 1–3 with ≤ 2 points incl. padding, " +
      "else mask 0); the mask count is read on load",
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
    // Upstream declares two names; the third output (low-res) is read by position.
    decoderOutputs: [
      { name: "output_masks", type: "float32", shape: [1, 1, -1, -1, -1] },
      { name: "iou_predictions", type: "float32", shape: [1, 1, -1] },
      { name: "onnx::Shape_1830", type: "float32", shape: [-1, -1, 256, 256], generatedName: true },
    ],
    outputs: { full: 0, scores: 1, lowRes: 2 },
    maskInput: false,
    negativeClicks: false,
    box: false,
    // predict_masks pads to decoder_max_num_input_points itself (label −1): adding ours would use a slot.
    paddingPoint: false,
    scoreKind: "predicted-iou",
    maxPoints: 6,
    lowResOrder: "match-full-size",
    notes: [
      "box prompts not fed (not verified against this export)",
      "no negative clicks (MODELS.md): label-0 points are dropped, logged once",
      "no mask_input: the previous low-res logits are not fed",
      "always 3 masks (no single-mask token): the highest predicted IoU is kept, multimask or not",
      "at most 6 points: past 6, the first positive click and the 5 most recent are fed (warned once)",
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
      checksum: "first verified download",
    },
    decoder: {
      role: "decoder",
      name: "edge_sam_3x_decoder.onnx",
      url: "https://huggingface.co/spaces/chongzhou/EdgeSAM/resolve/main/weights/edge_sam_3x_decoder.onnx",
      md5: "9fe1d5521b4349ab710e9cc970936970",
      checksum: "first verified download",
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
    // SamCoreMLModel: `masks` IS the low-res logits; there is no full-size output.
    decoderOutputs: [
      { name: "scores", type: "float32", shape: [1, -1] },
      { name: "masks", type: "float32", shape: [1, -1, 256, 256] },
    ],
    outputs: { scores: 0, lowRes: 1 },
    maskInput: false,
    negativeClicks: true,
    box: true,
    // Padded, although the authors' ONNX demo feeds none: EdgeSAM is distilled from and evaluated
    // with SAM's PyTorch prompt encoder, which pads when there is no box (SamPredictor), so the
    // padded prompt is the one its decoder was trained on; the graph embeds points as given.
    paddingPoint: true,
    scoreKind: "predicted-iou-or-stability",
    lowResOrder: "as-scores",
    notes: [
      "no mask_input, no orig_im_size: masks (the low-res logits) upsampled outside the graph",
      "scores may be stability scores (--use-stability-score export): `models --check` says which",
      "padding point (0,0,−1) added as SAM's PyTorch predictor does; the authors' ONNX demo adds none",
      "no sha256 published: md5 checked on download, sha256 recorded on first download",
    ],
  },
};

/** The family spec of `name`, or undefined (the factory turns that into a UsageError-like message). */
export function family(name: string): FamilySpec | undefined {
  return FAMILIES[name];
}

// ── Stand-in segmenter (issue 15, branch `standin`): not a SAM family, one backbone file. ──

/** The segmenter name of the stand-in (stages/config.ts SEGMENTERS). */
export const STANDIN_NAME = "standin";

/**
 * ImageNet MobileNetV2 from the ONNX Model Zoo, statically quantized (opset 12, QLinearConv
 * graph), Apache-2.0: the stand-in segmenter's backbone (kernels/sam/standin/). No checksum is
 * published; the sha256 is that of the first copy we verified (size and licence match
 * third-party inventories of the zoo file; ../shared/models/mobilenetv2/README.md). The name
 * keeps ../shared/models' layout, so `--models ../shared/models` finds it.
 */
export const STANDIN_BACKBONE: ModelFile = {
  role: "encoder",
  name: "mobilenetv2/mobilenetv2-12-int8.onnx",
  url: "https://huggingface.co/onnxmodelzoo/mobilenetv2-12-int8/resolve/main/mobilenetv2-12-int8.onnx",
  bytes: 3655033,
  sha256: "cc028fe6cae7bc11a4ff53cfc9b79c920e8be65ce33a904ec3e2a8f66d77f95f",
  checksum: "first verified copy",
};
