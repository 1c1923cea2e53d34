/**
 * What the actor-critic sees of the state s_t = E_I(x) ⊙ M_{t−1} (paper §3.2), pooled first
 * (METHOD-NOTES §1: [U]'s four-conv net over 256×64×64 is far too heavy for a CPU). Per action
 * cell k, a row of CELL_FEATURES numbers:
 *
 * - proj(pool_k(s_t))       (k numbers) the state pooled over the cell, projected on a PCA basis;
 * - proj(pool_k(s_0) − μ)   (k) the first observation s_0 = E (M_{−1} = 1), kept as the episode's
 *                           memory: after a few steps s_t is ~0 outside the mask and would hide
 *                           where the background cells are;
 * - z-score of the above across the image's 100 cells (k): "how unlike the rest is this cell";
 * - pool_k(M_{t−1}), chosen_k, row/9, col/9, t/T, mean(M_{t−1}).
 *
 * None of it reads the ground truth. The PCA basis (a fixed linear layer) is fitted once on the
 * training images' pooled embeddings and saved with the weights.
 */
import { CELLS, SIDE } from "./grid64.ts";
import { GRID } from "../masks/grid.ts";
import { makeRng } from "../../core/rng.ts";

/** Projected dimensions per pooled vector. */
export const PROJ_DIM = 16;
/** Per-cell feature count. */
export const CELL_FEATURES = 3 * PROJ_DIM + 6;

/** The fitted projection: a frozen linear layer C → PROJ_DIM. */
export interface FeatureSpec {
  channels: number;
  /** [C] channel means of pooled E */
  mean: Float32Array;
  /** [PROJ_DIM, C] orthonormal rows (zero rows when C < PROJ_DIM) */
  basis: Float32Array;
  /** [PROJ_DIM] std of each projection over the training cells */
  scale: Float32Array;
}

/**
 * PCA of pooled-embedding rows by orthogonal iteration on the C×C covariance.
 * rows: per image [100, C] (poolCells of E).
 */
export function fitFeatureSpec(rows: Float32Array[], channels: number, seed = 0): FeatureSpec {
  const C = channels, k = Math.min(PROJ_DIM, C);
  const mean = new Float64Array(C);
  let n = 0;
  for (const r of rows) {
    for (let i = 0; i < r.length; i += C) {
      for (let c = 0; c < C; c++) mean[c] += r[i + c];
      n++;
    }
  }
  for (let c = 0; c < C; c++) mean[c] /= Math.max(n, 1);
  const cov = new Float64Array(C * C);
  const d = new Float64Array(C);
  for (const r of rows) {
    for (let i = 0; i < r.length; i += C) {
      for (let c = 0; c < C; c++) d[c] = r[i + c] - mean[c];
      for (let a = 0; a < C; a++) {
        const da = d[a];
        if (da === 0) continue;
        const row = a * C;
        for (let b = a; b < C; b++) cov[row + b] += da * d[b];
      }
    }
  }
  for (let a = 0; a < C; a++) for (let b = a; b < C; b++) cov[b * C + a] = cov[a * C + b];
  // Orthogonal iteration: Q ← orth(cov · Q), 60 rounds is plenty for the leading 16.
  const rng = makeRng(seed);
  let q = Array.from({ length: k }, () => Float64Array.from({ length: C }, () => rng.normal()));
  for (let it = 0; it < 60; it++) {
    q = q.map((v) => {
      const out = new Float64Array(C);
      for (let a = 0; a < C; a++) {
        let s = 0;
        for (let b = 0; b < C; b++) s += cov[a * C + b] * v[b];
        out[a] = s;
      }
      return out;
    });
    gramSchmidt(q);
  }
  const basis = new Float32Array(PROJ_DIM * C);
  const scale = new Float32Array(PROJ_DIM).fill(1);
  for (let j = 0; j < k; j++) {
    basis.set(q[j], j * C);
    let v = 0;
    for (let a = 0; a < C; a++) {
      let s = 0;
      for (let b = 0; b < C; b++) s += cov[a * C + b] * q[j][b];
      v += q[j][a] * s;
    }
    scale[j] = Math.sqrt(Math.max(v / Math.max(n - 1, 1), 1e-12));
  }
  return { channels: C, mean: Float32Array.from(mean), basis, scale };
}

function gramSchmidt(q: Float64Array[]): void {
  for (let j = 0; j < q.length; j++) {
    for (let i = 0; i < j; i++) {
      let dot = 0;
      for (let a = 0; a < q[j].length; a++) dot += q[j][a] * q[i][a];
      for (let a = 0; a < q[j].length; a++) q[j][a] -= dot * q[i][a];
    }
    let norm = 0;
    for (let a = 0; a < q[j].length; a++) norm += q[j][a] * q[j][a];
    norm = Math.sqrt(norm) || 1;
    for (let a = 0; a < q[j].length; a++) q[j][a] /= norm;
  }
}

/** [100, C] pooled rows → [100, PROJ_DIM], optionally centred by the spec's mean. */
export function project(spec: FeatureSpec, pooled: Float32Array, center: boolean): Float32Array {
  const C = spec.channels;
  const out = new Float32Array(CELLS * PROJ_DIM);
  const d = new Float32Array(C);
  for (let k = 0; k < CELLS; k++) {
    for (let c = 0; c < C; c++) d[c] = pooled[k * C + c] - (center ? spec.mean[c] : 0);
    for (let j = 0; j < PROJ_DIM; j++) {
      const row = j * C;
      let s = 0;
      for (let c = 0; c < C; c++) s += spec.basis[row + c] * d[c];
      out[k * PROJ_DIM + j] = s / spec.scale[j];
    }
  }
  return out;
}

/** The per-image part of the features, computed once per episode from s_0 = E. */
export interface ImageFeatures {
  /** [100, PROJ_DIM] proj(pool(E) − μ) */
  projE: Float32Array;
  /** [100, PROJ_DIM] the same, z-scored across the 100 cells */
  zE: Float32Array;
}

export function imageFeatures(spec: FeatureSpec, pooledE: Float32Array): ImageFeatures {
  const projE = project(spec, pooledE, true);
  const zE = new Float32Array(projE.length);
  for (let j = 0; j < PROJ_DIM; j++) {
    let m = 0, v = 0;
    for (let k = 0; k < CELLS; k++) m += projE[k * PROJ_DIM + j];
    m /= CELLS;
    for (let k = 0; k < CELLS; k++) v += (projE[k * PROJ_DIM + j] - m) ** 2;
    const inv = 1 / Math.sqrt(v / CELLS + 1e-6);
    for (let k = 0; k < CELLS; k++) zE[k * PROJ_DIM + j] = (projE[k * PROJ_DIM + j] - m) * inv;
  }
  return { projE, zE };
}

/**
 * The [100, CELL_FEATURES] rows of one state, written into `out` at `offset` (a batch buffer).
 * pooledS = poolCells(E, C, layout, M_{t−1}); cellMask = poolMap(M_{t−1}).
 */
export function cellFeatures(
  spec: FeatureSpec,
  img: ImageFeatures,
  /** [100, C] */ pooledS: Float32Array,
  /** [100] */ cellMask: Float32Array,
  /** [100] 1 = already chosen */ chosen: Uint8Array,
  t: number,
  T: number,
  out = new Float32Array(CELLS * CELL_FEATURES),
  offset = 0,
): Float32Array {
  const projS = project(spec, pooledS, false);
  let meanM = 0;
  for (let k = 0; k < CELLS; k++) meanM += cellMask[k];
  meanM /= CELLS;
  const tt = T > 0 ? t / T : 0;
  for (let k = 0; k < CELLS; k++) {
    const o = offset + k * CELL_FEATURES;
    for (let j = 0; j < PROJ_DIM; j++) {
      out[o + j] = projS[k * PROJ_DIM + j];
      out[o + PROJ_DIM + j] = img.projE[k * PROJ_DIM + j];
      out[o + 2 * PROJ_DIM + j] = img.zE[k * PROJ_DIM + j];
    }
    const b = o + 3 * PROJ_DIM;
    out[b] = cellMask[k];
    out[b + 1] = chosen[k];
    out[b + 2] = Math.floor(k / GRID) / (GRID - 1);
    out[b + 3] = (k % GRID) / (GRID - 1);
    out[b + 4] = tt;
    out[b + 5] = meanM;
  }
  return out;
}

/** Grid side re-exported for callers that build masks. */
export { SIDE };
