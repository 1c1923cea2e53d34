/**
 * Where a chosen point's label comes from (paper §3.3; supp. Table 3's ablation), glued to the
 * env's state: the SRM sees x_t = (E, M_{t−1}[, CLIP map]) and labels the point y_r(a_t) > 0.5
 * (kernels/agent/label.ts does the thresholding and the other variants).
 */
import type { Srm, SrmInput } from "../srm/srm.ts";
import type { ClipMap } from "../../core/records.ts";
import type { Embedding } from "../sam/segmenter.ts";
import type { GroundTruth } from "../../core/image.ts";
import { labelPoint, type LabelVariant } from "./label.ts";
import { isPadded } from "../sam/layout.ts";
import { SIDE } from "./grid64.ts";

export type { LabelVariant };
/** The paper's variants (supp. Table 3) and the "gt" diagnostic ceiling (never a paper row). */
export const LABEL_VARIANTS: readonly LabelVariant[] = ["srm", "sclip", "last", "none", "gt"];

/** SRM's input for the state s_t = E ⊙ M_{t−1}; the explicit branch adds s_c's CLIP map. */
export function srmInput(emb: Embedding, mask64: Float32Array, clipMap?: ClipMap): SrmInput {
  return { embedding: emb.data, channels: emb.channels, prevMask: mask64, clipMap: clipMap?.map64 };
}

/** SRM input of the initial state s_0 = E (M_{−1} = 1), for the evaluation P_0. */
export function initialSrmInput(emb: Embedding, clipMap?: ClipMap): SrmInput {
  return srmInput(emb, new Float32Array(SIDE * SIDE).fill(1), clipMap);
}

/**
 * Label of the point (x, y) under `variant`. yr = the SRM's y_r on the current state (only the
 * "srm" variant reads it); prevMask = M_{t−1} on the 64 grid ("last"); clipMap ("sclip"); gt ("gt").
 */
export function labelFor(
  variant: LabelVariant,
  x: number,
  y: number,
  emb: Embedding,
  ctx: {
    yr?: Float32Array;
    prevMask?: Float32Array;
    clipMap?: ClipMap;
    srmThreshold?: number;
    gt?: GroundTruth;
  },
): 0 | 1 {
  return labelPoint(variant, {
    x,
    y,
    width: emb.width,
    height: emb.height,
    srm: ctx.yr,
    prevMask: ctx.prevMask,
    clipMap: ctx.clipMap?.map64,
    padded: isPadded(emb),
    srmThreshold: ctx.srmThreshold,
    gtMask: ctx.gt?.mask,
  });
}

/** Whether a variant needs the SRM's prediction at every step. */
export function needsSrm(variant: LabelVariant): boolean {
  return variant === "srm";
}

export type { Srm };
