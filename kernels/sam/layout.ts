/**
 * Where an image lies on a segmenter's square grids (the 64×64 embedding, the 256×256 low-res
 * logits). SAM-family encoders see the image resized (long side 1024) and zero-padded
 * bottom/right, so it fills only the top-left of the grid (the weight-free backend follows the
 * same layout). EfficientSAM's encoder resizes to 1024×1024 instead, stretching the image over
 * the whole grid: its embeddings carry the aux array `layout` = [0]. No marker = padded.
 *
 * @example
 * imageExtent(emb, 64); // { w: 64, h: 48 } for a padded 500×375 embedding
 */
import type { Embedding } from "./segmenter.ts";
import { imageExtentOnGrid } from "./transform.ts";

export const LAYOUT_AUX = "layout";

/** True when the embedding's grid holds the resized image top-left with zero padding. */
export function isPadded(emb: Embedding): boolean {
  return (emb.aux?.[LAYOUT_AUX]?.data[0] ?? 1) === 1;
}

/** The image's extent on a `grid`-cell square grid, in cells. */
export function imageExtent(emb: Embedding, grid: number): { w: number; h: number } {
  return imageExtentOnGrid(emb.width, emb.height, grid, isPadded(emb));
}

/** Original-pixel centre of grid cell (i = row, j = col). */
export function cellToPixel(emb: Embedding, grid: number, i: number, j: number): { x: number; y: number } {
  const e = imageExtent(emb, grid);
  return { x: ((j + 0.5) / e.w) * emb.width, y: ((i + 0.5) / e.h) * emb.height };
}
