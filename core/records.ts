/**
 * What stages hand each other: the typed content of their cache entries. Each producing stage
 * owns its files and exports a reader; consumers use these types and those readers only.
 */
import type { GroundTruth, Point, RGBImage } from "./image.ts";

/** One image/ground-truth pair after validation (preprocess). */
export interface Sample {
  stem: string;
  /** sha256 of the source image file: the key of embeddings and CLIP maps */
  imageHash: string;
  image: RGBImage;
  gt: GroundTruth;
}

/** preprocess entry for one task (read with `readPreprocessed` in stages/preprocess.ts). */
export interface Preprocessed {
  task: string;
  /** the dataset actually read, e.g. "GDD (substitute for MSD)" */
  dataset: string;
  train: Sample[];
  test: Sample[];
  /** pairs left out by `--set skipBad=true`, each with the reason; reported, never silent */
  skipped: { path: string; reason: string }[];
  /** sha256 of every source file read, by data-root-relative path */
  sources: Record<string, string>;
}

/** CLIP-Surgery map of one image for the task's text (clip-maps entry, `readClipMaps`). */
export interface ClipMap {
  /** [64, 64] in [0, 1], the agent/SRM grid */
  map64: Float32Array;
  /** [height, width] in [0, 1], at the original size (for SCLIP point labels and figures) */
  full?: Float32Array;
  width: number;
  height: number;
}

/** One agent step of an evaluation episode (supp. Fig. 1 and FR, supp. Eq. 1). */
export interface StepRecord {
  /** 1..T; 0 is the initial prompt set P_0 */
  t: number;
  /** grid cell 0..99 (row-major over the 10×10 grid), -1 for P_0 */
  action: number;
  point: Point;
  /** ground truth at the point: FR's indicator G_I(a_t) = 1 */
  fg: boolean;
  /** metrics of the mask after this step */
  iou: number;
}

export interface ImageResult {
  stem: string;
  steps: StepRecord[];
  /** metrics of the final mask: iou, fbeta, ephi, mae, ber (as the task needs) */
  final: Record<string, number>;
  /** supp. Eq. 1 over t = 1..T */
  fr: number;
}

/** Files (relative to the entry) of one traced test image for supp. Fig. 1. */
export interface Trace {
  stem: string;
  /** PNG of the image, long side ≤ 256 */
  image: string;
  /** PNG of the ground truth at the same size */
  gt: string;
  /** after each step t = 0..T: the points so far and a PNG of the mask */
  steps: { t: number; points: Point[]; mask: string }[];
}

/** evaluate / baselines / ablate / sweep entry summary (`summary.json`). */
export interface EvalSummary {
  task: string;
  dataset: string;
  /** "rl" (ours), "random" (w/o RL), "single" (w/o MSI) */
  policy: "rl" | "random" | "single";
  /** labelling: srm | sclip | last | none */
  variant: string;
  branch: "implicit" | "explicit";
  seed: number;
  T: number;
  E: number;
  segmenter: string;
  /**
   * Dataset-level metrics: miou (mean of per-image IoU), iou_pooled (Σ∩/Σ∪ over images),
   * fbeta, ephi, mae, ber, fr — the ones the task reports, all in [0, 1].
   */
  metrics: Record<string, number>;
  /** mean IoU over test images after each step t = 0..T */
  perStep: { t: number; miou: number; fr: number }[];
  images: ImageResult[];
  traces: Trace[];
}

/** The loss terms of one PPO update (CleanRL's names; computed in kernels/agent/ppo.ts). */
export interface PpoStats {
  pg_loss: number;
  v_loss: number;
  entropy: number;
  approx_kl: number;
  clipfrac: number;
  explained_variance: number;
}

/** One PPO update's diagnostics (CleanRL's names: the loss terms come from kernels/agent/ppo.ts). */
export interface UpdateLog extends PpoStats {
  update: number;
  mean_return: number;
  fr: number;
  srm_loss: number;
}

/** train-agent entry summary (`train.json`); weights sit beside it. */
export interface TrainSummary {
  task: string;
  variant: string;
  branch: "implicit" | "explicit";
  seed: number;
  T: number;
  E: number;
  updates: UpdateLog[];
}

/** persam entry summary: training-free PerSAM with k reference samples (supp. Table 5). */
export interface PersamSummary {
  task: string;
  shots: number;
  seed: number;
  segmenter: string;
  /** miou (per-image mean), iou_pooled, and the task's other metrics */
  metrics: Record<string, number>;
  /** which PerSAM parts ran on this decoder, e.g. ["location prior", "cascade: mask_input"] */
  parts: string[];
}
