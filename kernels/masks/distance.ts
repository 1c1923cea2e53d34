/**
 * Exact Euclidean distance transforms (Felzenszwalb & Huttenlocher, "Distance Transforms of
 * Sampled Functions", 2012): two 1-D passes of the lower envelope of parabolas, O(N).
 * `edt` gives the click protocol its "most interior point"; `nearestForeground` is MATLAB's
 * `[D, IDX] = bwdist(GT)`, which the weighted F-measure needs.
 */

/**
 * Distance of each foreground (non-zero) pixel to the nearest background pixel, 0 on
 * background. Everything outside the image counts as background, so a full mask's border
 * pixels are at distance 1.
 * @example
 * edt(new Uint8Array(9).fill(1), 3, 3); // [1, 1, 1, 1, 2, 1, 1, 1, 1]
 */
export function edt(/** [h, w] */ mask: Uint8Array, w: number, h: number): Float32Array /** [h, w] */ {
  check(mask, w, h, "edt");
  // Pad by one background pixel on every side: that is the "outside is background" rule.
  const pw = w + 2, ph = h + 2;
  const feature = new Uint8Array(pw * ph).fill(1);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) feature[(y + 1) * pw + x + 1] = mask[y * w + x] ? 0 : 1;
  }
  const sq = new Int32Array(pw * ph);
  transform2d(feature, pw, ph, sq);
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) out[y * w + x] = Math.sqrt(sq[(y + 1) * pw + x + 1]);
  }
  return out;
}

/**
 * For every pixel, the distance to the nearest non-zero pixel of `mask` (0 on it) and that
 * pixel's flat index; only pixels inside the image count. An empty mask gives Infinity and -1.
 * Ties between equally near pixels may resolve differently from scipy/MATLAB.
 * @example
 * nearestForeground(new Uint8Array([0, 0, 1]), 3, 1); // dist [2, 1, 0], nearest [2, 2, 2]
 */
export function nearestForeground(
  /** [h, w] */ mask: Uint8Array,
  w: number,
  h: number,
): { dist: Float32Array; nearest: Int32Array } {
  const { sq, nearest } = nearestForegroundSq(mask, w, h);
  const dist = new Float32Array(w * h);
  for (let i = 0; i < dist.length; i++) dist[i] = sq[i] < 0 ? Infinity : Math.sqrt(sq[i]);
  return { dist, nearest };
}

/**
 * `nearestForeground` with squared distances (exact integers; −1 where the mask is empty),
 * which saves the square roots when only a function of d² is needed. `out` (each array of
 * length w·h) is filled instead of allocating, for callers that score many images.
 * @example
 * nearestForegroundSq(new Uint8Array([0, 0, 1]), 3, 1); // sq [4, 1, 0], nearest [2, 2, 2]
 */
export function nearestForegroundSq(
  /** [h, w] */ mask: Uint8Array,
  w: number,
  h: number,
  out?: { sq: Int32Array; nearest: Int32Array },
): { sq: Int32Array; nearest: Int32Array } {
  check(mask, w, h, "nearestForeground");
  if (out && (out.sq.length !== w * h || out.nearest.length !== w * h)) {
    throw new RangeError(`nearestForegroundSq: out arrays must hold ${w}×${h} values`);
  }
  const sq = out?.sq ?? new Int32Array(w * h), nearest = out?.nearest ?? new Int32Array(w * h);
  let any = false;
  for (let i = 0; i < mask.length && !any; i++) any = mask[i] !== 0;
  if (!any) return { sq: sq.fill(-1), nearest: nearest.fill(-1) };
  transform2d(mask, w, h, sq, nearest);
  return { sq, nearest };
}

/** Buffers reused from call to call (same-size images are the common case): no allocation per row or per call. */
let nyScratch = new Int32Array(0);
let envV = new Int32Array(0), envZ = new Float64Array(0), envG = new Float64Array(0);

/**
 * Squared distance to the nearest non-zero pixel of `feature` (at least one must exist):
 * phase 1 finds, row-major and cache-friendly, the nearest feature row in each column
 * (Meijster et al. 2000); phase 2 runs FH's lower envelope (Algorithm 1) along each row, reading
 * the column distances straight from phase 1 and writing the results in place. Writes the
 * squared distance into `sq` and, when given, the flat index of the nearest feature into `arg`.
 */
function transform2d(
  feature: Uint8Array,
  w: number,
  h: number,
  sq: Int32Array,
  arg?: Int32Array,
): void {
  // Phase 1: ny = row of the nearest feature in the same column (−1: none in this column).
  if (nyScratch.length < w * h) nyScratch = new Int32Array(w * h);
  const ny = nyScratch; // fully rewritten below
  for (let x = 0; x < w; x++) ny[x] = feature[x] ? 0 : -1;
  for (let y = 1; y < h; y++) {
    for (let x = 0, i = y * w; x < w; x++, i++) ny[i] = feature[i] ? y : ny[i - w];
  }
  for (let y = h - 2; y >= 0; y--) {
    for (let x = 0, i = y * w; x < w; x++, i++) {
      const below = ny[i + w];
      if (below > y && (ny[i] < 0 || below - y < y - ny[i])) ny[i] = below;
    }
  }
  // Phase 2: along rows, f(x') = (column distance)²; nearest = argmin_x' (x − x')² + f(x').
  if (envV.length < w) {
    (envV = new Int32Array(w)), (envZ = new Float64Array(w + 1)), (envG = new Float64Array(w));
  }
  const v = envV, z = envZ, g = envG;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    // Envelope: parabola k has vertex v[k], height g[k] = f(v[k]) + v[k]², and rules from z[k].
    // Columns without a feature (f = ∞) never win, so they are left out of it (at least one
    // column has a feature, since the image has one and phase 1 spread it down its column).
    // The first feature column opens the envelope with z[0] = −∞, so the pops below stop at
    // k = 0 without a bounds test (s is finite: q > v[k]).
    let q0 = 0;
    while (ny[row + q0] < 0) q0++;
    let k = 0;
    v[0] = q0;
    g[0] = (y - ny[row + q0]) * (y - ny[row + q0]) + q0 * q0;
    z[0] = -Infinity;
    for (let q = q0 + 1; q < w; q++) {
      const r = ny[row + q];
      if (r < 0) continue;
      const gq = (y - r) * (y - r) + q * q;
      let s = (gq - g[k]) / (2 * (q - v[k]));
      while (s <= z[k]) {
        k--;
        s = (gq - g[k]) / (2 * (q - v[k]));
      }
      k++;
      v[k] = q;
      g[k] = gq;
      z[k] = s;
    }
    z[k + 1] = Infinity;
    let j = 0;
    for (let q = 0; q < w; q++) {
      while (z[j + 1] < q) j++;
      const p = v[j], dq = q - p;
      sq[row + q] = g[j] - p * p + dq * dq; // = f(p) + (q − p)², exact integers
      if (arg) arg[row + q] = ny[row + p] * w + p;
    }
  }
}

function check(mask: Uint8Array, w: number, h: number, fn: string): void {
  if (mask.length !== w * h) throw new RangeError(`${fn}: ${mask.length} values for ${w}×${h}`);
}
