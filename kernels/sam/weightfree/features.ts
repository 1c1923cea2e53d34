/**
 * The weight-free backend's "image encoder": the image as CIE Lab on a fine grid (what the
 * decoder segments) and a [C, 64, 64] feature map on SAM's embedding frame (what the RL state
 * E_I(x) ⊙ M multiplies, paper §3.2). Nothing here is learned.
 */
import { EMBED_SIZE } from "../segmenter.ts";
import type { RGBImage } from "../../../core/image.ts";
import { borderDistance, type EdgeCosts } from "./geodesic.ts";

/** Channels of the [C, 64, 64] embedding, in order (each scaled to roughly [−1, 1] or [0, 1]). */
export const CHANNELS = [
  "L", // (L − 50) / 50
  "a", // a / 50
  "b", // b / 50
  "L_std", // within-cell standard deviations / 20: texture
  "a_std",
  "b_std",
  "edge", // mean |ΔLab| between fine neighbours / (4 · image mean): edge energy
  "orient_cos", // structure-tensor orientation of L (cos 2θ, sin 2θ), weighted by coherence
  "orient_sin",
  "global_contrast", // |Lab − image mean Lab| / 50
  "border_contrast", // |Lab − mean Lab of the image border| / 50: colour unlike the background
  "centre_surround", // |Lab − mean Lab of the 5×5 cells around| / 25
  "border_geodesic", // geodesic distance from the image border / its max (background connectivity)
  "x", // cell centre, −1 (left) … 1 (right) of the image
  "y", // −1 (top) … 1 (bottom)
  "valid", // 1 inside the image, 0 on the bottom/right padding (SAM's frame is padded too)
] as const;

/** Fine-grid size for an image: long side `fineSize`, never larger than the image itself. */
export function fineGridSize(width: number, height: number, fineSize: number): { fw: number; fh: number } {
  const scale = Math.min(1, fineSize / Math.max(width, height));
  return { fw: Math.max(1, Math.round(width * scale)), fh: Math.max(1, Math.round(height * scale)) };
}

const SRGB_TO_LINEAR = new Float32Array(256).map((_, v) => {
  const c = v / 255;
  return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
});

/**
 * The image area-averaged to [3, fh, fw] in linear RGB (averaging light, not gamma-coded
 * values), then converted to CIE Lab (D65). Each fine pixel averages the source pixels whose
 * index maps to it, so every source pixel counts exactly once.
 */
export function labFineGrid(image: RGBImage, fw: number, fh: number): Float32Array /** [3, fh, fw] */ {
  const { width: W, height: H, data } = image;
  const n = fw * fh;
  const acc = new Float64Array(3 * n), cnt = new Float64Array(n);
  const xmap = new Int32Array(W);
  for (let x = 0; x < W; x++) xmap[x] = Math.min(fw - 1, Math.floor((x * fw) / W));
  for (let y = 0; y < H; y++) {
    const row = Math.min(fh - 1, Math.floor((y * fh) / H)) * fw;
    for (let x = 0, p = y * W * 3; x < W; x++, p += 3) {
      const i = row + xmap[x];
      acc[i] += SRGB_TO_LINEAR[data[p]];
      acc[n + i] += SRGB_TO_LINEAR[data[p + 1]];
      acc[2 * n + i] += SRGB_TO_LINEAR[data[p + 2]];
      cnt[i]++;
    }
  }
  const lab = new Float32Array(3 * n);
  const f = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
  for (let i = 0; i < n; i++) {
    const k = 1 / Math.max(cnt[i], 1);
    const r = acc[i] * k, g = acc[n + i] * k, b = acc[2 * n + i] * k;
    const fx = f((0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047);
    const fy = f(0.2126 * r + 0.7152 * g + 0.0722 * b);
    const fz = f((0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883);
    lab[i] = 116 * fy - 16;
    lab[n + i] = 500 * (fx - fy);
    lab[2 * n + i] = 200 * (fy - fz);
  }
  return lab;
}

/** The image's extent in cells on the 64 grid of SAM's padded frame (its long side spans 64). */
export function embedExtent(width: number, height: number): { ew: number; eh: number } {
  const G = EMBED_SIZE, scale = G / Math.max(width, height);
  return {
    ew: Math.max(1, Math.min(G, Math.round(width * scale))),
    eh: Math.max(1, Math.min(G, Math.round(height * scale))),
  };
}

/**
 * The [C, 64, 64] embedding on SAM's frame: the image resized so its long side spans 64 cells,
 * top-left aligned, bottom/right padding all zeros (as SAM pads before its encoder).
 */
export function embeddingFeatures(
  /** [3, fh, fw] */ lab: Float32Array,
  fw: number,
  fh: number,
  width: number,
  height: number,
  costs: EdgeCosts,
  sweeps: number,
): { data: Float32Array /** [C, 64, 64] */; borderDist: Float32Array /** [fh, fw] */ } {
  const G = EMBED_SIZE, C = CHANNELS.length, n = fw * fh;
  const { ew, eh } = embedExtent(width, height);
  const borderDist = borderDistance(costs, sweeps);
  let maxB = 1e-6;
  for (let i = 0; i < n; i++) maxB = Math.max(maxB, borderDist[i]);

  const mean = [0, 0, 0], border = [0, 0, 0];
  let nb = 0;
  for (let i = 0; i < n; i++) {
    const x = i % fw, y = (i - x) / fw;
    const onBorder = x === 0 || y === 0 || x === fw - 1 || y === fh - 1;
    for (let c = 0; c < 3; c++) {
      mean[c] += lab[c * n + i] / n;
      if (onBorder) border[c] += lab[c * n + i];
    }
    if (onBorder) nb++;
  }
  for (let c = 0; c < 3; c++) border[c] /= Math.max(nb, 1);

  const data = new Float32Array(C * G * G);
  const cellLab = new Float32Array(3 * G * G);
  const set = (ch: number, cell: number, v: number) => (data[ch * G * G + cell] = v);
  for (let cy = 0; cy < eh; cy++) {
    const y0 = Math.floor((cy * fh) / eh), y1 = Math.max(y0 + 1, Math.floor(((cy + 1) * fh) / eh));
    for (let cx = 0; cx < ew; cx++) {
      const x0 = Math.floor((cx * fw) / ew), x1 = Math.max(x0 + 1, Math.floor(((cx + 1) * fw) / ew));
      const s1 = [0, 0, 0], s2 = [0, 0, 0];
      let edge = 0, jxx = 0, jyy = 0, jxy = 0, bd = 0, m = 0;
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) {
          const i = y * fw + x;
          for (let c = 0; c < 3; c++) (s1[c] += lab[c * n + i]), (s2[c] += lab[c * n + i] ** 2);
          const gx = x + 1 < fw ? lab[i + 1] - lab[i] : 0, gy = y + 1 < fh ? lab[i + fw] - lab[i] : 0;
          edge += (costs.e[i] + costs.s[i]) / 2;
          jxx += gx * gx;
          jyy += gy * gy;
          jxy += gx * gy;
          bd += borderDist[i];
          m++;
        }
      }
      const cell = cy * G + cx;
      const mu = s1.map((v) => v / m);
      for (let c = 0; c < 3; c++) cellLab[c * G * G + cell] = mu[c];
      set(0, cell, (mu[0] - 50) / 50);
      set(1, cell, mu[1] / 50);
      set(2, cell, mu[2] / 50);
      for (let c = 0; c < 3; c++) set(3 + c, cell, Math.sqrt(Math.max(0, s2[c] / m - mu[c] ** 2)) / 20);
      set(6, cell, edge / m / 4);
      const tr = jxx + jyy + 1e-3;
      set(7, cell, (jxx - jyy) / tr);
      set(8, cell, (2 * jxy) / tr);
      set(9, cell, Math.hypot(mu[0] - mean[0], mu[1] - mean[1], mu[2] - mean[2]) / 50);
      set(10, cell, Math.hypot(mu[0] - border[0], mu[1] - border[1], mu[2] - border[2]) / 50);
      set(12, cell, bd / m / maxB);
      set(13, cell, ew > 1 ? (2 * (cx + 0.5)) / ew - 1 : 0);
      set(14, cell, eh > 1 ? (2 * (cy + 0.5)) / eh - 1 : 0);
      set(15, cell, 1);
    }
  }
  // Centre-surround needs every cell's mean first.
  for (let cy = 0; cy < eh; cy++) {
    for (let cx = 0; cx < ew; cx++) {
      const s = [0, 0, 0];
      let m = 0;
      for (let y = Math.max(0, cy - 2); y <= Math.min(eh - 1, cy + 2); y++) {
        for (let x = Math.max(0, cx - 2); x <= Math.min(ew - 1, cx + 2); x++) {
          for (let c = 0; c < 3; c++) s[c] += cellLab[c * G * G + y * G + x];
          m++;
        }
      }
      const cell = cy * G + cx;
      const d = [0, 1, 2].map((c) => cellLab[c * G * G + cell] - s[c] / m);
      set(11, cell, Math.hypot(d[0], d[1], d[2]) / 25);
    }
  }
  return { data, borderDist };
}
