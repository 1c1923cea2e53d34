/**
 * Image-grid resampling for masks and probability maps. All arrays are row-major [H, W].
 * Coordinates follow the pixel-centre convention (align_corners = false): destination pixel
 * d maps to source coordinate (d + 0.5)·(s/d_size) − 0.5, as torch `F.interpolate(...,
 * mode="bilinear", align_corners=False)` does in SAM's `postprocess_masks`.
 */

/**
 * Bilinear resize, align_corners = false, no antialiasing (torch's default), edges clamped.
 * @example
 * resizeBilinear(new Float32Array([0, 1]), 2, 1, 4, 1); // [0, 0.25, 0.75, 1]
 */
export function resizeBilinear(
  /** [sh, sw] */ src: Float32Array,
  sw: number,
  sh: number,
  dw: number,
  dh: number,
): Float32Array /** [dh, dw] */ {
  checkSize(src.length, sw, sh, "resizeBilinear");
  const x0 = new Int32Array(dw), x1 = new Int32Array(dw), fx = new Float32Array(dw);
  axisTaps(sw, dw, x0, x1, fx);
  const y0 = new Int32Array(dh), y1 = new Int32Array(dh), fy = new Float32Array(dh);
  axisTaps(sh, dh, y0, y1, fy);
  const out = new Float32Array(dw * dh);
  for (let y = 0; y < dh; y++) {
    const r0 = y0[y] * sw, r1 = y1[y] * sw, wy = fy[y];
    for (let x = 0; x < dw; x++) {
      const a = src[r0 + x0[x]], b = src[r0 + x1[x]];
      const c = src[r1 + x0[x]], d = src[r1 + x1[x]];
      const top = a + (b - a) * fx[x];
      const bot = c + (d - c) * fx[x];
      out[y * dw + x] = top + (bot - top) * wy;
    }
  }
  return out;
}

/**
 * The source indices that bilinear resizing from s to d samples along one axis, ascending.
 * Lets a caller transform only the values that will be read (e.g. a sigmoid before a 4×
 * downsample touches 2 of every 4 rows and columns).
 */
export function bilinearSourceTaps(s: number, d: number): Int32Array {
  const i0 = new Int32Array(d), i1 = new Int32Array(d), f = new Float32Array(d);
  axisTaps(s, d, i0, i1, f);
  return Int32Array.from(new Set([...i0, ...i1])).sort();
}

/** Per destination index: the two source taps and the weight of the second (torch's rule: clamp at 0). */
export function axisTaps(s: number, d: number, i0: Int32Array, i1: Int32Array, f: Float32Array): void {
  const scale = s / d;
  for (let i = 0; i < d; i++) {
    const c = Math.max((i + 0.5) * scale - 0.5, 0);
    const lo = Math.min(Math.floor(c), s - 1);
    i0[i] = lo;
    i1[i] = Math.min(lo + 1, s - 1);
    f[i] = c - lo;
  }
}

/**
 * Nearest-neighbour resize of a label/binary mask: destination pixel d takes source pixel
 * floor((d + 0.5)·s/d_size) (pixel-centre sampling, like PIL NEAREST), so a mask resized up
 * and back down is unchanged.
 * @example
 * resizeNearest(new Uint8Array([0, 1]), 2, 1, 4, 1); // [0, 0, 1, 1]
 */
export function resizeNearest(
  /** [sh, sw] */ src: Uint8Array,
  sw: number,
  sh: number,
  dw: number,
  dh: number,
): Uint8Array /** [dh, dw] */ {
  checkSize(src.length, sw, sh, "resizeNearest");
  const xs = new Int32Array(dw);
  for (let x = 0; x < dw; x++) xs[x] = Math.min(Math.floor(((x + 0.5) * sw) / dw), sw - 1);
  const out = new Uint8Array(dw * dh);
  for (let y = 0; y < dh; y++) {
    const row = Math.min(Math.floor(((y + 0.5) * sh) / dh), sh - 1) * sw;
    for (let x = 0; x < dw; x++) out[y * dw + x] = src[row + xs[x]];
  }
  return out;
}

/**
 * Area (box) resampling: every destination pixel is the exact area-weighted mean of the source
 * pixels its footprint covers (fractional overlaps weighted), like cv2 INTER_AREA. Used to turn
 * a full-size 0/1 ground truth into a soft 64×64 target for SRM's Dice + BCE loss (§3.3).
 * @example
 * resizeAreaF32(new Uint8Array([0, 1, 1, 1]), 4, 1, 2, 1); // [0.5, 1]
 */
export function resizeAreaF32(
  /** [sh, sw] */ src: ArrayLike<number>,
  sw: number,
  sh: number,
  dw: number,
  dh: number,
): Float32Array /** [dh, dw] */ {
  checkSize(src.length, sw, sh, "resizeAreaF32");
  const wx = areaWeights(sw, dw), wy = areaWeights(sh, dh);
  // Separable: rows first ([sh, dw]), then columns ([dh, dw]).
  const tmp = new Float64Array(sh * dw);
  for (let y = 0; y < sh; y++) {
    for (let x = 0; x < dw; x++) {
      const { start, w } = wx[x];
      let acc = 0;
      for (let k = 0; k < w.length; k++) acc += w[k] * src[y * sw + start + k];
      tmp[y * dw + x] = acc;
    }
  }
  const out = new Float32Array(dw * dh);
  for (let y = 0; y < dh; y++) {
    const { start, w } = wy[y];
    for (let x = 0; x < dw; x++) {
      let acc = 0;
      for (let k = 0; k < w.length; k++) acc += w[k] * tmp[(start + k) * dw + x];
      out[y * dw + x] = acc;
    }
  }
  return out;
}

/** Normalised overlap of destination cell i ([i·s/d, (i+1)·s/d)) with each source cell. */
export function areaWeights(s: number, d: number): { start: number; w: Float64Array }[] {
  const scale = s / d;
  const taps = [];
  for (let i = 0; i < d; i++) {
    const lo = i * scale, hi = (i + 1) * scale;
    const start = Math.floor(lo), end = Math.min(Math.ceil(hi), s);
    const w = new Float64Array(end - start);
    for (let k = start; k < end; k++) w[k - start] = (Math.min(hi, k + 1) - Math.max(lo, k)) / scale;
    taps.push({ start, w });
  }
  return taps;
}

function checkSize(len: number, w: number, h: number, fn: string): void {
  if (!(w > 0 && h > 0) || len !== w * h) {
    throw new RangeError(`${fn}: array of length ${len} does not match ${w}×${h}`);
  }
}
