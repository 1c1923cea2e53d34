/**
 * SAM's ResizeLongestSide as one small module: the resized size of an image whose long side
 * becomes `target` (1024), and the map of original-pixel points into that frame. The encoder
 * sees the resized image zero-padded bottom/right to target × target, so the 64×64 embedding
 * grid covers [0, target)² of this frame and the image occupies its top-left newW × newH.
 *
 * @example
 * resizedSize(500, 375); // { width: 1024, height: 768 }
 * toModelFrame({ x: 250, y: 100 }, 500, 375); // { x: 512, y: 204.8 }
 */
import { resizeBilinear } from "../masks/resize.ts";

/** SAM's default long side. */
export const SAM_FRAME = 1024;

/**
 * `get_preprocess_shape`: scale = target / max(h, w); each side `int(old · scale + 0.5)`.
 */
export function resizedSize(width: number, height: number, target = SAM_FRAME): {
  width: number;
  height: number;
} {
  const scale = target / Math.max(width, height);
  return { width: Math.floor(width * scale + 0.5), height: Math.floor(height * scale + 0.5) };
}

/** `apply_coords`: x · newW/oldW, y · newH/oldH (not one scale: rounding makes them differ). */
export function toModelFrame(
  p: { x: number; y: number },
  width: number,
  height: number,
  target = SAM_FRAME,
): { x: number; y: number } {
  const r = resizedSize(width, height, target);
  return { x: p.x * (r.width / width), y: p.y * (r.height / height) };
}

/** The inverse of `toModelFrame`: a point of the model frame back to original pixels. */
export function fromModelFrame(
  p: { x: number; y: number },
  width: number,
  height: number,
  target = SAM_FRAME,
): { x: number; y: number } {
  const r = resizedSize(width, height, target);
  return { x: p.x * (width / r.width), y: p.y * (height / r.height) };
}

/**
 * Where the image lies on a square model grid of `grid` cells per side (the 64×64 embedding or
 * the 256×256 low-res logits), in grid cells: [0, w) × [0, h). `padded` = SAM's layout (the
 * resized image top-left, zero padding after); otherwise the image is stretched over the whole
 * grid (EfficientSAM's encoder resizes to 1024×1024, the weight-free backend's own grid).
 */
export function imageExtentOnGrid(
  width: number,
  height: number,
  grid: number,
  padded: boolean,
  target = SAM_FRAME,
): { w: number; h: number } {
  if (!padded) return { w: grid, h: grid };
  const r = resizedSize(width, height, target);
  return { w: (r.width * grid) / target, h: (r.height * grid) / target };
}

/**
 * A square model-grid map (64×64 similarity, 256×256 logits) → [height, width] at the original
 * size, as SAM's `postprocess_masks`: bilinear to target × target, crop the resized image's
 * top-left, bilinear to the original size. Stretched layout: one bilinear resize.
 */
export function gridToImage(
  /** [side, side] */ map: Float32Array,
  side: number,
  width: number,
  height: number,
  padded: boolean,
  target = SAM_FRAME,
): Float32Array /** [height, width] */ {
  if (!padded) return resizeBilinear(map, side, side, width, height);
  const big = resizeBilinear(map, side, side, target, target);
  const r = resizedSize(width, height, target);
  const crop = new Float32Array(r.width * r.height);
  for (let y = 0; y < r.height; y++) crop.set(big.subarray(y * target, y * target + r.width), y * r.width);
  return resizeBilinear(crop, r.width, r.height, width, height);
}
