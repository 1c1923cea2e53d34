/**
 * allMetrics' shared pass (pass.ts), reused buffers and fast EDT/Gaussian paths against a
 * straightforward per-pixel reference of every metric, written from the definitions in
 * kernels/metrics/README.md, on a random 97×61 soft map with ignored pixels.
 */
import assert from "node:assert/strict";
import { allMetrics } from "../kernels/metrics/index.ts";
import { nearestForegroundSq } from "../kernels/masks/distance.ts";
import { makeRng } from "../core/rng.ts";

const near = (a: number, b: number, what: string) =>
  assert.ok(Math.abs(a - b) <= 1e-9, `${what}: expected ${b}, got ${a}`);

/** A blob GT, a noisy soft map (with exact 0s and 1s) and ~8% ignored pixels. */
function randomCase(seed: number, w: number, h: number) {
  const rng = makeRng(seed), n = w * h;
  const gt = new Uint8Array(n), pred = new Float32Array(n), ignore = new Uint8Array(n);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x, d = Math.hypot((x - 40) / 25, (y - 28) / 18);
      gt[i] = d < 1 ? 1 : 0;
      const v = Math.min(1, Math.max(0, 1.1 - 0.6 * d + 0.4 * (rng.next() - 0.5)));
      pred[i] = rng.next() < 0.05 ? 0 : v;
      ignore[i] = rng.next() < 0.08 ? 1 : 0;
    }
  }
  return { gt, pred, ignore };
}

const EPS = 2.220446049250313e-16;

/** Every metric by its definition, one pixel at a time over the kept (non-ignored) pixels. */
function reference(pred: Float32Array, gt: Uint8Array, ignore: Uint8Array, w: number, h: number) {
  const keep: number[] = [];
  for (let i = 0; i < gt.length; i++) if (!ignore[i]) keep.push(i);
  const n = keep.length, nFg = keep.filter((i) => gt[i]).length;
  const counts = (pos: (i: number) => boolean) => {
    let tp = 0, fp = 0, fn = 0, tn = 0;
    for (const i of keep) {
      if (gt[i]) pos(i) ? tp++ : fn++;
      else pos(i) ? fp++ : tn++;
    }
    return { tp, fp, fn, tn };
  };
  const half = counts((i) => pred[i] >= 0.5);
  const fOf = (c: { tp: number; fp: number }) => {
    if (c.tp === 0) return 0;
    const p = c.tp / (c.tp + c.fp), r = c.tp / nFg;
    return (1.3 * p * r) / (0.3 * p + r);
  };
  // E_φ from the enhanced alignment matrix, pixel by pixel (Fan et al. 2018).
  const eOf = (pos: (i: number) => boolean) => {
    const mp = keep.filter(pos).length / n, mg = nFg / n;
    let sum = 0;
    for (const i of keep) {
      const a = (pos(i) ? 1 : 0) - mp, b = gt[i] - mg;
      const align = (2 * a * b) / (a * a + b * b + EPS);
      sum += ((align + 1) ** 2) / 4;
    }
    return sum / (n - 1 + EPS);
  };
  const bin = (i: number) => Math.min(Math.floor(pred[i] * 255 + 1e-4), 255);
  const fCurve: number[] = [], eCurve: number[] = [];
  for (let t = 0; t < 256; t++) {
    fCurve.push(fOf(counts((i) => bin(i) >= t)));
    eCurve.push(eOf((i) => bin(i) >= t));
  }
  const thr = Math.min((2 * keep.reduce((s, i) => s + pred[i], 0)) / n, 1);
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  return {
    iou: half.tp / (half.tp + half.fp + half.fn),
    ber: 1 - 0.5 * (half.tp / (half.tp + half.fn) + half.tn / (half.tn + half.fp)),
    mae: keep.reduce((s, i) => s + Math.abs(pred[i] - gt[i]), 0) / n,
    fbeta: { adaptive: fOf(counts((i) => pred[i] >= thr)), mean: mean(fCurve), max: Math.max(...fCurve) },
    ephi: { adaptive: eOf((i) => pred[i] >= thr), mean: mean(eCurve), max: Math.max(...eCurve) },
    salpha: sAlpha(pred, gt, keep, w),
    fbeta_w: weightedF(pred, gt, ignore, w, h),
  };
}

/** S_α (Fan et al. 2017, α = 0.5) with two-pass means and deviations. */
function sAlpha(pred: Float32Array, gt: Uint8Array, keep: number[], w: number): number {
  const stats = (vals: number[]) => {
    const m = vals.reduce((s, v) => s + v, 0) / vals.length;
    const sd = Math.sqrt(vals.reduce((s, v) => s + (v - m) ** 2, 0) / Math.max(vals.length - 1, 1));
    return (2 * m) / (m * m + 1 + sd + EPS);
  };
  const fg = keep.filter((i) => gt[i]), bg = keep.filter((i) => !gt[i]);
  const u = fg.length / keep.length;
  const object = u * stats(fg.map((i) => pred[i])) + (1 - u) * stats(bg.map((i) => 1 - pred[i]));
  const roundEven = (
    v: number,
  ) => (v - Math.floor(v) === 0.5 && Math.floor(v) % 2 === 0 ? Math.floor(v) : Math.round(v));
  const cx = roundEven(fg.reduce((s, i) => s + (i % w), 0) / fg.length) + 1;
  const cy = roundEven(fg.reduce((s, i) => s + Math.floor(i / w), 0) / fg.length) + 1;
  let region = 0;
  for (const [top, left] of [[true, true], [true, false], [false, true], [false, false]]) {
    const q = keep.filter((i) => (i % w < cx) === left && (Math.floor(i / w) < cy) === top);
    if (q.length === 0) continue;
    const mp = q.reduce((s, i) => s + pred[i], 0) / q.length,
      mg = q.reduce((s, i) => s + gt[i], 0) / q.length;
    let sxx = 0, syy = 0, sxy = 0;
    for (const i of q) {
      (sxx += (pred[i] - mp) ** 2), (syy += (gt[i] - mg) ** 2), (sxy += (pred[i] - mp) * (gt[i] - mg));
    }
    const d = Math.max(q.length - 1, 1);
    const a = 4 * mp * mg * (sxy / d), b = (mp * mp + mg * mg) * ((sxx + syy) / d);
    region += (q.length / keep.length) * (a !== 0 ? a / (b + EPS) : b === 0 ? 1 : 0);
  }
  return Math.max(0, 0.5 * object + 0.5 * region);
}

/** Weighted F (Margolin et al. 2014) with a direct 7×7 Gaussian over the whole image. */
function weightedF(pred: Float32Array, gt: Uint8Array, ignore: Uint8Array, w: number, h: number): number {
  const g = gt.map((v, i) => (ignore[i] ? 0 : v));
  const { nearest } = nearestForegroundSq(g, w, h);
  const k1 = Array.from({ length: 7 }, (_, i) => Math.exp(-((i - 3) ** 2) / 50));
  const ks = k1.reduce((a, b) => a + b, 0);
  const et = Array.from(g, (_, i) => (ignore[i] ? 0 : 1 - pred[nearest[i]]));
  let nFg = 0, ewFg = 0, ewBg = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (ignore[i]) continue;
      if (g[i]) {
        let ea = 0;
        for (let dy = -3; dy <= 3; dy++) {
          for (let dx = -3; dx <= 3; dx++) {
            const yy = y + dy, xx = x + dx;
            if (yy >= 0 && yy < h && xx >= 0 && xx < w) {
              ea += (k1[dy + 3] * k1[dx + 3] * et[yy * w + xx]) / (ks * ks);
            }
          }
        }
        nFg++;
        ewFg += Math.min(ea, 1 - pred[i]);
      } else {
        const j = nearest[i], d = Math.hypot(x - (j % w), y - Math.floor(j / w));
        ewBg += pred[i] * (2 - Math.exp((Math.LN2 / -5) * d));
      }
    }
  }
  const r = 1 - ewFg / nFg, p = (nFg - ewFg) / (nFg - ewFg + ewBg + EPS);
  return (2 * r * p) / (r + p + EPS);
}

Deno.test("allMetrics equals a per-pixel reference on a random 97×61 soft map with ignore", () => {
  const w = 97, h = 61;
  const { gt, pred, ignore } = randomCase(4, w, h);
  const ref = reference(pred, gt, ignore, w, h);
  // Twice: the second call runs on the reused EDT/Gaussian buffers of the first.
  for (const m of [allMetrics(pred, gt, w, h, ignore), allMetrics(pred, gt, w, h, ignore)]) {
    for (const k of ["iou", "ber", "mae", "salpha", "fbeta_w"] as const) near(m[k], ref[k], k);
    for (const k of ["fbeta", "ephi"] as const) {
      for (const s of ["adaptive", "mean", "max"] as const) near(m[k][s], ref[k][s], `${k}.${s}`);
    }
  }
  // A differently sized image in between must not read stale buffers.
  const small = randomCase(5, 61, 41);
  allMetrics(small.pred, small.gt, 61, 41, small.ignore);
  near(allMetrics(pred, gt, w, h, ignore).fbeta_w, ref.fbeta_w, "fbeta_w after a resize");
});

Deno.test("nearestForegroundSq: squared distances equal brute force; nearest is at that distance", () => {
  const w = 97, h = 61, { gt, ignore } = randomCase(6, w, h);
  const mask = gt.map((v, i) => v | (ignore[i] && (i * 7) % 5 === 0 ? 1 : 0)); // scattered extra points
  const { sq, nearest } = nearestForegroundSq(mask, w, h);
  const on: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i]) on.push(i);
  for (let i = 0; i < mask.length; i++) {
    const x = i % w, y = Math.floor(i / w);
    let best = Infinity;
    for (const j of on) best = Math.min(best, (x - (j % w)) ** 2 + (y - Math.floor(j / w)) ** 2);
    assert.equal(sq[i], best, `sq at ${x},${y}`);
    const j = nearest[i];
    assert.ok(
      mask[j] === 1 && (x - (j % w)) ** 2 + (y - Math.floor(j / w)) ** 2 === best,
      `nearest at ${x},${y}`,
    );
  }
});
