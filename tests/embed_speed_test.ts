/**
 * Issue 15's embedding speed work must not change the embedding: the optimised kernels against
 * the straightforward ones they replaced (tests/_embed_reference.ts), bit for bit, on random
 * images of odd sizes (1×1 and thin ones included, where borders and extents degenerate).
 */
import { assert, assertEquals } from "./pipeline_assert.ts";
import type { RGBImage } from "../core/image.ts";
import { makeRng } from "../core/rng.ts";
import { EMBED_SIZE } from "../kernels/sam/segmenter.ts";
import { resizeBilinear } from "../kernels/masks/resize.ts";
import { embedFine } from "../kernels/sam/weightfree/embed.ts";
import { borderDensity } from "../kernels/sam/weightfree/colour.ts";
import { colourSigma } from "../kernels/sam/weightfree/decoder.ts";
import { embedExtent } from "../kernels/sam/weightfree/features.ts";
import { featureTerm } from "../kernels/sam/standin/features.ts";
import { STANDIN_CONFIG } from "../kernels/sam/standin/config.ts";
import { borderDensityRef, featureTermRef } from "./_embed_reference.ts";

const SIZES: [number, number][] = [[500, 375], [37, 91], [1, 1], [3, 200], [641, 2]];

/** Smooth blobs plus noise: regions, edges and texture, as a photo has. */
function randomImage(width: number, height: number, seed: number): RGBImage {
  const rng = makeRng(seed), data = new Uint8Array(width * height * 3);
  const blobs = Array.from({ length: 4 }, () => ({
    x: rng.next() * width,
    y: rng.next() * height,
    r: 1 + rng.next() * Math.max(width, height) / 3,
    rgb: [rng.int(256), rng.int(256), rng.int(256)],
  }));
  for (let y = 0, p = 0; y < height; y++) {
    for (let x = 0; x < width; x++, p += 3) {
      const b = blobs.find((b) => Math.hypot(x - b.x, y - b.y) < b.r);
      for (let c = 0; c < 3; c++) {
        data[p + c] = Math.max(0, Math.min(255, (b?.rgb[c] ?? 90) + rng.int(41) - 20));
      }
    }
  }
  return { width, height, data };
}

/** Same length and every value the same float, NaN and −0 included. */
function assertSameBits(actual: Float32Array, expected: Float32Array, what: string) {
  assertEquals(actual.length, expected.length, `${what}: length`);
  const bad = actual.findIndex((v, i) => !Object.is(v, expected[i]));
  assert(bad < 0, `${what}: first difference at ${bad}: ${actual[bad]} vs ${expected[bad]}`);
}

Deno.test("embed speed: borderDensity equals the mean of clickDensity maps, bit for bit", () => {
  for (const [i, [w, h]] of SIZES.entries()) {
    const { grid } = embedFine(randomImage(w, h, i), STANDIN_CONFIG);
    const sigma = colourSigma(grid, STANDIN_CONFIG);
    assertSameBits(borderDensity(grid, sigma), borderDensityRef(grid, sigma), `${w}×${h}`);
  }
});

Deno.test("embed speed: featureTerm's border map and click kernels equal the straightforward ones", () => {
  const G = EMBED_SIZE, P = 24; // P not a multiple of 4: the distance loop's tail runs
  for (const [i, [w, h]] of SIZES.entries()) {
    const rng = makeRng(100 + i);
    const feat = Float32Array.from({ length: P * G * G }, () => rng.normal());
    const { ew, eh } = embedExtent(w, h), fw = Math.min(w, 160), fh = Math.min(h, 120);
    const term = featureTerm(feat, P, ew, eh, fw, fh, 3, 0, 0.8);
    const ref = featureTermRef(feat, P, ew, eh, 0.8);
    assertSameBits(term.border, resizeBilinear(ref.border, ew, eh, fw, fh), `${w}×${h} border`);
    for (const at of [0, fw * fh - 1, Math.floor(fw * fh / 3)]) {
      const fx = at % fw, fy = (at - fx) / fw;
      const cell = Math.min(eh - 1, Math.floor(((fy + 0.5) * eh) / fh)) * ew +
        Math.min(ew - 1, Math.floor(((fx + 0.5) * ew) / fw));
      assertSameBits(
        term.density(at),
        resizeBilinear(ref.kernel(cell), ew, eh, fw, fh),
        `${w}×${h} click ${at}`,
      );
    }
  }
});
