/**
 * The fine grid the weight-free decoder works on, with what it derives from it once and reuses
 * across decode calls of one embedding (an RL episode decodes the same image ≈15 times, adding
 * one click each time, so per-click maps are computed once and combined by min / sum).
 */
import type { Point } from "../../../core/image.ts";
import type { EdgeCosts } from "./geodesic.ts";

/** What one click at a fine pixel contributes, whatever its label. */
export interface SeedMaps {
  /** [fh, fw] geodesic distance from the click */
  dist: Float32Array;
  /** [fh, fw] colour kernel of the click's local colour (only when the colour term is on) */
  density?: Float32Array;
  /** [fh, fw] the grid's FeatureTerm kernel of the click (only when the grid has one) */
  feature?: Float32Array;
}

/**
 * A second affinity beside colour, added to the logits as weight · log-odds the same way
 * (colour.ts colourLogOdds): the stand-in segmenter's backbone features (kernels/sam/standin/).
 * The weight-free segmenter has none.
 */
export interface FeatureTerm {
  /** [fh, fw] the kernel of the click at fine pixel `at` */
  density(at: number): Float32Array;
  /** [fh, fw] the border prototypes' mean kernel (the implicit background) */
  border: Float32Array;
  /** the term's weight in the logits given the number of distinct clicks */
  weight(clicks: number): number;
}

/** Per-click maps kept per grid; past this many distinct clicks the cache starts afresh. */
export const SEED_CACHE_LIMIT = 64;

export interface FineGrid {
  fw: number;
  fh: number;
  /** original image size */
  width: number;
  height: number;
  /** [3, fh, fw] CIE Lab */
  lab: Float32Array;
  /** [fh, fw] geodesic distance from the image border */
  borderDist: Float32Array;
  costs: EdgeCosts;
  /** fine pixel index → its click maps (valid for the one config the grid was made for) */
  seeds: Map<number, SeedMaps>;
  /** [fh, fw] mean colour kernel of the border prototypes (made at embed; only with the colour term) */
  borderColour?: Float32Array;
  /** an extra affinity term (the stand-in's features); none for the weight-free segmenter */
  feature?: FeatureTerm;
}

/** A click's fine-grid pixel: the fine cell its original-pixel coordinate falls in. */
export function fineIndex(grid: FineGrid, p: Point): number {
  const fx = Math.min(grid.fw - 1, Math.max(0, Math.floor(((p.x + 0.5) * grid.fw) / grid.width)));
  const fy = Math.min(grid.fh - 1, Math.max(0, Math.floor(((p.y + 0.5) * grid.fh) / grid.height)));
  return fy * grid.fw + fx;
}
