/** Mean absolute error between prediction and ground truth over the non-ignored pixels. */
import { checkInputs, type Pred } from "./common.ts";

/**
 * MAE = mean |pred − gt| (0 when every pixel is ignored).
 * @example
 * mae(new Float32Array([0.5, 1, 0, 0.25]), new Uint8Array([1, 1, 0, 0])); // (0.5+0+0+0.25)/4 = 0.1875
 */
export function mae(pred: Pred, gt: Uint8Array, ignore?: Uint8Array): number {
  checkInputs("mae", pred, gt, ignore);
  return maeUnchecked(pred, gt, ignore);
}

/** `mae` without input validation (for `allMetrics`, which validates once). */
export function maeUnchecked(pred: Pred, gt: Uint8Array, ignore?: Uint8Array): number {
  let sum = 0, n = 0;
  for (let i = 0; i < gt.length; i++) {
    if (ignore && ignore[i]) continue;
    sum += Math.abs(pred[i] - gt[i]);
    n++;
  }
  return n === 0 ? 0 : sum / n;
}
