/**
 * The demo tasks' images (issue 16): three kinds of binary segmentation problem, each image made
 * from one seed in a few milliseconds, so that a fresh machine runs the whole method with no
 * download and no licence question. They stand in for the paper's task kinds, not its datasets:
 * - `blobs`: one salient blob with a wobbly outline on a textured background (saliency-like);
 * - `regions`: one large, darker, low-contrast region with a soft edge (shadow / defocus-like);
 * - `objects`: several disjoint warm-coloured discs among cool-coloured squares; only the discs
 *   are foreground, so a point's label depends on what it lands on (VOC-like).
 * Pure functions over typed arrays; the same seed gives the same pixels on every machine.
 *
 * @example
 * const { image, mask } = demoSample("blobs", demoSeed("blobs", "train", 0));
 */
import type { BinaryMask, RGBImage } from "../../core/image.ts";
import { makeRng, type Rng } from "../../core/rng.ts";
import { fbm } from "./noise.ts";

export type DemoKind = "blobs" | "regions" | "objects";
export const DEMO_KINDS: readonly DemoKind[] = ["blobs", "regions", "objects"];
export const DEMO_WIDTH = 320;
export const DEMO_HEIGHT = 240;

/** The task id of a kind (data/tasks.ts registers one task per kind). */
export const demoTaskId = (kind: DemoKind): string => `demo-${kind}`;

export interface DemoSample {
  image: RGBImage;
  mask: BinaryMask;
}

type Rgb = [number, number, number];

/** hue, saturation, value in [0, 1] → 0..255 RGB. */
function hsv(h: number, s: number, v: number): Rgb {
  const f = (n: number) => {
    const k = (n + h * 6) % 6;
    return 255 * (v - v * s * Math.max(0, Math.min(k, 4 - k, 1)));
  };
  return [f(5), f(3), f(1)];
}

/** The seed of one demo image: FNV-1a of `kind/split/index`. */
export function demoSeed(kind: DemoKind, split: string, index: number): number {
  let h = 0x811c9dc5;
  for (const ch of `${kind}/${split}/${index}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}

/** Two muted colours mixed by fractal noise, plus fine grain. data: [h, w, 3], 0..255 floats */
function texture(rng: Rng, w: number, h: number, grain: number): Float32Array {
  const c1 = hsv(rng.next(), 0.15 + 0.35 * rng.next(), 0.35 + 0.45 * rng.next());
  const c2 = hsv(rng.next(), 0.15 + 0.35 * rng.next(), 0.35 + 0.45 * rng.next());
  const t = fbm(rng, w, h, 48, 4);
  const g = fbm(rng, w, h, 3, 2);
  const out = new Float32Array(w * h * 3);
  for (let i = 0; i < w * h; i++) {
    const n = grain * (g[i] - 0.5);
    for (let c = 0; c < 3; c++) out[3 * i + c] = c1[c] + (c2[c] - c1[c]) * t[i] + n;
  }
  return out;
}

/** Blend `colour` into `rgb` at pixel i with coverage `alpha`. */
function paint(rgb: Float32Array, i: number, colour: Rgb, alpha: number): void {
  for (let c = 0; c < 3; c++) rgb[3 * i + c] += (colour[c] - rgb[3 * i + c]) * alpha;
}

const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);

function blobs(rng: Rng, w: number, h: number, rgb: Float32Array, mask: Uint8Array): void {
  const r0 = (0.14 + 0.1 * rng.next()) * Math.min(w, h);
  const cx = 1.3 * r0 + rng.next() * (w - 2.6 * r0);
  const cy = 1.3 * r0 + rng.next() * (h - 2.6 * r0);
  const waves = [2, 3, 5].map((k) => ({ k, a: 0.05 + 0.1 * rng.next(), p: 2 * Math.PI * rng.next() }));
  const colour = hsv(rng.next(), 0.65 + 0.35 * rng.next(), 0.7 + 0.3 * rng.next());
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const dx = x - cx, dy = y - cy;
      const d = Math.hypot(dx, dy);
      if (d > 1.5 * r0) continue;
      const th = Math.atan2(dy, dx);
      const R = r0 * (1 + waves.reduce((s, v) => s + v.a * Math.cos(v.k * th + v.p), 0));
      const alpha = clamp01(R - d + 0.5); // one pixel of anti-aliasing
      if (alpha === 0) continue;
      const shade = 0.8 + 0.2 * clamp01(1 - d / R); // a little shading: not a flat cut-out
      const i = y * w + x;
      paint(rgb, i, [colour[0] * shade, colour[1] * shade, colour[2] * shade], alpha);
      if (d < R) mask[i] = 1;
    }
  }
}

function regions(rng: Rng, w: number, h: number, rgb: Float32Array, mask: Uint8Array): void {
  const a = (0.3 + 0.2 * rng.next()) * w;
  const b = (0.3 + 0.2 * rng.next()) * h;
  const cx = w * (0.3 + 0.4 * rng.next());
  const cy = h * (0.3 + 0.4 * rng.next());
  const warp = fbm(rng, w, h, 64, 2);
  const keep = 0.68 + 0.12 * rng.next(); // the region keeps 68–80% of the light: low contrast
  const edge = 2 + 3 * rng.next(); // sigmoid scale: the edge blends over ~4 × 2–5 px
  const tint = hsv(rng.next(), 0.3, 0.5);
  const r = Math.min(a, b);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const q = Math.hypot((x - cx) / a, (y - cy) / b) + 0.6 * (warp[i] - 0.5);
      const s = (1 - q) * r; // ≈ signed distance to the outline in px, positive inside
      const alpha = 1 / (1 + Math.exp(-s / edge));
      for (let c = 0; c < 3; c++) {
        const v = rgb[3 * i + c];
        rgb[3 * i + c] = v + (v * keep * 0.85 + tint[c] * 0.15 * keep - v) * alpha;
      }
      if (s > 0) mask[i] = 1;
    }
  }
}

interface Shape {
  x: number;
  y: number;
  r: number;
  target: boolean;
}

/** Up to `n` shapes whose discs of radius r + 8 px do not overlap (rejection sampling). */
function placeShapes(rng: Rng, w: number, h: number, targets: number, others: number): Shape[] {
  const out: Shape[] = [];
  const want = [...Array(targets).fill(true), ...Array(others).fill(false)] as boolean[];
  for (const target of want) {
    for (let tries = 0; tries < 200; tries++) {
      const r = 12 + rng.int(16);
      const x = r + 4 + rng.next() * (w - 2 * r - 8);
      const y = r + 4 + rng.next() * (h - 2 * r - 8);
      if (out.every((s) => Math.hypot(s.x - x, s.y - y) > s.r * 1.42 + r * 1.42 + 8)) {
        out.push({ x, y, r, target });
        break;
      }
    }
  }
  return out;
}

function objects(rng: Rng, w: number, h: number, rgb: Float32Array, mask: Uint8Array): void {
  const shapes = placeShapes(rng, w, h, 2 + rng.int(3), 1 + rng.int(3));
  for (const s of shapes) {
    // targets: warm discs (red–orange); distractors: cool squares (cyan–blue)
    const colour = s.target
      ? hsv(0.1 * rng.next(), 0.7 + 0.3 * rng.next(), 0.7 + 0.3 * rng.next())
      : hsv(0.5 + 0.17 * rng.next(), 0.6 + 0.4 * rng.next(), 0.6 + 0.4 * rng.next());
    const half = s.r * 0.9;
    for (let y = Math.floor(s.y - s.r - 1); y <= s.y + s.r + 1; y++) {
      for (let x = Math.floor(s.x - s.r - 1); x <= s.x + s.r + 1; x++) {
        if (x < 0 || y < 0 || x >= w || y >= h) continue;
        const dx = x - s.x, dy = y - s.y;
        const inside = s.target ? s.r - Math.hypot(dx, dy) : half - Math.max(Math.abs(dx), Math.abs(dy));
        const alpha = clamp01(inside + 0.5);
        if (alpha === 0) continue;
        const i = y * w + x;
        paint(rgb, i, colour, alpha);
        if (s.target && inside > 0) mask[i] = 1;
      }
    }
  }
}

const DRAW: Record<DemoKind, { grain: number; draw: typeof blobs }> = {
  blobs: { grain: 12, draw: blobs },
  regions: { grain: 10, draw: regions },
  objects: { grain: 8, draw: objects },
};

/** One demo image and its mask (1 = foreground). image: [h, w, 3], mask: [h, w] */
export function demoSample(kind: DemoKind, seed: number, w = DEMO_WIDTH, h = DEMO_HEIGHT): DemoSample {
  const rng = makeRng(seed);
  const { grain, draw } = DRAW[kind];
  const rgb = texture(rng, w, h, grain);
  const mask = new Uint8Array(w * h);
  draw(rng, w, h, rgb, mask);
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < data.length; i++) data[i] = Math.max(0, Math.min(255, Math.round(rgb[i])));
  return { image: { width: w, height: h, data }, mask: { width: w, height: h, data: mask } };
}
