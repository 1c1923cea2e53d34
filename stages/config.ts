/**
 * The one typed config of alignsam: every parameter, its default and its doc, in one place.
 * Profiles (DESIGN.md §6) override defaults; `--set NAME=VALUE` overrides a profile.
 * Every stage declares which of these names it reads; their effective values enter its cache key.
 * Every numeric param has its bounds here (min/max inclusive, gt/lt exclusive; checked by
 * pipeline/config.ts before anything runs, and tests/pipeline_config_test.ts makes sure none lacks them).
 */
import type { ParamSchema, Profiles } from "../pipeline/stage.ts";
import type { TrainOptions } from "../kernels/agent/train.ts";
import { DEVICES } from "../kernels/device.ts";
import { SRM_STATES, type SrmState } from "../kernels/srm/input.ts";

export const SEGMENTERS = [
  "weight-free",
  "sam-vit-b",
  "sam-vit-l",
  "sam-vit-h",
  "mobilesam",
  "edgesam",
  "efficientsam-ti",
  // MobileNetV2 features under the weight-free decoder: not SAM (kernels/sam/standin/)
  "standin",
  // the stand-in where its file is here (--models / cache), else weight-free (kernels/sam/factory.ts)
  "offline",
] as const;
export const CLIP_MODELS = ["none", "vit-b-16"] as const;
/** The paper's labelling variants (supp. Table 3), the ablation's default. */
export const LABEL_VARIANTS = ["srm", "sclip", "last", "none"] as const;
/** CLIP Surgery's input sides (its demo's two); a string param because choices are strings. */
export const CLIP_INPUT_SIZES = ["224", "512"] as const;
/** Accepted by `variants`: the paper's and "gt", the ground-truth ceiling (its own report row). */
export const LABEL_VARIANT_CHOICES = [...LABEL_VARIANTS, "gt"] as const;

export const SCHEMA: ParamSchema = {
  tasks: {
    type: "string[]",
    // "voc": every VOC class with data here (supp. Table 3 and main Tables 3 and 5 are per class)
    default: ["blur", "shadow", "glass", "saliency", "voc"],
    doc:
      "task ids from data/tasks.ts (voc-<class> per VOC class; 'voc' = all 20 classes; 'demo' = the synthetic demo tasks)",
  },
  segmenter: {
    type: "string",
    default: "sam-vit-h",
    choices: SEGMENTERS,
    doc: "frozen promptable segmenter (weight-free and standin are not SAM and every report says so; " +
      "offline = standin where its file is here, else weight-free)",
  },
  clip: {
    type: "string",
    default: "vit-b-16",
    choices: CLIP_MODELS,
    doc: "CLIP weights for CLIP-Surgery maps (explicit SRM branch, SCLIP); none = cells marked 'needs CLIP'",
  },
  clipInput: {
    type: "string",
    // AlignSAM does not say. CLIP Surgery's own demo runs its single-text map and its "SAM points
    // from the similarity map" example at 512 (224 is plain CLIP's size): 512 is the setting whose
    // maps were shown to prompt SAM, with 32×32 tokens instead of 14×14 under our 64×64 grid.
    // About 5× the work of 224 (bench/clip.ts), so the laptop `quick` profile uses 224.
    default: "512",
    choices: CLIP_INPUT_SIZES,
    doc: "CLIP Surgery input side, 224 or 512 (512: CLIP Surgery's demo for SAM points; quick uses 224)",
  },
  seeds: { type: "integer[]", default: [0, 1, 2], min: 0, doc: "training seeds; reports give mean ± std" },
  trainCount: {
    type: "integer",
    default: 50,
    min: 1,
    doc: "training images sampled per task (paper §4.1: 50)",
  },
  testCount: { type: "integer", default: 0, min: 0, doc: "test images per task (0 = the whole test split)" },
  T: { type: "integer", default: 15, min: 1, doc: "prompting steps per episode (paper §4.1)" },
  E: { type: "integer", default: 50, min: 1, doc: "passes over the training images (Alg. 1's E)" },
  K: { type: "integer", default: 20, min: 1, doc: "PPO epochs per update (paper §4.1)" },
  lr: {
    type: "number",
    default: 1e-4,
    gt: 0,
    doc: "Adam learning rate of actor-critic and SRM (paper §4.1)",
  },
  gamma: { type: "number", default: 0.99, gt: 0, max: 1, doc: "discount (paper §4.1)" },
  clipEps: { type: "number", default: 0.2, gt: 0, lt: 1, doc: "PPO clip range (paper §4.1)" },
  qImplicit: {
    type: "integer",
    default: 1,
    min: 1,
    doc: "SRM updates per action, implicit branch (paper §4.1)",
  },
  qExplicit: {
    type: "integer",
    default: 5,
    min: 1,
    doc: "SRM updates per action, explicit branch (paper §4.1)",
  },
  variants: {
    type: "string[]",
    default: [...LABEL_VARIANTS],
    choices: LABEL_VARIANT_CHOICES,
    doc: "labelling variants for the ablation (supp. Table 3); + gt: GT labels, a ceiling, not a paper row",
  },
  sweepTasks: { type: "string[]", default: ["blur", "glass", "saliency"], doc: "tasks of supp. Fig. 2" },
  sweepT: { type: "integer[]", default: [5, 10, 15, 18], min: 1, doc: "T values of supp. Fig. 2" },
  sweepE: { type: "integer[]", default: [10, 30, 50, 80], min: 1, doc: "E values of supp. Fig. 2" },
  tableT: { type: "integer[]", default: [1, 5, 10, 15, 20], min: 1, doc: "T values of main Table 5" },
  tableTTasks: {
    type: "string[]",
    // main Table 5 prints four classes; sweeping T on all 20 would be most of a paper run's training
    default: ["voc-bottle", "voc-car", "voc-sheep", "voc-cat"],
    doc: "VOC classes that get main Table 5's T sweep (the paper's four); the others run at T only",
  },
  persamShots: {
    type: "integer[]",
    default: [1, 5, 20],
    min: 1,
    doc: "PerSAM reference counts (supp. Table 5)",
  },
  fig1Examples: { type: "integer", default: 3, min: 0, doc: "test images per task traced for supp. Fig. 1" },
  multimask: { type: "boolean", default: false, doc: "decode with SAM's 3 masks and keep the best" },
  feedMask: {
    type: "boolean",
    default: true,
    doc: "feed the previous step's low-res logits as mask_input (as SAM's predictor does)",
  },
  srmState: {
    type: "string",
    default: "signed",
    choices: SRM_STATES,
    // NOT IN PAPER; kernels/srm/input.ts SrmState has the reason and the validation evidence
    doc: "how the SRM's state s_t = E ⊙ M_{t−1} reads the mask: signed (2p − 1) or masked (p)",
  },
  device: {
    type: "string",
    default: "auto",
    choices: DEVICES,
    // recorded in every entry's config, declared by no stage: not in any cache key (kernels/device.ts)
    doc:
      "compute device: auto = CUDA if onnxruntime's provider loads, else a hardware WebGPU adapter, else cpu",
  },
  skipBad: { type: "boolean", default: false, doc: "skip invalid image/mask pairs (listed in the report)" },
  runProfile: {
    type: "string",
    default: "paper",
    doc: "set by the CLI: the profile this run resolved (for the report)",
  },
  skippedTasks: {
    type: "string[]",
    default: [],
    doc: "set by the CLI: 'task: reason' for each requested task without data here (shown in the report)",
  },
  rebinarize: {
    type: "boolean",
    default: false,
    doc: "re-binarise masks other than 0/255 or 0/1 at their two-class (Otsu) threshold (told once)",
  },
};

export const PROFILES: Profiles = {
  paper: {},
  // quick: E = 10 instead of 50, so the E sweep of supp. Fig. 2 is scaled to the same fractions.
  quick: {
    segmenter: "mobilesam",
    // ~5× cheaper CLIP maps on a laptop CPU (stages/config.ts clipInput)
    clipInput: "224",
    seeds: [0],
    testCount: 100,
    E: 10,
    sweepE: [2, 6, 10, 16],
    // + person: the VOC class with the most images in ../shared/data
    tableTTasks: ["voc-bottle", "voc-car", "voc-sheep", "voc-cat", "voc-person"],
  },
  smoke: {
    // the synthetic demo tasks (data/demo) run everywhere, so a fresh machine gets a full report;
    // the real tasks join where their data is found. One VOC class keeps CI short.
    tasks: ["demo", "blur", "shadow", "glass", "saliency", "voc-person"],
    // + demo-regions, so that supp. Fig. 2 and supp. Table 5 are filled on a machine with no data
    sweepTasks: ["blur", "glass", "saliency", "demo-regions"],
    // the stand-in where `deno task models --fetch` (or --models) put its 3.6 MB file, else weight-free
    segmenter: "offline",
    clip: "none",
    seeds: [0],
    trainCount: 20,
    testCount: 20,
    E: 2,
    K: 4,
    sweepT: [5, 15],
    sweepE: [1, 2],
    tableT: [1, 5, 15],
    tableTTasks: ["voc-person"],
    persamShots: [1, 5],
    fig1Examples: 2,
  },
};
export const DEFAULT_PROFILE = "quick";

/**
 * The paper's training hyperparameters (§4.1) as trainAgent options, read from the schema's defaults
 * so that scripts, benches and tests use the same values as a `paper` run.
 */
export function paperTrainHyper(): Pick<
  TrainOptions,
  "lr" | "gamma" | "clipEps" | "qImplicit" | "qExplicit" | "feedMask" | "srmState"
> {
  const d = (name: string) => SCHEMA[name].default;
  return {
    lr: d("lr") as number,
    gamma: d("gamma") as number,
    clipEps: d("clipEps") as number,
    qImplicit: d("qImplicit") as number,
    qExplicit: d("qExplicit") as number,
    feedMask: d("feedMask") as boolean,
    srmState: d("srmState") as SrmState,
  };
}

/**
 * What one SLURM job of each stage asks for (`--executor slurm`, pipeline/executors/slurm.ts).
 * Not params: they never enter a cache key. `gpu` stages run SAM or CLIP and get `--gres=gpu:1`
 * (`--slurm-gres` changes or drops it). Times are generous for the paper profile on CPU-only
 * nodes (one E = 50 agent with the stand-in segmenter takes ~9 min here; a real SAM decoder is
 * several times slower per step); `--slurm-args` can add a QOS or partition limit.
 */
export interface StageResources {
  cpus: number;
  /** sbatch --mem syntax */
  mem: string;
  /** sbatch --time syntax */
  time: string;
  gpu: boolean;
  /**
   * Built in the coordinator, not as a job (Snakemake's localrules): the studies only gather
   * evaluate's summaries (milliseconds), less than a job's start-up (~2 s) and scheduling.
   */
  local?: boolean;
}
export const DEFAULT_RESOURCES: StageResources = { cpus: 2, mem: "8G", time: "2:00:00", gpu: false };
export const STAGE_RESOURCES: Record<string, Partial<StageResources>> = {
  "preprocess": { cpus: 1, mem: "4G", time: "1:00:00" },
  "embed-cache": { cpus: 4, mem: "16G", time: "4:00:00", gpu: true },
  "clip-maps": { cpus: 4, mem: "16G", time: "2:00:00", gpu: true },
  "train-agent": { cpus: 4, mem: "16G", time: "8:00:00", gpu: true },
  "evaluate": { cpus: 4, mem: "16G", time: "4:00:00", gpu: true },
  "persam": { cpus: 4, mem: "16G", time: "4:00:00", gpu: true },
  "baselines": { cpus: 1, mem: "4G", time: "0:30:00", local: true },
  "ablate": { cpus: 1, mem: "4G", time: "0:30:00", local: true },
  "sweep": { cpus: 1, mem: "4G", time: "0:30:00", local: true },
  "report": { cpus: 2, mem: "8G", time: "1:00:00" },
};

/** The resources of one stage's jobs: its row over the defaults. */
export function stageResources(stage: string): StageResources {
  return { ...DEFAULT_RESOURCES, ...STAGE_RESOURCES[stage] };
}
