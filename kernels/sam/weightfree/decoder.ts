/**
 * The weight-free "prompt decoder": clicks → a logit field on the fine grid → SAM-shaped outputs.
 *
 * Each pixel compares its geodesic distance to the positive clicks (d_fg) with its distance to
 * the background, d_bg = min(distance to the negative clicks, distance to the image border +
 * borderOffset · fineSize). The border is a weak implicit background seed, so one positive click
 * with no negatives still yields a bounded object (the background-connectivity prior of
 * Wei et al., "Geodesic saliency", ECCV 2012); a negative click or a positive one near the
 * border overrides it. Logits = (d_bg − d_fg) / (logitScale · fineSize) [+ colour log-odds].
 */
import type { Point } from "../../../core/image.ts";
import { type DecodeResult, LOW_RES } from "../segmenter.ts";
import { resizeBilinear } from "../../masks/resize.ts";
import type { WeightFreeConfig } from "./config.ts";
import { geodesicDistance } from "./geodesic.ts";
import { clickDensity, colourLogOdds } from "./colour.ts";
import { type FineGrid, fineIndex, SEED_CACHE_LIMIT, type SeedMaps } from "./grid.ts";

/** Logit written where there is no image (the padding of the 256 frame) or no positive click. */
export const BACKGROUND_LOGIT = -20;
const CLAMP = 20;

/** The maps of the click at fine pixel `at`, from the grid's cache or computed now. */
function seedMaps(grid: FineGrid, at: number, cfg: WeightFreeConfig): SeedMaps {
  let maps = grid.seeds.get(at);
  if (maps) return maps;
  const dist = new Float32Array(grid.fw * grid.fh).fill(Infinity);
  dist[at] = 0;
  geodesicDistance(grid.costs, dist, cfg.sweeps);
  const density = cfg.colourWeight > 0 ? clickDensity(grid, at, colourSigma(grid, cfg)) : undefined;
  maps = { dist, density, feature: grid.feature?.density(at) };
  if (grid.seeds.size >= SEED_CACHE_LIMIT) grid.seeds.clear();
  grid.seeds.set(at, maps);
  return maps;
}

/** The colour kernel's width in Lab units: colourSigma mean neighbour differences. */
export const colourSigma = (grid: FineGrid, cfg: WeightFreeConfig) => cfg.colourSigma * grid.costs.meanDiff;

/** a = min(a, b), element-wise. */
export function minInto(a: Float32Array, b: Float32Array): void {
  for (let i = 0; i < a.length; i++) if (b[i] < a[i]) a[i] = b[i];
}

/** The logit field [fh, fw] (> 0 = foreground) for a set of clicks. */
export function decodeField(grid: FineGrid, points: Point[], cfg: WeightFreeConfig): Float32Array {
  const n = grid.fw * grid.fh;
  const field = new Float32Array(n);
  // A pixel clicked twice keeps its latest label.
  const labels = new Map<number, 0 | 1>();
  for (const p of points) labels.set(fineIndex(grid, p), p.label);
  const pos = [...labels].filter(([, l]) => l === 1).map(([i]) => seedMaps(grid, i, cfg));
  const neg = [...labels].filter(([, l]) => l === 0).map(([i]) => seedMaps(grid, i, cfg));
  if (pos.length === 0) return field.fill(BACKGROUND_LOGIT);

  const fine = Math.max(grid.fw, grid.fh);
  const offset = cfg.borderOffset * fine;
  const inv = 1 / (cfg.logitScale * fine);
  // Map-by-map element-wise min/max (tight loops over typed arrays), then one pass per pixel.
  const dFg = pos[0].dist.slice();
  for (const m of pos.slice(1)) minInto(dFg, m.dist);
  const dBg = new Float32Array(n);
  for (let i = 0; i < n; i++) dBg[i] = grid.borderDist[i] + offset;
  for (const m of neg) minInto(dBg, m.dist);
  for (let i = 0; i < n; i++) field[i] = (dBg[i] - dFg[i]) * inv;
  if (cfg.colourWeight > 0) {
    const odds = colourLogOdds(pos.map((m) => m.density!), neg.map((m) => m.density!), grid.borderColour!);
    for (let i = 0; i < n; i++) field[i] += cfg.colourWeight * odds[i];
  }
  if (grid.feature) {
    const w = grid.feature.weight(labels.size);
    const odds = colourLogOdds(pos.map((m) => m.feature!), neg.map((m) => m.feature!), grid.feature.border);
    for (let i = 0; i < n; i++) field[i] += w * odds[i];
  }
  for (let i = 0; i < n; i++) field[i] = field[i] > CLAMP ? CLAMP : field[i] < -CLAMP ? -CLAMP : field[i];
  // Clicks are hard constraints: each clicked pixel takes its label's sign.
  for (const [i, l] of labels) field[i] = l ? Math.max(field[i], 1) : Math.min(field[i], -1);
  return field;
}

/**
 * The field as SAM's low_res_masks [256, 256]: the image resized (bilinear, align_corners =
 * false) so its long side is 256, placed top-left, the bottom/right padding = BACKGROUND_LOGIT.
 */
export function fieldToLowRes(grid: FineGrid, field: Float32Array): Float32Array /** [256, 256] */ {
  const s = LOW_RES / Math.max(grid.width, grid.height);
  const lw = Math.max(1, Math.min(LOW_RES, Math.round(grid.width * s)));
  const lh = Math.max(1, Math.min(LOW_RES, Math.round(grid.height * s)));
  const inner = resizeBilinear(field, grid.fw, grid.fh, lw, lh);
  const out = new Float32Array(LOW_RES * LOW_RES).fill(BACKGROUND_LOGIT);
  for (let y = 0; y < lh; y++) out.set(inner.subarray(y * lw, (y + 1) * lw), y * LOW_RES);
  return out;
}

/**
 * The field bilinearly upsampled (align_corners = false) to the original size, thresholded at
 * 0. Separable: resize.ts widens the fine rows to [fh, W]; the vertical pass (same pixel-centre
 * taps) is fused with the threshold so no [H, W] float array is built (glass images are 1.3 MP).
 */
export function fieldToMask(grid: FineGrid, field: Float32Array): Uint8Array /** [H, W] */ {
  const { width: W, height: H, fh } = grid;
  const rows = resizeBilinear(field, grid.fw, fh, W, fh);
  const mask = new Uint8Array(W * H);
  const scale = fh / H;
  for (let y = 0; y < H; y++) {
    const c = Math.max((y + 0.5) * scale - 0.5, 0);
    const lo = Math.min(Math.floor(c), fh - 1), hi = Math.min(lo + 1, fh - 1), wy = c - lo;
    const a = lo * W, b = hi * W, o = y * W;
    for (let x = 0; x < W; x++) {
      const v = rows[a + x] + (rows[b + x] - rows[a + x]) * wy;
      mask[o + x] = v > 0 ? 1 : 0;
    }
  }
  return mask;
}

/**
 * Confidence in [0, 1): the mean of |logit| / (|logit| + 2) over the fine grid (a field that is
 * sure of every pixel scores near 1; one hovering at the threshold scores near 0; a sigmoid-like
 * squashing without exp). Not SAM's IoU prediction.
 */
export function fieldScore(field: Float32Array): number {
  let s = 0;
  for (let i = 0; i < field.length; i++) {
    const a = field[i] < 0 ? -field[i] : field[i];
    s += a / (a + 2);
  }
  return field.length ? s / field.length : 0;
}

/** One decode on a grid, as the Segmenter interface returns it. */
export function decodeOnGrid(grid: FineGrid, points: Point[], cfg: WeightFreeConfig): DecodeResult {
  const field = decodeField(grid, points, cfg);
  return { mask: fieldToMask(grid, field), lowRes: fieldToLowRes(grid, field), score: fieldScore(field) };
}
