/**
 * Hyperparameters of the weight-free promptable segmenter, in one typed block, and the id that
 * hashes them (so the embed cache re-embeds whenever any of them or the algorithm changes).
 */
import { createHash } from "node:crypto";

/** Bump when the algorithm changes in a way the parameters below do not capture. */
export const ALGORITHM_VERSION = "weightfree-geodesic-v1";

export interface WeightFreeConfig {
  /** long side of the fine grid the decoder works on (the image is area-averaged to it) */
  fineSize: number;
  /** geodesic step cost = length · (eps + (|ΔLab| / mean |ΔLab|)^edgePower) */
  eps: number;
  edgePower: number;
  /** forward+backward raster-scan sweeps of the geodesic distance transform */
  sweeps: number;
  /** the image border is a weak background seed: its distance starts at borderOffset · fineSize */
  borderOffset: number;
  /** logits = (d_bg − d_fg) / (logitScale · fineSize) + colourWeight · colour log-odds */
  logitScale: number;
  /** weight of the per-click colour model's log-odds in the logits (0 = geodesic only) */
  colourWeight: number;
  /** Lab distance (in units of the image's mean neighbour difference) of the colour kernel */
  colourSigma: number;
}

export const DEFAULT_CONFIG: WeightFreeConfig = {
  fineSize: 160,
  eps: 0.1,
  edgePower: 2,
  sweeps: 3,
  borderOffset: 0.12,
  logitScale: 0.02,
  colourWeight: 1.5,
  colourSigma: 4,
};

/** sha256 of the canonical JSON (sorted keys) of the algorithm version and every parameter. */
export function configId(config: WeightFreeConfig): string {
  return configIdOf({ ...config }, ALGORITHM_VERSION);
}

/** The same hash for any flat config (the stand-in's extends this one) and algorithm version. */
export function configIdOf(config: Record<string, number | string>, algorithm: string): string {
  const entries = Object.entries({ ...config, algorithm }).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0);
  const json = `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(",")}}`;
  return createHash("sha256").update(json).digest("hex");
}
