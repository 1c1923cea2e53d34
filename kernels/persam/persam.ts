/**
 * Training-free PerSAM [PS persam.py; METHOD-NOTES §4] on any Segmenter, as far as its decoder
 * allows: location prior → first decode → cascaded refinement (mask_input, then + box).
 * Target-guided attention and target-semantic prompting change the decoder's attention and
 * tokens: they need decoder graph inputs (PerSAM's attn_sim / target_embedding) that neither
 * the official ONNX exports nor the weight-free decoder have, so they are not implemented.
 *
 * @example
 * const caps = decoderCapabilities(seg);
 * const t = targetFeature(refs);
 * const { mask } = await persamSegment(seg, testEmb, t.feature, caps);
 */
import type { Point } from "../../core/image.ts";
import type { DecoderCapabilities, DecodeResult, Embedding, Segmenter } from "../sam/segmenter.ts";
import { locationPrior } from "./target.ts";

export interface PersamResult {
  /** [H, W] 0/1 */
  mask: Uint8Array;
  score: number;
  /** the positive and negative location priors */
  points: Point[];
  /** decoder calls made (1–3) */
  decodes: number;
}

/** The tight box of a mask, or undefined when it is empty (PerSAM's np.nonzero min/max). */
export function maskBox(mask: Uint8Array, width: number) {
  let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    const x = i % width, y = (i - x) / width;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  return x1 < 0 ? undefined : { x0, y0, x1, y1 };
}

/**
 * Which mask a decode returns, in words, for `n` prompt points as fed (padding included) — what
 * actually runs, e.g. a single-mask export picks inside the graph whatever we ask.
 */
export function maskChoice(caps: DecoderCapabilities, n: number, multimask: boolean): string {
  const by = caps.scoreKind ?? "score";
  if (caps.picksInside) {
    return n <= 2
      ? `the export's own pick: best of masks 1–3 (${n} points incl. padding ≤ 2)`
      : `the export's own pick: mask 0 (${n} points incl. padding > 2)`;
  }
  if (caps.masksOut === 4) {
    return multimask ? `best of masks 1–3 by ${by}` : "mask 0 (SAM's single-mask token)";
  }
  if (caps.masksOut > 1) return `best of ${caps.masksOut} by ${by} (the export has no single-mask token)`;
  return "its one mask";
}

/** Which PerSAM parts run with these decoder capabilities, and which do not (with why). */
export function persamParts(caps: DecoderCapabilities): string[] {
  const clicks = caps.negativeClicks ? 2 : 1;
  const n = clicks + (caps.paddingPoint ? 1 : 0);
  const prior = caps.negativeClicks
    ? "location prior: positive point at the cosine-similarity argmax, negative at the argmin"
    : "location prior: positive point at the cosine-similarity argmax (negative dropped: the decoder takes none)";
  const parts = [
    "target feature: mean masked embedding (mask → 64×64 coverage > 123.675/255), " +
    "per reference L2-normalised, averaged over the k references",
    prior,
    `first decode: the location prior, ${maskChoice(caps, n, false)}`,
  ];
  parts.push(
    caps.maskInput
      ? `cascade 1: first low-res logits as mask_input, ${maskChoice(caps, n, caps.multimask)}`
      : "not run: cascade 1 (the decoder takes no mask_input)",
  );
  parts.push(
    caps.box
      ? `cascade 2: + the mask's box${caps.maskInput ? " and its low-res logits as mask_input" : ""}, ${
        maskChoice(caps, clicks + 2, caps.multimask)
      }`
      : "not run: cascade 2 (the decoder takes no box)",
  );
  parts.push(
    "not run: target-guided attention (needs an attention-bias decoder input the export lacks)",
    "not run: target-semantic prompting (needs a target-embedding decoder input the export lacks)",
    "not run: PerSAM-F (training; the baseline is training-free)",
  );
  return parts;
}

export async function persamSegment(
  seg: Segmenter,
  emb: Embedding,
  target: Float32Array,
  caps: DecoderCapabilities,
): Promise<PersamResult> {
  const { pos, neg } = locationPrior(emb, target);
  const points = [pos, neg];
  let r: DecodeResult = await seg.decode(emb, points, { multimask: false });
  let decodes = 1;
  const multimask = caps.multimask;
  if (caps.maskInput) {
    r = await seg.decode(emb, points, { prevLowRes: r.lowRes, multimask });
    decodes++;
  }
  const box = caps.box ? maskBox(r.mask, emb.width) : undefined;
  if (box) {
    r = await seg.decode(emb, points, {
      box,
      multimask,
      ...(caps.maskInput ? { prevLowRes: r.lowRes } : {}),
    });
    decodes++;
  }
  return { mask: r.mask, score: r.score, points, decodes };
}
