/**
 * The embedding kernels as they were before the issue-15 speed work (commit 1fd1a79), kept
 * verbatim in their straightforward form: tests/embed_speed_test.ts checks that the optimised
 * kernels give the same embedding, bit for bit.
 */
import { EMBED_SIZE } from "../kernels/sam/segmenter.ts";
import type { FineGrid } from "../kernels/sam/weightfree/grid.ts";
import { BORDER_SAMPLES, borderPixels, clickDensity } from "../kernels/sam/weightfree/colour.ts";

/** weightfree/colour.ts borderDensity: one clickDensity map per prototype, averaged. */
export function borderDensityRef(grid: FineGrid, sigma: number): Float32Array {
  const mean = new Float32Array(grid.fw * grid.fh);
  const protos = borderPixels(grid.fw, grid.fh, BORDER_SAMPLES);
  for (const i of protos) {
    const d = clickDensity(grid, i, sigma);
    for (let j = 0; j < mean.length; j++) mean[j] += d[j] / protos.length;
  }
  return mean;
}

/**
 * standin/features.ts featureTerm's border map and click kernel, read straight off the [P, 64, 64]
 * features: per prototype a full map of Gaussian kernels, averaged map by map.
 */
export function featureTermRef(
  feat: Float32Array,
  p: number,
  ew: number,
  eh: number,
  sigmaRel: number,
): { border: Float32Array /** [eh, ew] */; kernel(cell: number): Float32Array /** [eh, ew] */ } {
  const G = EMBED_SIZE, n = ew * eh;
  const v = (cell: number, c: number) => feat[c * G * G + Math.floor(cell / ew) * G + (cell % ew)];
  const mean = new Float64Array(p);
  for (let c = 0; c < p; c++) for (let i = 0; i < n; i++) mean[c] += v(i, c) / n;
  let ms = 0;
  for (let i = 0; i < n; i++) for (let c = 0; c < p; c++) ms += (v(i, c) - mean[c]) ** 2 / n;
  const sigma = Math.max(sigmaRel * Math.sqrt(ms), 1e-6);
  const k = -1 / (2 * sigma * sigma);
  const kernel = (cell: number) =>
    Float32Array.from({ length: n }, (_, i) => {
      let d = 0;
      for (let c = 0; c < p; c++) {
        const t = v(i, c) - v(cell, c);
        d += t * t;
      }
      return Math.exp(k * d);
    });
  const border = new Float32Array(n);
  const protos = borderPixels(ew, eh, BORDER_SAMPLES);
  for (const b of protos) {
    const d = kernel(b);
    for (let i = 0; i < n; i++) border[i] += d[i] / protos.length;
  }
  return { border, kernel };
}
