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
import { ModelError } from "../../../core/errors.ts";
import type { DecodeOptions, DecodeResult, Embedding, Segmenter } from "../segmenter.ts";
import { configId, DEFAULT_CONFIG, type WeightFreeConfig } from "./config.ts";
import { CHANNELS, embeddingFeatures, fineGridSize, labFineGrid } from "./features.ts";
import { edgeCosts } from "./geodesic.ts";
import { colourSigma, decodeField, fieldScore, fieldToLowRes, fieldToMask } from "./decoder.ts";
import { borderDensity } from "./colour.ts";
import type { FineGrid } from "./grid.ts";

export type { WeightFreeConfig } from "./config.ts";
export { DEFAULT_CONFIG } from "./config.ts";

export const WEIGHT_FREE_LABEL = "weight-free (not SAM)";

/** A weight-free segmenter; `config` overrides DEFAULT_CONFIG field by field. */
export function createWeightFreeSegmenter(config: Partial<WeightFreeConfig> = {}): Segmenter {
  const cfg: WeightFreeConfig = { ...DEFAULT_CONFIG, ...config };
  for (const [k, v] of Object.entries(cfg)) {
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new ModelError(`weight-free segmenter: config.${k} must be a finite number, got ${v}`);
    }
  }
  const id = configId(cfg);
  // Decoding the same embedding again (≈15 times per RL episode) reuses its edge costs.
  const grids = new WeakMap<Embedding, FineGrid>();

  const gridOf = (emb: Embedding): FineGrid => {
    const cached = grids.get(emb);
    if (cached) return cached;
    if (emb.segmenter !== id) {
      throw new ModelError(
        `weight-free segmenter ${id.slice(0, 12)}: embedding was made by segmenter ${
          emb.segmenter.slice(0, 12)
        }`,
      );
    }
    const lab = emb.aux?.lab;
    if (
      !lab || lab.shape.length !== 3 || lab.shape[0] !== 3 ||
      lab.data.length !== lab.shape[0] * lab.shape[1] * lab.shape[2]
    ) {
      throw new ModelError("weight-free segmenter: embedding lacks aux.lab [3, fh, fw]");
    }
    const [, fh, fw] = lab.shape;
    const plane = (name: string) => {
      const a = emb.aux?.[name];
      if (!a || a.data.length !== fh * fw) {
        throw new ModelError(`weight-free segmenter: embedding lacks aux.${name} [${fh}, ${fw}]`);
      }
      return a.data;
    };
    const grid: FineGrid = {
      fw,
      fh,
      width: emb.width,
      height: emb.height,
      lab: lab.data,
      borderDist: plane("borderDist"),
      costs: edgeCosts(lab.data, fw, fh, cfg.eps, cfg.edgePower),
      seeds: new Map(),
      borderColour: cfg.colourWeight > 0 ? plane("borderColour") : undefined,
    };
    grids.set(emb, grid);
    return grid;
  };

  return {
    id,
    label: WEIGHT_FREE_LABEL,
    isSam: false,
    embed: (image: RGBImage): Promise<Embedding> => settle(() => embedSync(image)),
    decode(emb: Embedding, points: Point[], _options?: DecodeOptions): Promise<DecodeResult> {
      return settle(() => {
        const grid = gridOf(emb);
        const field = decodeField(grid, points, cfg);
        return {
          mask: fieldToMask(grid, field),
          lowRes: fieldToLowRes(grid, field),
          score: fieldScore(field),
        };
      });
    },
  };

  function embedSync(image: RGBImage): Embedding {
    const { width, height } = image;
    if (width < 1 || height < 1 || image.data.length !== width * height * 3) {
      throw new ModelError(
        `weight-free segmenter: bad image ${width}×${height} with ${image.data.length} bytes`,
      );
    }
    const { fw, fh } = fineGridSize(width, height, cfg.fineSize);
    const lab = labFineGrid(image, fw, fh);
    const costs = edgeCosts(lab, fw, fh, cfg.eps, cfg.edgePower);
    const { data, borderDist } = embeddingFeatures(lab, fw, fh, width, height, costs, cfg.sweeps);
    const grid: FineGrid = { fw, fh, width, height, lab, borderDist, costs, seeds: new Map() };
    const aux: Embedding["aux"] = {
      lab: { shape: [3, fh, fw], data: lab },
      borderDist: { shape: [fh, fw], data: borderDist },
    };
    if (cfg.colourWeight > 0) {
      grid.borderColour = borderDensity(grid, colourSigma(grid, cfg));
      aux.borderColour = { shape: [fh, fw], data: grid.borderColour };
    }
    const emb: Embedding = { data, channels: CHANNELS.length, width, height, segmenter: id, aux };
    grids.set(emb, grid);
    return emb;
  }
}

/** Run synchronous work as a promise, so that a thrown error becomes a rejection. */
function settle<T>(fn: () => T): Promise<T> {
  return new Promise((resolve) => resolve(fn()));
}
