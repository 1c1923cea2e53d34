/**
 * The weight-free embedding, shared by every backend built on the weight-free decoder (this
 * folder's segmenter and the stand-in in ../standin/): the image as Lab on a fine grid (what the
 * decoder segments) with its edge costs, border distances and border colour kernel, the
 * [16, 64, 64] features of features.ts, and the aux arrays that carry the grid through the
 * embed cache; and the way back from a cached embedding to its fine grid.
 */
import type { RGBImage } from "../../../core/image.ts";
import { ModelError } from "../../../core/errors.ts";
import type { AuxArray, Embedding } from "../segmenter.ts";
import type { WeightFreeConfig } from "./config.ts";
import { embeddingFeatures, fineGridSize, labFineGrid } from "./features.ts";
import { edgeCosts } from "./geodesic.ts";
import { colourSigma } from "./decoder.ts";
import { borderDensity } from "./colour.ts";
import type { FineGrid } from "./grid.ts";

/** Throws a ModelError naming `who` unless the image is a whole RGB buffer. */
export function checkImage(image: RGBImage, who: string): void {
  const { width, height } = image;
  if (width < 1 || height < 1 || image.data.length !== width * height * 3) {
    throw new ModelError(`${who}: bad image ${width}×${height} with ${image.data.length} bytes`);
  }
}

/** The fine grid, the [16, 64, 64] features and the aux arrays of one image. */
export function embedFine(
  image: RGBImage,
  cfg: WeightFreeConfig,
): { grid: FineGrid; data: Float32Array; aux: Record<string, AuxArray> } {
  const { width, height } = image;
  const { fw, fh } = fineGridSize(width, height, cfg.fineSize);
  const lab = labFineGrid(image, fw, fh);
  const costs = edgeCosts(lab, fw, fh, cfg.eps, cfg.edgePower);
  const { data, borderDist } = embeddingFeatures(lab, fw, fh, width, height, costs, cfg.sweeps);
  const grid: FineGrid = { fw, fh, width, height, lab, borderDist, costs, seeds: new Map() };
  if (cfg.colourWeight > 0) grid.borderColour = borderDensity(grid, colourSigma(grid, cfg));
  return { grid, data, aux: fineAux(grid) };
}

/** The aux arrays that carry a fine grid through the embed cache (gridFromAux reads them back). */
export function fineAux(grid: FineGrid): Record<string, AuxArray> {
  const { fw, fh } = grid;
  const aux: Record<string, AuxArray> = {
    lab: { shape: [3, fh, fw], data: grid.lab },
    borderDist: { shape: [fh, fw], data: grid.borderDist },
  };
  if (grid.borderColour) aux.borderColour = { shape: [fh, fw], data: grid.borderColour };
  return aux;
}

/**
 * The fine grid of an embedding read back from the embed cache: aux.lab [3, fh, fw],
 * aux.borderDist [fh, fw] and (with the colour term) aux.borderColour; the edge costs are
 * recomputed. A missing or misshapen array is a ModelError naming `who` and the array.
 */
export function gridFromAux(emb: Embedding, cfg: WeightFreeConfig, who: string): FineGrid {
  const lab = emb.aux?.lab;
  if (
    !lab || lab.shape.length !== 3 || lab.shape[0] !== 3 ||
    lab.data.length !== lab.shape[0] * lab.shape[1] * lab.shape[2]
  ) {
    throw new ModelError(`${who}: embedding lacks aux.lab [3, fh, fw]`);
  }
  const [, fh, fw] = lab.shape;
  const plane = (name: string) => {
    const a = emb.aux?.[name];
    if (!a || a.data.length !== fh * fw) {
      throw new ModelError(`${who}: embedding lacks aux.${name} [${fh}, ${fw}]`);
    }
    return a.data;
  };
  return {
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
}

/**
 * A segmenter's fine grids by embedding (an RL episode decodes one embedding ≈15 times, reusing
 * its edge costs and click maps): `of` builds a grid once per embedding object, after checking
 * that the embedding is this segmenter's (`id`); `keep` stores the grid an embed call made.
 */
export function gridCache(id: string, who: string, build: (emb: Embedding) => FineGrid) {
  const grids = new WeakMap<Embedding, FineGrid>();
  return {
    of(emb: Embedding): FineGrid {
      const cached = grids.get(emb);
      if (cached) return cached;
      if (emb.segmenter !== id) {
        throw new ModelError(
          `${who} ${id.slice(0, 12)}: embedding was made by segmenter ${emb.segmenter.slice(0, 12)}`,
        );
      }
      const grid = build(emb);
      grids.set(emb, grid);
      return grid;
    },
    keep(emb: Embedding, grid: FineGrid): Embedding {
      grids.set(emb, grid);
      return emb;
    },
  };
}

/** Throws unless every config value is a finite number. */
export function checkConfig(cfg: object, who: string): void {
  for (const [k, v] of Object.entries(cfg)) {
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new ModelError(`${who}: config.${k} must be a finite number, got ${v}`);
    }
  }
}

/** Run synchronous work as a promise, so that a thrown error becomes a rejection. */
export function settle<T>(fn: () => T): Promise<T> {
  return new Promise((resolve) => resolve(fn()));
}
