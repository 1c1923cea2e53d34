/**
 * SRM's inputs on its working grid (paper §3.3, Eq. 11): s = E_I(x) ⊙ M with the mask broadcast
 * over channels, then 2×2 average-pooled from the 64 grid to 32×32 (the pooling is ours: NOT IN
 * PAPER, for speed on one wasm thread). Done in JS in one pass over E because it is cheap there
 * and yields both layouts the network needs: pixel-major for the forward matMul and channel-major
 * for the reduce layer's weight gradient (a transposed matMul is ~10× slower on tfjs-wasm).
 */

export const GRID = 64;

/**
 * How M_{t−1} multiplies E in s_t = E ⊙ M_{t−1} (Eq. 11). The paper does not say what M is
 * numerically (METHOD-NOTES §1: the decoder gives logits). "masked" reads it as the mask's
 * probability p ∈ [0, 1]: outside the current mask s_t is then ~0, so y_r there is one constant and
 * every point the agent adds outside the mask gets the same label — on glass that label is
 * background, and the mask can no longer grow (issue 15: validation split, RL+SRM mIoU 43.8 vs
 * RL-only 66.8). "signed" reads it as 2p − 1 = tanh(logit / 2) ∈ [−1, 1]: the same mask, but the
 * embedding stays visible everywhere, with its sign saying inside or outside (validation mIoU 60.7).
 */
export type SrmState = "signed" | "masked";
export const SRM_STATES: readonly SrmState[] = ["signed", "masked"];
export const RES = 32;
const P = RES * RES;

export interface PooledState {
  /** [32·32, C] pixel-major */
  rows: Float32Array;
  /** [C, 32·32] channel-major */
  cols: Float32Array;
}

/**
 * Scale that brings an embedding to unit RMS, so SAM's 256-channel embedding and the weight-free
 * one start the network at the same scale (NOT IN PAPER). A zero embedding gets scale 1.
 */
export function embeddingScale(/** [C, 64, 64] */ embedding: Float32Array): number {
  let ss = 0;
  for (let i = 0; i < embedding.length; i++) ss += embedding[i] * embedding[i];
  const rms = Math.sqrt(ss / Math.max(embedding.length, 1));
  return rms > 1e-12 ? 1 / rms : 1;
}

/** The factor that multiplies E for a mask probability p (SrmState). */
export function stateMask(/** [64, 64] in [0, 1] */ mask: Float32Array, form: SrmState): Float32Array {
  return form === "signed" ? mask.map((p) => 2 * p - 1) : mask;
}

/**
 * avgpool2(E ⊙ M) · scale, in both layouts. `mask` is the factor itself (stateMask's output, or a
 * CLIP map for s_c).
 * @example
 * const { rows, cols } = pooledState(emb, 32, stateMask(mask64, "signed"), embeddingScale(emb));
 */
export function pooledState(
  /** [C, 64, 64] */ embedding: Float32Array,
  channels: number,
  /** [64, 64] */ mask: Float32Array,
  scale: number,
): PooledState {
  const rows = new Float32Array(P * channels);
  const cols = new Float32Array(P * channels);
  const q = 0.25 * scale;
  for (let c = 0; c < channels; c++) {
    const base = c * GRID * GRID;
    for (let py = 0; py < RES; py++) {
      for (let px = 0; px < RES; px++) {
        const k = 2 * py * GRID + 2 * px, i = base + k;
        const v = q * (embedding[i] * mask[k] + embedding[i + 1] * mask[k + 1] +
          embedding[i + GRID] * mask[k + GRID] + embedding[i + GRID + 1] * mask[k + GRID + 1]);
        const p = py * RES + px;
        rows[p * channels + c] = v;
        cols[c * P + p] = v;
      }
    }
  }
  return { rows, cols };
}
