/**
 * Intersection over union. Soft maps are binarised at ≥ 0.5. An image whose prediction and
 * ground truth are both empty scores 1 (a correct "nothing here"); ignored pixels count in
 * neither ∩ nor ∪.
 *
 * Two ways to average, both reported:
 *  - `meanIou`: mean of per-image IoU (sample-based, as saliency toolboxes average);
 *  - `pooledIou`: Σ∩ / Σ∪ over the images (dataset-level; PerSAM's eval_miou.py does this per
 *    class, and `perClassPooledMiou` then averages over classes — VOC's per-class IoU).
 */
import { checkInputs, confusion, type Pred } from "./common.ts";

/** ∩ and ∪ of one image, for pooling. */
export interface IouCounts {
  inter: number;
  union: number;
}

/**
 * @example
 * iouCounts(new Uint8Array([1, 1, 0]), new Uint8Array([0, 1, 1])); // { inter: 1, union: 3 }
 */
export function iouCounts(pred: Pred, gt: Uint8Array, ignore?: Uint8Array): IouCounts {
  checkInputs("iou", pred, gt, ignore);
  const { tp, fp, fn } = confusion(pred, gt, ignore);
  return { inter: tp, union: tp + fp + fn };
}

/** IoU from counts; 1 when the union is empty. */
export function iouFromCounts({ inter, union }: IouCounts): number {
  return union === 0 ? 1 : inter / union;
}

/**
 * Per-image IoU.
 * @example
 * iou(new Uint8Array([1, 1, 0]), new Uint8Array([0, 1, 1])); // 1/3
 */
export function iou(pred: Pred, gt: Uint8Array, ignore?: Uint8Array): number {
  return iouFromCounts(iouCounts(pred, gt, ignore));
}

/**
 * Mean of per-image IoUs (NaN for no images).
 * @example
 * meanIou([1, 0.5]); // 0.75
 */
export function meanIou(values: number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

/**
 * Dataset-level IoU Σ∩ / Σ∪ (1 when every union is empty, NaN for no images).
 * @example
 * pooledIou([{ inter: 1, union: 3 }, { inter: 3, union: 3 }]); // 4/6
 */
export function pooledIou(counts: IouCounts[]): number {
  if (counts.length === 0) return NaN;
  let inter = 0, union = 0;
  for (const c of counts) (inter += c.inter), (union += c.union);
  return iouFromCounts({ inter, union });
}

/**
 * PerSAM's convention (eval_miou.py): per class, IoU = Σ∩ / Σ∪ over that class's images;
 * mIoU = mean over classes.
 * @example
 * perClassPooledMiou([{ cls: "cat", inter: 1, union: 2 }, { cls: "dog", inter: 1, union: 1 }]);
 * // { perClass: { cat: 0.5, dog: 1 }, miou: 0.75 }
 */
export function perClassPooledMiou(
  records: { cls: string; inter: number; union: number }[],
): { perClass: Record<string, number>; miou: number } {
  const byClass = new Map<string, IouCounts[]>();
  for (const r of records) {
    if (!byClass.has(r.cls)) byClass.set(r.cls, []);
    byClass.get(r.cls)!.push(r);
  }
  const perClass: Record<string, number> = {};
  for (const [cls, counts] of byClass) perClass[cls] = pooledIou(counts);
  return { perClass, miou: meanIou(Object.values(perClass)) };
}
