/**
 * Issue 15's embedding speed work must not change the embedding: the optimised kernels against
 * the straightforward ones they replaced (tests/_embed_reference.ts), bit for bit, on random
 * images of odd sizes (1×1 and thin ones included, where borders and extents degenerate).
 */
import { assert, assertEquals, assertRejects } from "./pipeline_assert.ts";
import { ModelError } from "../core/errors.ts";
import type { RGBImage } from "../core/image.ts";
import { makeRng } from "../core/rng.ts";
import { EMBED_SIZE } from "../kernels/sam/segmenter.ts";
import { resizeBilinear } from "../kernels/masks/resize.ts";
import { embedFine } from "../kernels/sam/weightfree/embed.ts";
import { createEmbedThread } from "../kernels/sam/weightfree/embed_thread.ts";
import { borderDensity } from "../kernels/sam/weightfree/colour.ts";
import { colourSigma } from "../kernels/sam/weightfree/decoder.ts";
import { embedExtent } from "../kernels/sam/weightfree/features.ts";
import { featureTerm } from "../kernels/sam/standin/features.ts";
import { STANDIN_CONFIG } from "../kernels/sam/standin/config.ts";
import {
  cancel,
  newMeanKernelJob,
  publish,
  runMeanKernel,
  waitDone,
} from "../kernels/sam/weightfree/mean_kernel.ts";
import { createStandinSegmenter } from "../kernels/sam/standin/segmenter.ts";
import { STANDIN_BACKBONE } from "../kernels/sam/registry.ts";
import type { Embedding } from "../kernels/sam/segmenter.ts";
import { borderDensityRef, featureTermRef } from "./_embed_reference.ts";
import { needsShared, SHARED } from "./_shared.ts";
import { encoderInput } from "../kernels/sam/onnx/preprocess.ts";
import { backboneInput } from "../kernels/sam/standin/preprocess.ts";
import { FRAME } from "../kernels/sam/standin/backbone.ts";

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

Deno.test("embed speed: the embedding thread's grid, features and aux equal embedFine's on this thread", async () => {
  const thread = createEmbedThread("test segmenter");
  try {
    for (const [i, [w, h]] of SIZES.entries()) {
      const image = randomImage(w, h, 10 + i);
      const here = embedFine(image, STANDIN_CONFIG), there = await thread.embedFine(image, STANDIN_CONFIG);
      assertSameBits(there.data, here.data, `${w}×${h} features`);
      const g = there.grid, r = here.grid;
      assertEquals([g.fw, g.fh, g.width, g.height, g.costs.meanDiff], [
        r.fw,
        r.fh,
        r.width,
        r.height,
        r.costs.meanDiff,
      ]);
      for (const k of ["e", "s", "se", "sw"] as const) {
        assertSameBits(g.costs[k], r.costs[k], `${w}×${h} costs.${k}`);
      }
      assertEquals(Object.keys(there.aux), Object.keys(here.aux));
      for (const [k, a] of Object.entries(here.aux)) {
        assertEquals(there.aux[k].shape, a.shape);
        assertSameBits(there.aux[k].data as Float32Array, a.data as Float32Array, `${w}×${h} aux.${k}`);
      }
    }
  } finally {
    await thread.dispose();
  }
});

Deno.test("embed speed: an error on the embedding thread rejects with a ModelError naming the segmenter", async () => {
  const thread = createEmbedThread("test segmenter");
  try {
    await assertRejects(
      // a grid too large to allocate: embedFine throws a RangeError on the thread
      () =>
        thread.embedFine({ width: 1e5, height: 1e5, data: new Uint8Array(3) }, {
          ...STANDIN_CONFIG,
          fineSize: 1e5,
        }),
      ModelError,
      "test segmenter",
    );
    // the thread still answers afterwards
    assertEquals((await thread.embedFine(randomImage(5, 5, 0), STANDIN_CONFIG)).grid.fw, 5);
  } finally {
    await thread.dispose();
  }
});

Deno.test("embed speed: a program that never disposes its embedding thread still exits", async () => {
  const url = new URL("../kernels/sam/weightfree/embed_thread.ts", import.meta.url).href;
  const cfg = JSON.stringify(STANDIN_CONFIG);
  const code = `const { createEmbedThread } = await import(${JSON.stringify(url)});
    const r = await createEmbedThread("t").embedFine({ width: 2, height: 2, data: new Uint8Array(12) }, ${cfg});
    console.log("fw", r.grid.fw);`;
  const child = new Deno.Command(Deno.execPath(), { args: ["eval", code], stdout: "piped", stderr: "piped" })
    .spawn();
  const timer = setTimeout(() => child.kill(), 60_000);
  const out = await child.output();
  clearTimeout(timer);
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert(out.success, `exit ${out.code} (killed after 60 s if it hung): ${text}`);
  assert(text.includes("fw 2"), text);
});

Deno.test("embed speed: dispose rejects an embedding in flight; the thread starts again when asked", async () => {
  const thread = createEmbedThread("test segmenter");
  try {
    const inFlight = thread.embedFine(randomImage(500, 375, 1), STANDIN_CONFIG);
    await thread.dispose();
    await assertRejects(() => inFlight, ModelError, "disposed while an embedding was in flight");
    assertEquals((await thread.embedFine(randomImage(4, 3, 0), STANDIN_CONFIG)).grid.fw, 4);
  } finally {
    await thread.dispose();
  }
});

Deno.test("embed speed: the backbone's input is encoderInput's sam-pad frame, bit for bit", () => {
  // enlarged (bilinear), shrunk (area: a glass image's 1280×1024, one side only: 641×2), as is
  const sizes: [number, number][] = [...SIZES, [481, 321], [1280, 1024], [512, 384], [384, 512], [700, 300]];
  for (const [i, [w, h]] of sizes.entries()) {
    const image = randomImage(w, h, 30 + i);
    const ref = encoderInput(image, "sam-pad-1024", FRAME);
    assertEquals(ref.dims, [1, 3, FRAME, FRAME]);
    assertSameBits(backboneInput(image, FRAME), ref.data, `${w}×${h}`);
  }
});

/** A mean-kernel job of n random rows against `count` of them, on shared or plain buffers. */
function randomJob(n: number, count: number, p: number, seed: number, shared: boolean) {
  const rng = makeRng(seed), job = newMeanKernelJob(n, count, p, shared);
  job.rows.set(Float32Array.from({ length: n * p }, () => rng.normal()));
  for (let q = 0; q < count; q++) job.protos.set(job.rows.subarray((q % n) * p, (q % n + 1) * p), q * p);
  job.k[0] = -1 / (2 * p);
  return job;
}

Deno.test("embed speed: the mean-kernel map is the same bit for bit on the thread, here, or shared by both", async () => {
  const thread = createEmbedThread("test segmenter");
  try {
    // n around the chunk size, and a prototype count and p that leave the 4-wide loops a tail
    for (const [i, [n, count, p]] of [[1, 1, 3], [63, 32, 24], [65, 7, 64], [3072, 32, 64]].entries()) {
      const here = randomJob(n, count, p, i, false);
      assertEquals(runMeanKernel(here), n, "one thread takes every row");
      const there = randomJob(n, count, p, i, true);
      publish(there);
      assertEquals(await thread.helpMeanKernel(there), n, "the embedding thread alone takes every row");
      assertSameBits(there.out, here.out, `n ${n}: the embedding thread's`);
      // as the stand-in does it: handed over first, published once filled, shared by both
      const both = newMeanKernelJob(n, count, p, true), helped = thread.helpMeanKernel(both);
      const filled = randomJob(n, count, p, i, true);
      both.rows.set(filled.rows), both.protos.set(filled.protos), both.k.set(filled.k);
      publish(both);
      const mine = runMeanKernel(both);
      assert(waitDone(both, 10_000), `n ${n}: rows left undone`);
      assertSameBits(both.out, here.out, `n ${n}: both threads', before the thread answers`);
      assertEquals(mine + await helped, n, "the threads' shares add up to every row, none twice");
    }
    // a cancelled job frees the thread at once, and it takes no row
    const off = newMeanKernelJob(64, 4, 8, true), waiting = thread.helpMeanKernel(off);
    cancel(off);
    assertEquals(await waiting, 0);
  } finally {
    await thread.dispose();
  }
});

Deno.test("embed speed: dispose does not wait for a mean-kernel job that was never published", async () => {
  const thread = createEmbedThread("test segmenter");
  await thread.embedFine(randomImage(4, 3, 0), STANDIN_CONFIG); // the thread has started
  const waiting = thread.helpMeanKernel(newMeanKernelJob(64, 4, 8, true));
  await new Promise((r) => setTimeout(r, 200)); // it now waits for the job
  const t0 = performance.now();
  await thread.dispose();
  await assertRejects(() => waiting, ModelError, "disposed while an embedding was in flight");
  // the wait is in 50 ms slices; the job's own timeout is a minute
  assert(performance.now() - t0 < 5_000, `dispose took ${performance.now() - t0} ms`);
});

Deno.test({
  name: "embed speed: the stand-in's two-thread embedding decodes bit for bit as its one-thread rebuild",
  ...needsShared("models/mobilenetv2"),
  sanitizeResources: false,
  fn: async () => {
    const seg = await createStandinSegmenter(`${SHARED}models/${STANDIN_BACKBONE.name}`, "test");
    try {
      for (const [i, [w, h]] of SIZES.entries()) {
        const emb = await seg.embed(randomImage(w, h, 20 + i));
        // a copy is a cache hit's embedding: decode rebuilds its grid and featureTerm on this thread
        const copy: Embedding = { ...emb, data: emb.data.slice() };
        const clicks = [{ x: w >> 1, y: h >> 1, label: 1 as const }, { x: 0, y: h - 1, label: 0 as const }];
        for (let k = 1; k <= clicks.length; k++) {
          const a = await seg.decode(emb, clicks.slice(0, k)), b = await seg.decode(copy, clicks.slice(0, k));
          assertSameBits(a.lowRes, b.lowRes, `${w}×${h}, ${k} clicks: logits`);
          assertEquals(a.mask, b.mask);
        }
      }
    } finally {
      await seg.dispose?.();
    }
  },
});
