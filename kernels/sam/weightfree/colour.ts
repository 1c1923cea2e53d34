/**
 * A per-click colour model that complements the geodesic term: geodesic distance alone cannot
 * reach a same-coloured part of the object cut off by a strong edge, nor reject a region that is
 * reached cheaply but looks like the background. Each click contributes its local mean Lab
 * colour as a prototype; the image border contributes background prototypes (the same weak
 * prior as the decoder's border seed). Log-odds = log Σ_fg K − log Σ_bg K with a Gaussian
 * kernel K of width colourSigma (in units of the image's mean neighbour colour difference).
 */
import type { FineGrid } from "./grid.ts";

/** Border background prototypes sampled along the image border. */
export const BORDER_SAMPLES = 32;
/** Keeps the log-odds finite far from every prototype. */
const FLOOR = 1e-4;

/** Mean Lab of the 3×3 fine pixels around pixel i. */
function localColour(grid: FineGrid, i: number): [number, number, number] {
  const { fw, fh, lab } = grid, n = fw * fh;
  const x = i % fw, y = (i - x) / fw;
  const out: [number, number, number] = [0, 0, 0];
  let m = 0;
  for (let yy = Math.max(0, y - 1); yy <= Math.min(fh - 1, y + 1); yy++) {
    for (let xx = Math.max(0, x - 1); xx <= Math.min(fw - 1, x + 1); xx++) {
      const j = yy * fw + xx;
      for (let c = 0; c < 3; c++) out[c] += lab[c * n + j];
      m++;
    }
  }
  return out.map((v) => v / m) as [number, number, number];
}

/** Evenly spaced pixels along the border of a [fh, fw] grid (clockwise from the top-left). */
export function borderPixels(fw: number, fh: number, count: number): number[] {
  const ring: number[] = [];
  for (let x = 0; x < fw; x++) ring.push(x);
  for (let y = 1; y < fh; y++) ring.push(y * fw + fw - 1);
  for (let x = fw - 2; x >= 0 && fh > 1; x--) ring.push((fh - 1) * fw + x);
  for (let y = fh - 2; y >= 1 && fw > 1; y--) ring.push(y * fw);
  const out: number[] = [];
  for (let k = 0; k < count; k++) out.push(ring[Math.floor((k * ring.length) / count)]);
  return out;
}

/** [fh, fw] the Gaussian kernel of one prototype (the local colour at pixel `at`) at every pixel. */
export function clickDensity(grid: FineGrid, at: number, sigma: number): Float32Array {
  const { lab } = grid, n = grid.fw * grid.fh;
  const k = -1 / (2 * sigma * sigma);
  const [pl, pa, pb] = localColour(grid, at);
  const out = new Float32Array(n);
  for (let j = 0; j < n; j++) {
    const dl = lab[j] - pl, da = lab[n + j] - pa, db = lab[2 * n + j] - pb;
    out[j] = Math.exp(k * (dl * dl + da * da + db * db));
  }
  return out;
}

/**
 * [fh, fw] the mean kernel of BORDER_SAMPLES prototypes spread along the image border: the same
 * values, bit for bit, as averaging clickDensity over the prototypes (each kernel rounded to
 * float32, divided by the count, added in prototype order into a float32 sum), but pixel by
 * pixel, so no per-prototype map is allocated and the Lab planes are read once.
 */
export function borderDensity(grid: FineGrid, sigma: number): Float32Array {
  const { lab } = grid, n = grid.fw * grid.fh;
  const k = -1 / (2 * sigma * sigma);
  const pixels = borderPixels(grid.fw, grid.fh, BORDER_SAMPLES), count = pixels.length;
  const protos = new Float64Array(3 * count);
  pixels.forEach((at, b) => protos.set(localColour(grid, at), 3 * b));
  const mean = new Float32Array(n);
  const f32 = Math.fround;
  for (let j = 0; j < n; j++) {
    const l = lab[j], a = lab[n + j], bb = lab[2 * n + j];
    let acc = 0;
    for (let q = 0; q < 3 * count; q += 3) {
      const dl = l - protos[q], da = a - protos[q + 1], db = bb - protos[q + 2];
      acc = f32(acc + f32(Math.exp(k * (dl * dl + da * da + db * db))) / count);
    }
    mean[j] = acc;
  }
  return mean;
}

/** a = max(a, b), element-wise. */
function maxInto(a: Float32Array, b: Float32Array): void {
  for (let i = 0; i < a.length; i++) if (b[i] > a[i]) a[i] = b[i];
}

/**
 * [n] colour log-odds, clamped to ±5: the best-matching positive click's kernel against the
 * best-matching negative click's kernel or the border prototypes' mean kernel, whichever is
 * larger. Taking the maximum (not a mixture) makes a negative click whose colour equals a
 * positive click's cancel the colour evidence there, leaving the decision to geodesic distance.
 */
export function colourLogOdds(
  fg: Float32Array[],
  bg: Float32Array[],
  borderMean: Float32Array,
): Float32Array {
  const n = borderMean.length;
  const f = new Float32Array(n), b = borderMean.slice();
  for (const d of fg) maxInto(f, d);
  for (const d of bg) maxInto(b, d);
  for (let i = 0; i < n; i++) {
    const v = Math.log((f[i] + FLOOR) / (b[i] + FLOOR));
    f[i] = v > 5 ? 5 : v < -5 ? -5 : v;
  }
  return f;
}
