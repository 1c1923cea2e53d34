/**
 * A per-click colour model that complements the geodesic term: geodesic distance alone cannot
 * reach a same-coloured part of the object cut off by a strong edge, nor reject a region that is
 * reached cheaply but looks like the background. Each click contributes its local mean Lab
 * colour as a prototype; the image border contributes background prototypes (the same weak
 * prior as the decoder's border seed). Log-odds = log Σ_fg K − log Σ_bg K with a Gaussian
 * kernel K of width colourSigma (in units of the image's mean neighbour colour difference).
 */
import type { WeightFreeConfig } from "./config.ts";
import type { FineGrid } from "./decoder.ts";

/** Border background prototypes sampled along the image border. */
const BORDER_SAMPLES = 32;
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

/** Evenly spaced pixels along the border of the fine grid (clockwise from the top-left). */
function borderPixels(fw: number, fh: number, count: number): number[] {
  const ring: number[] = [];
  for (let x = 0; x < fw; x++) ring.push(x);
  for (let y = 1; y < fh; y++) ring.push(y * fw + fw - 1);
  for (let x = fw - 2; x >= 0 && fh > 1; x--) ring.push((fh - 1) * fw + x);
  for (let y = fh - 2; y >= 1 && fw > 1; y--) ring.push(y * fw);
  const out: number[] = [];
  for (let k = 0; k < count; k++) out.push(ring[Math.floor((k * ring.length) / count)]);
  return out;
}

/** [fh, fw] colour log-odds of foreground vs background, clamped to ±5. */
export function colourLogOdds(
  grid: FineGrid,
  pos: number[],
  neg: number[],
  cfg: WeightFreeConfig,
): Float32Array {
  const { fw, fh, lab } = grid, n = fw * fh;
  const fg = pos.map((i) => localColour(grid, i));
  const bg = [...neg, ...borderPixels(fw, fh, BORDER_SAMPLES)].map((i) => localColour(grid, i));
  const sigma = cfg.colourSigma * grid.costs.meanDiff;
  const k = -1 / (2 * sigma * sigma);
  const out = new Float32Array(n);
  const density = (protos: [number, number, number][], L: number, a: number, b: number) => {
    let s = 0;
    for (const p of protos) {
      const dl = L - p[0], da = a - p[1], db = b - p[2];
      s += Math.exp(k * (dl * dl + da * da + db * db));
    }
    return s / protos.length + FLOOR;
  };
  for (let i = 0; i < n; i++) {
    const L = lab[i], a = lab[n + i], b = lab[2 * n + i];
    const v = Math.log(density(fg, L, a, b)) - Math.log(density(bg, L, a, b));
    out[i] = Math.max(-5, Math.min(5, v));
  }
  return out;
}
