/**
 * Hyperparameters of the stand-in segmenter (MobileNetV2 features + the weight-free geodesic
 * decoder), in one typed block: the weight-free decoder's own parameters plus the backbone's and
 * the feature affinity's. The id hashes them with the algorithm version and the weights' sha256.
 */
import { configIdOf, DEFAULT_CONFIG as WEIGHT_FREE, type WeightFreeConfig } from "../weightfree/config.ts";

/** Bump when the algorithm changes in a way the parameters below do not capture. */
export const STANDIN_VERSION = "standin-mobilenetv2-v1";

export interface StandinConfig extends WeightFreeConfig {
  /** channels of the fixed random projection of the 288 tapped channels */
  projection: number;
  /** seed of the projection matrix */
  projectionSeed: number;
  /** weight of the per-click feature log-odds in the logits (0 = the weight-free decoder) */
  featureWeight: number;
  /**
   * the feature weight falls as clicks^−featureDecay: a few clicks need the network's sense of
   * "same object"; later clicks fix boundaries, finer than its stride-8 cells can say
   */
  featureDecay: number;
  /** feature-kernel width, in units of the image's RMS feature distance to its mean feature */
  featureSigma: number;
}

export const STANDIN_CONFIG: StandinConfig = {
  ...WEIGHT_FREE,
  projection: 64,
  projectionSeed: 0,
  featureWeight: 3,
  featureDecay: 0,
  featureSigma: 0.8,
};

/** The stand-in's id: its config and version, and the backbone file's sha256. */
export function standinId(cfg: StandinConfig, weightsSha256: string): string {
  return configIdOf({ ...cfg, weights: weightsSha256 }, STANDIN_VERSION);
}
