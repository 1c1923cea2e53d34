/**
 * The 64×64 state grid and the 10×10 action grid on it. The embedding E_I(x), the decoder's
 * low-res mask (256 → 64, kernels/masks/threshold.ts) and the SRM's y_r share the segmenter's
 * frame (kernels/sam/layout.ts): SAM's is padded — the image resized so its long side fills the
 * grid, padded bottom/right — so the image covers the top-left gw × gh grid pixels; a stretched
 * layout (EfficientSAM, `padded` false) covers all 64 × 64.
 */
import { resizeAreaF32 } from "../masks/resize.ts";
import { GRID } from "../masks/grid.ts";
import type { GroundTruth } from "../../core/image.ts";
import { imageExtentOnGrid } from "../sam/transform.ts";
import { isPadded } from "../sam/layout.ts";
import type { Embedding } from "../sam/segmenter.ts";

export const SIDE = 64;
export const CELLS = GRID * GRID;

/** The grid pixels one image covers and the action cell of each (−1 in the padding). */
export interface GridLayout {
  width: number;
  height: number;
  /** image extent on the grid (SAM: round(side · short / long)) */
  gw: number;
  gh: number;
  /** [64·64] action cell of each grid pixel, −1 outside the image */
  cellOf: Int16Array;
  /** [100] grid pixels per cell (≥ 1) */
  counts: Float32Array;
}

/**
 * Cell k covers image columns [c·W/10, (c+1)·W/10): on the grid, columns [c·gw/10, (c+1)·gw/10),
 * at least one pixel wide so tiny images still give every cell a feature.
 */
export function gridLayout(width: number, height: number, padded = true): GridLayout {
  const { gw, gh } = gridExtent(width, height, padded);
  const cellOf = new Int16Array(SIDE * SIDE).fill(-1);
  const counts = new Float32Array(CELLS);
  const span = (i: number, n: number): [number, number] => {
    const lo = Math.min(Math.floor((i * n) / GRID), n - 1);
    return [lo, Math.max(lo + 1, Math.floor(((i + 1) * n) / GRID))];
  };
  for (let r = 0; r < GRID; r++) {
    const [y0, y1] = span(r, gh);
    for (let c = 0; c < GRID; c++) {
      const [x0, x1] = span(c, gw);
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) {
          // Cells overlap only when gw < 10; the later cell wins the pixel, the count stays exact.
          cellOf[y * SIDE + x] = r * GRID + c;
        }
      }
    }
  }
  for (let p = 0; p < cellOf.length; p++) if (cellOf[p] >= 0) counts[cellOf[p]]++;
  for (let k = 0; k < CELLS; k++) counts[k] = Math.max(counts[k], 1);
  return { width, height, gw, gh, cellOf, counts };
}

/** The layout of an embedding's image (padded unless the embedding says otherwise). */
export function layoutOf(emb: Embedding): GridLayout {
  return gridLayout(emb.width, emb.height, isPadded(emb));
}

/** The image's extent on the 64 grid in whole grid pixels. */
export function gridExtent(width: number, height: number, padded = true): { gw: number; gh: number } {
  const e = imageExtentOnGrid(width, height, SIDE, padded);
  return {
    gw: Math.max(1, Math.min(SIDE, Math.round(e.w))),
    gh: Math.max(1, Math.min(SIDE, Math.round(e.h))),
  };
}

/**
 * Mean over each action cell of data ⊙ mask: the pooled state, s_t = E ⊙ M_{t−1} (paper §3.2)
 * pooled to the 10×10 cells. mask = undefined pools E itself (M = 1).
 */
export function poolCells(
  /** [C, 64, 64] */ data: Float32Array,
  channels: number,
  layout: GridLayout,
  /** [64, 64] */ mask?: Float32Array,
): Float32Array /** [100, C] */ {
  const n = SIDE * SIDE;
  const out = new Float32Array(CELLS * channels);
  const { cellOf, counts } = layout;
  for (let ch = 0; ch < channels; ch++) {
    const base = ch * n;
    for (let p = 0; p < n; p++) {
      const k = cellOf[p];
      if (k < 0) continue;
      out[k * channels + ch] += mask ? data[base + p] * mask[p] : data[base + p];
    }
  }
  for (let k = 0; k < CELLS; k++) {
    const inv = 1 / counts[k];
    for (let ch = 0; ch < channels; ch++) out[k * channels + ch] *= inv;
  }
  return out;
}

/** Mean of a [64, 64] map over each cell. */
export function poolMap(/** [64, 64] */ map: Float32Array, layout: GridLayout): Float32Array /** [100] */ {
  return poolCells(map, 1, layout);
}

/**
 * The ground truth on the state grid, for SRM's Dice + BCE target (§3.3): area-averaged to the
 * image's gw × gh extent and placed in the padded frame; the padding and VOC's ignore band are
 * marked in ignore64 (1 = excluded from the loss).
 */
export function gtToGrid(gt: GroundTruth, padded = true): { gt64: Float32Array; ignore64: Uint8Array } {
  const { width, height, data } = gt.mask;
  const { gw, gh } = gridExtent(width, height, padded);
  const soft = resizeAreaF32(data, width, height, gw, gh);
  const ign = gt.ignore ? resizeAreaF32(gt.ignore, width, height, gw, gh) : undefined;
  const gt64 = new Float32Array(SIDE * SIDE);
  const ignore64 = new Uint8Array(SIDE * SIDE).fill(1);
  for (let y = 0; y < gh; y++) {
    for (let x = 0; x < gw; x++) {
      gt64[y * SIDE + x] = soft[y * gw + x];
      // A grid pixel mostly made of VOC boundary has no trustworthy target.
      ignore64[y * SIDE + x] = ign && ign[y * gw + x] > 0.5 ? 1 : 0;
    }
  }
  return { gt64, ignore64 };
}

/**
 * Highest- and lowest-scoring grid pixels of a [64, 64] map inside the image, as image points
 * (grid pixel centres): the evaluation P_0 from the SRM's y_r (METHOD-NOTES §1).
 */
export function extremePoints(
  /** [64, 64] */ map: Float32Array,
  width: number,
  height: number,
  padded = true,
): { hi: { x: number; y: number }; lo: { x: number; y: number } } {
  const { gw, gh } = gridExtent(width, height, padded);
  let hi = 0, lo = 0, vhi = -Infinity, vlo = Infinity;
  for (let y = 0; y < gh; y++) {
    for (let x = 0; x < gw; x++) {
      const v = map[y * SIDE + x];
      if (v > vhi) (vhi = v), (hi = y * SIDE + x);
      if (v < vlo) (vlo = v), (lo = y * SIDE + x);
    }
  }
  const toImage = (p: number) => ({
    x: Math.min(((p % SIDE) + 0.5) * (width / gw), width - 1),
    y: Math.min((Math.floor(p / SIDE) + 0.5) * (height / gh), height - 1),
  });
  return { hi: toImage(hi), lo: toImage(lo) };
}
