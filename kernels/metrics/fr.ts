/**
 * Foreground Rate (AlignSAM supplementary Eq. 1): FR = Σ_{t=1..T} 1{G_I(a_t) = 1} / T, the
 * share of the agent's chosen points that land on ground-truth foreground (reported with
 * T = 15, averaged over the test images). Points are read with `maskValueAt` (rounded,
 * clamped); actions are converted with the paper's 10×10 grid.
 */
import { cellCenter, maskValueAt } from "../masks/grid.ts";

/**
 * @example
 * fr([{ x: 0, y: 0 }, { x: 1, y: 0 }], new Uint8Array([1, 0, 0, 0]), 2, 2); // 0.5
 */
export function fr(
  points: { x: number; y: number }[],
  /** [height, width] */ gt: Uint8Array,
  width: number,
  height: number,
): number {
  if (points.length === 0) throw new RangeError("fr: no points (FR is defined for T ≥ 1 actions)");
  if (gt.length !== width * height) throw new RangeError(`fr: ${gt.length} values for ${width}×${height}`);
  let hits = 0;
  for (const p of points) if (maskValueAt(gt, width, height, p.x, p.y) === 1) hits++;
  return hits / points.length;
}

/**
 * FR of grid actions (0..99) on an image of the GT's size.
 * @example
 * frActions([0, 99], gtOf800x800WithTopLeftCellOn, 800, 800); // 0.5
 */
export function frActions(actions: number[], gt: Uint8Array, width: number, height: number): number {
  return fr(actions.map((a) => cellCenter(a, width, height)), gt, width, height);
}
