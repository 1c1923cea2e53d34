/**
 * Smooth seeded noise for the demo images (data/demo/generate.ts): value noise on a lattice,
 * blended with smoothstep, and its fractal sum. Pure functions; every value comes from `rng`.
 *
 * @example
 * const tex = fbm(makeRng(1), 320, 240, 32, 3); // Float32Array [240, 320] in [0, 1]
 */
import type { Rng } from "../../core/rng.ts";

const smooth = (t: number) => t * t * (3 - 2 * t);

/** Value noise in [0, 1] with features about `cell` px wide. data: [h, w] */
export function valueNoise(rng: Rng, w: number, h: number, cell: number): Float32Array {
  const gw = Math.ceil(w / cell) + 2;
  const gh = Math.ceil(h / cell) + 2;
  const g = new Float32Array(gw * gh);
  for (let i = 0; i < g.length; i++) g[i] = rng.next();
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const fy = y / cell;
    const y0 = Math.floor(fy);
    const ty = smooth(fy - y0);
    for (let x = 0; x < w; x++) {
      const fx = x / cell;
      const x0 = Math.floor(fx);
      const tx = smooth(fx - x0);
      const a = g[y0 * gw + x0], b = g[y0 * gw + x0 + 1];
      const c = g[(y0 + 1) * gw + x0], d = g[(y0 + 1) * gw + x0 + 1];
      out[y * w + x] = (a + (b - a) * tx) * (1 - ty) + (c + (d - c) * tx) * ty;
    }
  }
  return out;
}

/** Sum of `octaves` value noises, each half the cell and half the weight, rescaled to [0, 1]. data: [h, w] */
export function fbm(rng: Rng, w: number, h: number, cell: number, octaves: number): Float32Array {
  const out = new Float32Array(w * h);
  let amp = 1;
  for (let o = 0; o < octaves; o++) {
    const n = valueNoise(rng, w, h, Math.max(1, cell / 2 ** o));
    for (let i = 0; i < out.length; i++) out[i] += amp * n[i];
    amp /= 2;
  }
  let lo = Infinity, hi = -Infinity;
  for (const v of out) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const span = hi - lo || 1;
  for (let i = 0; i < out.length; i++) out[i] = (out[i] - lo) / span;
  return out;
}
