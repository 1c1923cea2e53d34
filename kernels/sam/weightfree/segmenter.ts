/**
 * The weight-free promptable segmenter behind the `Segmenter` interface: no learned weights, so
 * the whole AlignSAM pipeline runs (and means something) offline. It is NOT SAM, and says so
 * (`isSam` false, label "weight-free (not SAM)").
 *
 * - embed: the image as Lab on a fine grid (long side `fineSize`) plus the [16, 64, 64]
 *   features of features.ts; `aux.lab` [3, fh, fw], `aux.borderDist` [fh, fw] (geodesic
 *   distance from the border) and `aux.borderColour` [fh, fw] (the border's colour kernel; only
 *   with colourWeight > 0) travel with the embedding through the embed cache (≈ 5 floats per fine
 *   pixel: 384 KB for a 160×120 grid).
 * - decode: geodesic segmentation from the clicks (decoder.ts). `options.prevLowRes` is
 *   IGNORED: the clicks fully determine the result (the caller passes every click so far, as
 *   AlignSAM's P_t = P_{t−1} ∪ {a_t} does), so feeding the previous mask would only add drift.
 *   `options.multimask` is ignored too: there is one hypothesis.
 *
 * @example
 * const seg = createWeightFreeSegmenter();
 * const emb = await seg.embed(image);
 * const { mask, lowRes, score } = await seg.decode(emb, [{ x: 120, y: 80, label: 1 }]);
 */
import type { Point, RGBImage } from "../../../core/image.ts";
import type { DecodeOptions, DecodeResult, Embedding, Segmenter } from "../segmenter.ts";
import { configId, DEFAULT_CONFIG, type WeightFreeConfig } from "./config.ts";
import { CHANNELS } from "./features.ts";
import { decodeOnGrid } from "./decoder.ts";
import { checkConfig, checkImage, embedFine, gridCache, gridFromAux, settle } from "./embed.ts";

export type { WeightFreeConfig } from "./config.ts";
export { DEFAULT_CONFIG } from "./config.ts";

export const WEIGHT_FREE_LABEL = "weight-free (not SAM)";
const WHO = "weight-free segmenter";

/** A weight-free segmenter; `config` overrides DEFAULT_CONFIG field by field. */
export function createWeightFreeSegmenter(config: Partial<WeightFreeConfig> = {}): Segmenter {
  const cfg: WeightFreeConfig = { ...DEFAULT_CONFIG, ...config };
  checkConfig(cfg, WHO);
  const id = configId(cfg);
  const grids = gridCache(id, WHO, (emb) => gridFromAux(emb, cfg, WHO));

  return {
    id,
    label: WEIGHT_FREE_LABEL,
    isSam: false,
    embed: (image: RGBImage): Promise<Embedding> =>
      settle(() => {
        checkImage(image, WHO);
        const { grid, data, aux } = embedFine(image, cfg);
        const emb: Embedding = {
          data,
          channels: CHANNELS.length,
          width: image.width,
          height: image.height,
          segmenter: id,
          aux,
        };
        return grids.keep(emb, grid);
      }),
    decode(emb: Embedding, points: Point[], _options?: DecodeOptions): Promise<DecodeResult> {
      return settle(() => decodeOnGrid(grids.of(emb), points, cfg));
    },
  };
}
