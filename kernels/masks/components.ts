/** 4-connected components of a binary mask (used by the click protocol and mask clean-up). */

/**
 * Label the foreground (non-zero) pixels by 4-connectivity. Labels: 0 = background, components
 * 1..n in raster order of their first pixel; `sizes[k]` is the pixel count of component k
 * (sizes[0] = 0, so `sizes.length - 1` is the number of components).
 * @example
 * connectedComponents(new Uint8Array([1, 0, 1, 1]), 4, 1); // labels [1, 0, 2, 2], sizes [0, 1, 2]
 */
export function connectedComponents(
  /** [h, w] */ mask: Uint8Array,
  w: number,
  h: number,
): { labels: Int32Array; sizes: number[] } {
  if (mask.length !== w * h) throw new RangeError(`connectedComponents: ${mask.length} values for ${w}×${h}`);
  const labels = new Int32Array(w * h);
  const sizes = [0];
  const stack = new Int32Array(w * h);
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || labels[start]) continue;
    const label = sizes.length;
    let top = 0, size = 0;
    stack[top++] = start;
    labels[start] = label;
    while (top > 0) {
      const p = stack[--top];
      size++;
      const x = p % w;
      // Each pixel is labelled when pushed, so it is pushed at most once.
      if (x > 0 && mask[p - 1] && !labels[p - 1]) (labels[p - 1] = label), (stack[top++] = p - 1);
      if (x < w - 1 && mask[p + 1] && !labels[p + 1]) (labels[p + 1] = label), (stack[top++] = p + 1);
      if (p >= w && mask[p - w] && !labels[p - w]) (labels[p - w] = label), (stack[top++] = p - w);
      if (p + w < w * h && mask[p + w] && !labels[p + w]) (labels[p + w] = label), (stack[top++] = p + w);
    }
    sizes.push(size);
  }
  return { labels, sizes };
}

/**
 * The largest 4-connected component as a 0/1 mask (ties: the one met first in raster order);
 * an empty mask stays empty.
 * @example
 * largestComponent(new Uint8Array([1, 0, 1, 1]), 4, 1); // [0, 0, 1, 1]
 */
export function largestComponent(/** [h, w] */ mask: Uint8Array, w: number, h: number): Uint8Array {
  const { labels, sizes } = connectedComponents(mask, w, h);
  let best = 0;
  for (let k = 1; k < sizes.length; k++) if (sizes[k] > sizes[best]) best = k;
  const out = new Uint8Array(w * h);
  if (best === 0) return out;
  for (let i = 0; i < out.length; i++) out[i] = labels[i] === best ? 1 : 0;
  return out;
}
