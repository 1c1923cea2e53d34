/**
 * The paper's action grid (§4.1, METHOD-NOTES §1): the image resized to 800×800 is cut into
 * 80×80 patches, 10×10 = 100 actions; action k = row r = ⌊k/10⌋, column c = k mod 10, is the
 * point (80c + 40, 80r + 40) of the 800 frame, scaled back to the original image.
 */

/** Cells per side. */
export const GRID = 10;
/** Side of the square frame the grid is defined in. */
export const FRAME = 800;
const CELL = FRAME / GRID;

/**
 * Centre of cell `action` in original-image pixel coordinates. Sub-pixel floats are kept:
 * SAM's coordinate transform (ResizeLongestSide.apply_coords) takes floats, so rounding here
 * would move the click; use `maskValueAt` to read a mask at the point.
 * @example
 * cellCenter(11, 1600, 800); // { x: 240, y: 120 }
 */
export function cellCenter(action: number, width: number, height: number): { x: number; y: number } {
  if (!Number.isInteger(action) || action < 0 || action >= GRID * GRID) {
    throw new RangeError(`cellCenter: action ${action} is outside 0..${GRID * GRID - 1}`);
  }
  const r = Math.floor(action / GRID), c = action % GRID;
  return { x: ((CELL * c + CELL / 2) * width) / FRAME, y: ((CELL * r + CELL / 2) * height) / FRAME };
}

/**
 * The action whose cell contains the original-image point (x, y); points outside are clamped
 * to the border cells.
 * @example
 * cellOf(240, 120, 1600, 800); // 11
 */
export function cellOf(x: number, y: number, width: number, height: number): number {
  const c = clamp(Math.floor((x * FRAME) / width / CELL), 0, GRID - 1);
  const r = clamp(Math.floor((y * FRAME) / height / CELL), 0, GRID - 1);
  return r * GRID + c;
}

/**
 * Value of `mask` at point (x, y): coordinates are rounded to the nearest pixel (SAM treats a
 * point's integer coordinates as that pixel) and clamped to the image.
 * @example
 * maskValueAt(new Uint8Array([0, 1, 0, 0]), 2, 2, 0.6, -3); // 1
 */
export function maskValueAt(
  /** [height, width] */ mask: Uint8Array,
  width: number,
  height: number,
  x: number,
  y: number,
): number {
  const xi = clamp(Math.round(x), 0, width - 1), yi = clamp(Math.round(y), 0, height - 1);
  return mask[yi * width + xi];
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
