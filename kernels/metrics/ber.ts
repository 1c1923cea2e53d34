/**
 * Balanced error rate, the shadow-detection metric (SBU; Vicente et al. 2016):
 * BER = 1 − ½(TP/Np + TN/Nn), in [0, 1] here (papers print ×100). Soft maps are binarised at
 * ≥ 0.5. Degenerate cases: with no GT-positive pixel the positive term is dropped
 * (BER = 1 − TN/Nn), with no GT-negative pixel the negative term (BER = 1 − TP/Np); with
 * neither (all ignored) BER = 0.
 * Shadow papers usually pool TP/TN/Np/Nn over the test set: `berPooled` does that.
 */
import { checkInputs, confusion, type Pred } from "./common.ts";

export interface BerCounts {
  tp: number;
  tn: number;
  /** GT-positive pixels */
  np: number;
  /** GT-negative pixels */
  nn: number;
}

/**
 * @example
 * berCounts(new Uint8Array([1, 0, 0, 0]), new Uint8Array([1, 1, 0, 0])); // tp 1, tn 2, np 2, nn 2
 */
export function berCounts(pred: Pred, gt: Uint8Array, ignore?: Uint8Array): BerCounts {
  checkInputs("ber", pred, gt, ignore);
  const c = confusion(pred, gt, ignore);
  return { tp: c.tp, tn: c.tn, np: c.tp + c.fn, nn: c.tn + c.fp };
}

/** BER from counts, with the degenerate cases above. */
export function berFromCounts({ tp, tn, np, nn }: BerCounts): number {
  if (np === 0 && nn === 0) return 0;
  if (np === 0) return 1 - tn / nn;
  if (nn === 0) return 1 - tp / np;
  return 1 - 0.5 * (tp / np + tn / nn);
}

/**
 * Per-image BER.
 * @example
 * ber(new Uint8Array([1, 0, 0, 0]), new Uint8Array([1, 1, 0, 0])); // 1 − ½(1/2 + 2/2) = 0.25
 */
export function ber(pred: Pred, gt: Uint8Array, ignore?: Uint8Array): number {
  return berFromCounts(berCounts(pred, gt, ignore));
}

/**
 * Dataset-level BER from summed counts.
 * @example
 * berPooled([{ tp: 1, tn: 2, np: 2, nn: 2 }, { tp: 2, tn: 0, np: 2, nn: 2 }]); // 1 − ½(3/4 + 2/4) = 0.375
 */
export function berPooled(counts: BerCounts[]): number {
  const s = { tp: 0, tn: 0, np: 0, nn: 0 };
  for (const c of counts) (s.tp += c.tp), (s.tn += c.tn), (s.np += c.np), (s.nn += c.nn);
  return berFromCounts(s);
}
