/**
 * Exact Euclidean distance transform (Felzenszwalb & Huttenlocher, "Distance Transforms of
 * Sampled Functions", 2012): two 1-D passes of the lower envelope of parabolas. The click
 * protocol uses it to find a mask's "most interior point".
 */

/**
 * Distance of each foreground (non-zero) pixel to the nearest background pixel, 0 on
 * background. Everything outside the image counts as background, so a full mask's border
 * pixels are at distance 1.
 * @example
 * edt(new Uint8Array(9).fill(1), 3, 3); // [1, 1, 1, 1, 2, 1, 1, 1, 1]
 */
export function edt(/** [h, w] */ mask: Uint8Array, w: number, h: number): Float32Array /** [h, w] */ {
  if (mask.length !== w * h) throw new RangeError(`edt: ${mask.length} values for ${w}×${h}`);
  // Pad by one background pixel on every side: that is the "outside is background" rule.
  const pw = w + 2, ph = h + 2;
  const INF = 1e20;
  const f = new Float64Array(pw * ph);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) f[(y + 1) * pw + x + 1] = mask[y * w + x] ? INF : 0;
  }
  const n = Math.max(pw, ph);
  const line = new Float64Array(n), d = new Float64Array(n);
  const v = new Int32Array(n), z = new Float64Array(n + 1);
  for (let x = 0; x < pw; x++) { // columns
    for (let y = 0; y < ph; y++) line[y] = f[y * pw + x];
    dt1d(line, ph, d, v, z);
    for (let y = 0; y < ph; y++) f[y * pw + x] = d[y];
  }
  const out = new Float32Array(w * h);
  for (let y = 1; y <= h; y++) { // rows
    for (let x = 0; x < pw; x++) line[x] = f[y * pw + x];
    dt1d(line, pw, d, v, z);
    for (let x = 1; x <= w; x++) out[(y - 1) * w + x - 1] = Math.sqrt(d[x]);
  }
  return out;
}

/** 1-D squared distance transform of f[0..n) into d (FH Algorithm 1). */
function dt1d(f: Float64Array, n: number, d: Float64Array, v: Int32Array, z: Float64Array): void {
  let k = 0;
  v[0] = 0;
  z[0] = -Infinity;
  z[1] = Infinity;
  for (let q = 1; q < n; q++) {
    let s = ((f[q] + q * q) - (f[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]);
    while (s <= z[k]) {
      k--;
      s = ((f[q] + q * q) - (f[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]);
    }
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = Infinity;
  }
  k = 0;
  for (let q = 0; q < n; q++) {
    while (z[k + 1] < q) k++;
    const dq = q - v[k];
    d[q] = dq * dq + f[v[k]];
  }
}
