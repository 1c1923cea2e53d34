/**
 * The code groups the stages hash into their cache keys (Stage.code: a change to any file listed
 * rebuilds the items of every stage that lists it). tests/stage_code_closure_test.ts walks the
 * real module graph and fails when a stage runs a file its list leaves out, so these groups follow
 * the imports; a folder stands for every file under it.
 */

/** The task registry and the synthetic demo tasks it generates (data/demo draws from core/rng). */
export const TASK_CODE = ["data/tasks.ts", "data/demo", "core/rng.ts"] as const;

/** Model files: found, checked against their pinned sha256 (memoised: core/file_hash.ts) and downloaded. */
export const MODEL_FILE_CODE = [
  "kernels/models/resolve.ts",
  "core/download.ts",
  "core/file_hash.ts",
] as const;

/** The tensor back ends (tfjs CPU/WASM/WebGPU, onnxruntime's device choice). */
export const TF_CODE = ["kernels/tf", "kernels/device.ts"] as const;

/** Every segmenter (SAM family, stand-in, weight-free): embedding and decoding. */
export const SEGMENTER_CODE = [
  "kernels/sam",
  "kernels/masks",
  "kernels/metrics/iou.ts",
  "kernels/metrics/common.ts",
  "core/image_io.ts",
  ...MODEL_FILE_CODE,
  ...TF_CODE,
  ...TASK_CODE,
] as const;

/** The task metrics (METHOD-NOTES §5) and the mask kernels they use; not the folder's README. */
export const METRICS_CODE = [
  "kernels/metrics/aggregate.ts",
  "kernels/metrics/ber.ts",
  "kernels/metrics/common.ts",
  "kernels/metrics/emeasure.ts",
  "kernels/metrics/fmeasure.ts",
  "kernels/metrics/fmeasure_weighted.ts",
  "kernels/metrics/fr.ts",
  "kernels/metrics/index.ts",
  "kernels/metrics/iou.ts",
  "kernels/metrics/mae.ts",
  "kernels/metrics/pass.ts",
  "kernels/metrics/prepare.ts",
  "kernels/metrics/smeasure.ts",
  "kernels/masks",
] as const;

/** The RL agent (PPO actor-critic, environment, labels) and the SRM it trains beside it. */
export const AGENT_CODE = [
  "kernels/agent",
  "kernels/srm",
  "stages/config.ts",
  ...SEGMENTER_CODE,
] as const;
