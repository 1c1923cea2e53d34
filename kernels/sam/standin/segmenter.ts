/**
 * The stand-in segmenter: a real pretrained backbone (ImageNet MobileNetV2, int8, 3.6 MB) under
 * the weight-free geodesic decoder. It is NOT SAM and says so (`isSam` false, label
 * STANDIN_LABEL). Why it exists (issue 15): the weight-free 16-channel colour embedding carries
 * nothing semantic for the SRM to learn from (a per-pixel probe reaches AUC 0.81 on it against
 * 0.89–0.91 on these features), so the paper's contribution cannot show on it.
 *
 * - embed: the weight-free fine grid and its [16, 64, 64] features (weightfree/embed.ts), and
 *   the backbone's [P, 64, 64] projected MobileNetV2 features (backbone.ts, features.ts) on
 *   SAM's padded frame: `data` = [P + 16, 64, 64], features first. The weight-free part runs
 *   on a worker thread (weightfree/embed_thread.ts) while the backbone runs on this one, and
 *   that thread then shares the feature term's border map with this one; the thread ends with
 *   `dispose`, and never keeps a finished program alive.
 * - decode: the weight-free decoder (geodesic distance + colour log-odds) plus a feature
 *   log-odds term: a click's kernel in feature space against every cell, so a click reaches
 *   the parts of its object that look alike to the network even across colour edges.
 *   `options` are ignored, as in the weight-free decoder.
 *
 * @example
 * const seg = await createStandinSegmenter("../shared/models/mobilenetv2/mobilenetv2-12-int8.onnx", sha);
 * const { mask } = await seg.decode(await seg.embed(image), [{ x: 120, y: 80, label: 1 }]);
 */
import type { Point, RGBImage } from "../../../core/image.ts";
import { ModelError } from "../../../core/errors.ts";
import {
  type DecodeOptions,
  type DecodeResult,
  EMBED_SIZE,
  type Embedding,
  type Segmenter,
} from "../segmenter.ts";
import { CHANNELS, embedExtent, fineGridSize } from "../weightfree/features.ts";
import { decodeOnGrid } from "../weightfree/decoder.ts";
import { checkConfig, checkImage, gridCache, gridFromAux, settle } from "../weightfree/embed.ts";
import { createEmbedThread } from "../weightfree/embed_thread.ts";
import type { FeatureTerm, FineGrid } from "../weightfree/grid.ts";
import { STANDIN_CONFIG, type StandinConfig, standinId } from "./config.ts";
import { createBackbone } from "./backbone.ts";
import { featureTerm, featureTermOf, fillFeatureJob, maskToExtent, newFeatureJob } from "./features.ts";
import { cancel, publish, runMeanKernel, waitDone } from "../weightfree/mean_kernel.ts";

export type { StandinConfig } from "./config.ts";
export { STANDIN_CONFIG } from "./config.ts";

/** Every report shows this for the stand-in (issue 15). */
export const STANDIN_LABEL = "stand-in (MobileNetV2 features), not SAM";
const WHO = "stand-in segmenter";

/**
 * A stand-in segmenter on the MobileNetV2 file at `path` whose verified sha256 is `sha256`;
 * `config` overrides STANDIN_CONFIG field by field.
 */
export async function createStandinSegmenter(
  path: string,
  sha256: string,
  config: Partial<StandinConfig> = {},
): Promise<Segmenter> {
  const cfg: StandinConfig = { ...STANDIN_CONFIG, ...config };
  checkConfig(cfg, WHO);
  if (!Number.isInteger(cfg.projection) || cfg.projection < 1) {
    throw new ModelError(`${WHO}: config.projection must be a positive integer, got ${cfg.projection}`);
  }
  const id = standinId(cfg, sha256);
  const P = cfg.projection, G = EMBED_SIZE;
  const backbone = await createBackbone(path, P, cfg.projectionSeed);
  /** The feature term of an embedding's first P channels, on the fine grid of a width × height image. */
  const featuresOf = (data: Float32Array, width: number, height: number): FeatureTerm | undefined => {
    if (!(cfg.featureWeight > 0)) return undefined;
    const { ew, eh } = embedExtent(width, height), { fw, fh } = fineGridSize(width, height, cfg.fineSize);
    const feat = data.subarray(0, P * G * G);
    return featureTerm(feat, P, ew, eh, fw, fh, cfg.featureWeight, cfg.featureDecay, cfg.featureSigma);
  };
  /** The grid with the feature term of the embedding's first P channels. */
  const withFeatures = (grid: FineGrid, data: Float32Array): FineGrid => {
    const feature = featuresOf(data, grid.width, grid.height);
    if (feature) grid.feature = feature;
    return grid;
  };
  const thread = createEmbedThread(WHO);

  const grids = gridCache(id, WHO, (emb) => {
    if (emb.channels !== P + CHANNELS.length || emb.data.length !== emb.channels * G * G) {
      throw new ModelError(
        `${WHO}: embedding is [${emb.channels}, …], expected [${P + CHANNELS.length}, 64, 64]`,
      );
    }
    return withFeatures(gridFromAux(emb, cfg, WHO), emb.data);
  });

  return {
    id,
    label: STANDIN_LABEL,
    isSam: false,
    async embed(image: RGBImage): Promise<Embedding> {
      checkImage(image, WHO);
      // The weight-free grid on the worker thread while the backbone runs on this one.
      const fine = thread.embedFine(image, cfg);
      fine.catch(() => {}); // awaited below; a backbone error must not leave it unhandled
      const { ew, eh } = embedExtent(image.width, image.height);
      // The feature term's border map, in chunks on both threads: the worker thread, done with
      // the grid (it usually is: the backbone takes longer), waits for the job to be published.
      const job = cfg.featureWeight > 0 ? newFeatureJob(P, ew, eh, true) : undefined;
      const helped = job && thread.helpMeanKernel(job);
      helped?.catch(() => {}); // awaited below, after this thread's share
      const data = new Float32Array((P + CHANNELS.length) * G * G);
      try {
        maskToExtent(await backbone.run(image), P, ew, eh, data);
        if (job) {
          fillFeatureJob(job, data, ew, eh, cfg.featureSigma);
          publish(job);
        }
      } finally {
        if (job) cancel(job); // after an error: the thread must not wait on (a no-op once published)
      }
      let feature: FeatureTerm | undefined;
      if (job) {
        runMeanKernel(job);
        // the other thread's last chunk; its answer only if that is slow (then it says why)
        if (!waitDone(job, 1_000)) await helped;
        const fineSize = fineGridSize(image.width, image.height, cfg.fineSize);
        feature = featureTermOf(job, { ew, eh }, fineSize, cfg.featureWeight, cfg.featureDecay);
      }
      const { grid, data: colour, aux } = await fine;
      data.set(colour, P * G * G);
      if (feature) grid.feature = feature;
      const emb: Embedding = {
        data,
        channels: P + CHANNELS.length,
        width: image.width,
        height: image.height,
        segmenter: id,
        aux,
      };
      return grids.keep(emb, grid);
    },
    decode(emb: Embedding, points: Point[], _options?: DecodeOptions): Promise<DecodeResult> {
      return settle(() => decodeOnGrid(grids.of(emb), points, cfg));
    },
    async dispose() {
      await Promise.all([backbone.dispose(), thread.dispose()]);
    },
  };
}
