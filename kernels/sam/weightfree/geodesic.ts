/**
 * Colour-edge geodesic distances on the fine grid: the decoder's core. A pixel belongs to the
 * seed set it can reach most cheaply, where crossing a colour edge costs more than moving inside
 * a uniform region (Criminisi et al., "GeoS", ECCV 2008; Bai & Sapiro, "Geodesic Matting", 2009).
 * Distances come from raster-scan sweeps over the 8-neighbourhood (fast, deterministic, no queue).
 */

/** Step costs between 8-neighbours, one array per direction, indexed by the first pixel. */
export interface EdgeCosts {
  width: number;
  height: number;
  /** [h, w] cost i → i+1 (east) */
  e: Float32Array;
  /** [h, w] cost i → i+w (south) */
  s: Float32Array;
  /** [h, w] cost i → i+w+1 (south-east) */
  se: Float32Array;
  /** [h, w] cost i → i+w−1 (south-west) */
  sw: Float32Array;
  /** the image's mean |ΔLab| between 4-neighbours (the unit the costs are normalised by) */
  meanDiff: number;
}

/**
 * Step cost = length · (eps + (|ΔLab| / mean |ΔLab|)^power). Dividing by the image's mean
 * neighbour difference makes one set of parameters work on low- and high-contrast images alike.
 */
export function edgeCosts(
  /** [3, h, w] planar Lab */ lab: Float32Array,
  w: number,
  h: number,
  eps: number,
  power: number,
): EdgeCosts {
  const n = w * h;
  const e = new Float32Array(n), s = new Float32Array(n), se = new Float32Array(n), sw = new Float32Array(n);
  const diff = (i: number, j: number) => {
    const dl = lab[i] - lab[j], da = lab[n + i] - lab[n + j], db = lab[2 * n + i] - lab[2 * n + j];
    return Math.sqrt(dl * dl + da * da + db * db);
  };
  let sum = 0, count = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (x + 1 < w) (e[i] = diff(i, i + 1)), (sum += e[i]), count++;
      if (y + 1 < h) {
        s[i] = diff(i, i + w);
        sum += s[i];
        count++;
        if (x + 1 < w) se[i] = diff(i, i + w + 1);
        if (x > 0) sw[i] = diff(i, i + w - 1);
      }
    }
  }
  const meanDiff = Math.max(sum / Math.max(count, 1), 1e-3);
  const inv = 1 / meanDiff;
  const f = (d: number, len: number) => len * (eps + (power === 1 ? d * inv : Math.pow(d * inv, power)));
  for (let i = 0; i < n; i++) {
    e[i] = f(e[i], 1);
    s[i] = f(s[i], 1);
    se[i] = f(se[i], Math.SQRT2);
    sw[i] = f(sw[i], Math.SQRT2);
  }
  return { width: w, height: h, e, s, se, sw, meanDiff };
}

/**
 * Geodesic distance from seeds, in place: `dist` holds each seed's starting value (0, or an
 * offset for weak seeds) and Infinity elsewhere. Each sweep is one forward (top-left → bottom-
 * right) and one backward raster pass; 2–3 sweeps reach the exact value for all but spiral paths.
 */
export function geodesicDistance(costs: EdgeCosts, /** [h, w] */ dist: Float32Array, sweeps: number): void {
  const { width: w, height: h, e, s, se, sw } = costs;
  for (let it = 0; it < sweeps; it++) {
    for (let y = 0; y < h; y++) {
      const row = y * w;
      for (let x = 0; x < w; x++) {
        const i = row + x;
        let d = dist[i];
        if (x > 0) d = Math.min(d, dist[i - 1] + e[i - 1]);
        if (y > 0) {
          const u = i - w;
          d = Math.min(d, dist[u] + s[u]);
          if (x > 0) d = Math.min(d, dist[u - 1] + se[u - 1]);
          if (x + 1 < w) d = Math.min(d, dist[u + 1] + sw[u + 1]);
        }
        dist[i] = d;
      }
    }
    for (let y = h - 1; y >= 0; y--) {
      const row = y * w;
      for (let x = w - 1; x >= 0; x--) {
        const i = row + x;
        let d = dist[i];
        if (x + 1 < w) d = Math.min(d, dist[i + 1] + e[i]);
        if (y + 1 < h) {
          const b = i + w;
          d = Math.min(d, dist[b] + s[i]);
          if (x + 1 < w) d = Math.min(d, dist[b + 1] + se[i]);
          if (x > 0) d = Math.min(d, dist[b - 1] + sw[i]);
        }
        dist[i] = d;
      }
    }
  }
}

/** Distances with every image-border pixel as a seed at 0 (the background-connectivity prior). */
export function borderDistance(costs: EdgeCosts, sweeps: number): Float32Array /** [h, w] */ {
  const { width: w, height: h } = costs;
  const dist = new Float32Array(w * h).fill(Infinity);
  for (let x = 0; x < w; x++) dist[x] = dist[(h - 1) * w + x] = 0;
  for (let y = 0; y < h; y++) dist[y * w] = dist[y * w + w - 1] = 0;
  geodesicDistance(costs, dist, sweeps);
  return dist;
}
