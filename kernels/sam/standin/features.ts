/**
 * The stand-in's semantic features: which MobileNetV2 activations are tapped, the fixed
 * projection that brings their 288 channels to P, and the per-click feature affinity the decoder
 * adds to the weight-free decoder's colour and geodesic terms.
 *
 * Why a seeded Gaussian projection (not a channel selection, not PCA): by Johnson–Lindenstrauss
 * it keeps distances between cells' feature vectors (what the affinity and a probe read) within
 * a small factor at P = 64, it mixes all three strides into every channel instead of dropping
 * whole ones, and it needs no data (a PCA fit on one dataset would tie the segmenter to it).
 * Each tap is L2-normalised over channels first (in the graph), so strides weigh the same.
 */
import { makeRng } from "../../../core/rng.ts";
import { resizeBilinear } from "../../masks/resize.ts";
import { EMBED_SIZE } from "../segmenter.ts";
import { BORDER_SAMPLES, borderPixels } from "../weightfree/colour.ts";
import type { FeatureTerm } from "../weightfree/grid.ts";
import type { Tap } from "./graph.ts";
import {
  type MeanKernelJob,
  newMeanKernelJob,
  runMeanKernel,
  sqDist,
  sqDist4,
} from "../weightfree/mean_kernel.ts";

/** Inverted-residual block outputs of the zoo's MobileNetV2 (mobilenetv2/README.md). */
export const TAPS: readonly Tap[] = [
  { tensor: "365", stride: 8, channels: 32 },
  { tensor: "426", stride: 16, channels: 96 },
  { tensor: "452", stride: 32, channels: 160 },
];

/**
 * Per tap the matrix [P, C_k] with N(0, 1/taps) entries: each tap's unit vector then adds
 * ≈ 1/taps variance to every output channel, so channels come out with ≈ unit variance.
 */
export function projectionMatrices(p: number, seed: number, taps: readonly Tap[] = TAPS): Float32Array[] {
  const rng = makeRng(seed), k = 1 / Math.sqrt(taps.length);
  return taps.map((t) => Float32Array.from({ length: p * t.channels }, () => rng.normal() * k));
}

/**
 * The backbone's [P, 64, 64] output with every cell outside the image's ew × eh extent, and any
 * non-finite value (an all-zero activation under LpNormalization), set to 0. The weight-free
 * channels after them carry a `valid` plane saying where the image is.
 */
export function maskToExtent(
  feat: Float32Array,
  p: number,
  ew: number,
  eh: number,
  /** [≥ P, 64, 64] zeros, written in its first P planes (an embedding's `data`: no copy) */
  out = new Float32Array(p * EMBED_SIZE * EMBED_SIZE),
): Float32Array {
  const G = EMBED_SIZE;
  for (let c = 0; c < p; c++) {
    for (let y = 0; y < eh; y++) {
      for (let x = 0; x < ew; x++) {
        const i = c * G * G + y * G + x, v = feat[i];
        out[i] = Number.isFinite(v) ? v : 0;
      }
    }
  }
  return out;
}

/**
 * The feature term's border map as a MeanKernelJob (weightfree/mean_kernel.ts) for an image of
 * ew × eh cells, to fill with fillFeatureJob: the rows are the extent's cells, cell-major
 * [n, P]; the prototypes the same 32 evenly spaced border cells as the colour model's. `shared`
 * puts the arrays on SharedArrayBuffers, so the embedding thread can take chunks of the rows.
 */
export function newFeatureJob(p: number, ew: number, eh: number, shared: boolean): MeanKernelJob {
  return newMeanKernelJob(ew * eh, borderPixels(ew, eh, BORDER_SAMPLES).length, p, shared);
}

/**
 * Fills a newFeatureJob from the [P, 64, 64] features: the cells, the prototypes, and
 * k = −1 / 2σ² with σ = sigmaRel × the image's RMS distance of cells to their mean feature, so
 * one setting fits busy and plain images alike.
 */
export function fillFeatureJob(
  job: MeanKernelJob,
  /** [P, 64, 64] */ feat: Float32Array,
  ew: number,
  eh: number,
  sigmaRel: number,
): void {
  const G = EMBED_SIZE, n = ew * eh, { p, rows: cells } = job;
  // the mean as the cells are copied: each channel's sum still in cell order
  const mean = new Float64Array(p);
  for (let c = 0; c < p; c++) {
    for (let y = 0; y < eh; y++) {
      for (let x = 0; x < ew; x++) {
        const v = feat[c * G * G + y * G + x];
        cells[(y * ew + x) * p + c] = v;
        mean[c] += v / n;
      }
    }
  }
  let ms = 0;
  for (let i = 0; i < n; i++) for (let c = 0; c < p; c++) ms += (cells[i * p + c] - mean[c]) ** 2 / n;
  const sigma = Math.max(sigmaRel * Math.sqrt(ms), 1e-6);
  job.k[0] = -1 / (2 * sigma * sigma);
  borderPixels(ew, eh, BORDER_SAMPLES).forEach((b, q) =>
    job.protos.set(cells.subarray(b * p, b * p + p), q * p)
  );
}

/**
 * The decoder's feature affinity (weightfree/grid.ts FeatureTerm) of a filled job whose border
 * map is computed: a click's density is the Gaussian kernel of its cell's feature vector against
 * every cell of the image extent, on the 64 grid (the features' own resolution: cheap),
 * bilinearly upsampled to the fine grid, as the border map is.
 */
export function featureTermOf(
  job: MeanKernelJob,
  { ew, eh }: { ew: number; eh: number },
  { fw, fh }: { fw: number; fh: number },
  weight: number,
  decay: number,
): FeatureTerm {
  const { rows: cells, p } = job, n = ew * eh, k = job.k[0];
  const d4 = new Float64Array(4);
  /** [n] the kernel of every cell against `cell`'s features, four cells at a time. */
  const coarse = (cell: number): Float32Array => {
    const out = new Float32Array(n), o = cell * p;
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      sqDist4(cells, o, cells, i * p, (i + 1) * p, (i + 2) * p, (i + 3) * p, p, d4);
      for (let j = 0; j < 4; j++) out[i + j] = Math.exp(k * d4[j]);
    }
    for (; i < n; i++) out[i] = Math.exp(k * sqDist(cells, i * p, cells, o, p));
    return out;
  };
  return {
    weight: (clicks) => weight / Math.pow(Math.max(clicks, 1), decay),
    border: resizeBilinear(job.out, ew, eh, fw, fh),
    density(at: number): Float32Array {
      // the fine pixel's cell on the extent
      const fx = at % fw, fy = (at - fx) / fw;
      const cx = Math.min(ew - 1, Math.floor(((fx + 0.5) * ew) / fw));
      const cy = Math.min(eh - 1, Math.floor(((fy + 0.5) * eh) / fh));
      return resizeBilinear(coarse(cy * ew + cx), ew, eh, fw, fh);
    },
  };
}

/** The feature term with its border map computed on this thread alone. */
export function featureTerm(
  /** [P, 64, 64] */ feat: Float32Array,
  p: number,
  ew: number,
  eh: number,
  fw: number,
  fh: number,
  weight: number,
  decay: number,
  sigmaRel: number,
): FeatureTerm {
  const job = newFeatureJob(p, ew, eh, false);
  fillFeatureJob(job, feat, ew, eh, sigmaRel);
  runMeanKernel(job);
  return featureTermOf(job, { ew, eh }, { fw, fh }, weight, decay);
}
