import { assert, assertEquals, assertRejects } from "./pipeline_assert.ts";
import type { Point } from "../core/image.ts";
import type { DecodeResult, Embedding, Segmenter } from "../kernels/sam/segmenter.ts";
import { interiorPoint, maskIou, nextClick, simulateClicks } from "../kernels/sam/clicks.ts";
import { clicksTable, formatClicksTable, main } from "../cli/clicks.ts";
import { DataError, UsageError } from "../core/errors.ts";
import { encodeMaskPng, encodeRgbPng } from "../core/image_io.ts";
import { createWeightFreeSegmenter } from "../kernels/sam/weightfree/segmenter.ts";
import { needsShared, SHARED_DATA } from "./_shared.ts";

/** [h, w] mask with the given inclusive rectangles set. */
function rects(w: number, h: number, ...rs: [number, number, number, number][]): Uint8Array {
  const m = new Uint8Array(w * h);
  for (const [x0, y0, x1, y1] of rs) {
    for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) m[y * w + x] = 1;
  }
  return m;
}

Deno.test("clicks: interiorPoint is the EDT maximum, first in raster order on ties", () => {
  // One row: every pixel is 1 from the outside above/below, so the first one wins the tie.
  assertEquals(interiorPoint(new Uint8Array([0, 1, 1, 1, 0]), 5, 1), { x: 1, y: 0 });
  // 5×3 block at (2..6, 1..3) in 9×5: distances peak (2) along its middle row; first is x = 3.
  assertEquals(interiorPoint(rects(9, 5, [2, 1, 6, 3]), 9, 5), { x: 3, y: 2 });
  // The image edge counts as background: a block touching the left edge peaks one pixel in.
  assertEquals(interiorPoint(rects(6, 3, [0, 0, 2, 2]), 6, 3), { x: 1, y: 1 });
  assertEquals(interiorPoint(new Uint8Array(4), 2, 2), null);
});

Deno.test("clicks: nextClick picks the largest error region and labels it", () => {
  const w = 12, h = 8;
  const gt = rects(w, h, [1, 1, 5, 5]);
  // Empty prediction: the whole GT is a false negative → positive click at its centre.
  assertEquals(nextClick(new Uint8Array(w * h), gt, w, h), { x: 3, y: 3, label: 1 });
  // Prediction = GT plus a 3×3 false positive: negative click at the blob's centre.
  const pred = rects(w, h, [1, 1, 5, 5], [8, 4, 10, 6]);
  assertEquals(nextClick(pred, gt, w, h), { x: 9, y: 5, label: 0 });
  // A 2×2 miss inside the GT loses to the 3×3 false positive; a 4×4 one wins.
  const small = rects(w, h, [1, 1, 5, 5], [8, 4, 10, 6]);
  for (const i of [2 * w + 2, 2 * w + 3, 3 * w + 2, 3 * w + 3]) small[i] = 0;
  assertEquals(nextClick(small, gt, w, h)?.label, 0);
  const big = rects(w, h, [1, 5, 5, 5], [8, 4, 10, 6]);
  assertEquals(nextClick(big, gt, w, h), { x: 2, y: 2, label: 1 });
  // Perfect prediction: no click; an ignored error is no error.
  assertEquals(nextClick(gt, gt, w, h), null);
  assertEquals(nextClick(pred, gt, w, h, rects(w, h, [8, 4, 10, 6])), null);
});

Deno.test("clicks: maskIou by hand", () => {
  assertEquals(maskIou(new Uint8Array([1, 1, 0]), new Uint8Array([0, 1, 1])), 1 / 3);
  assertEquals(maskIou(new Uint8Array([0, 0]), new Uint8Array([0, 0])), 1);
  assertEquals(
    maskIou(new Uint8Array([1, 1, 0]), new Uint8Array([0, 1, 1]), new Uint8Array([1, 0, 0])),
    1 / 2,
  );
});

/** A fake segmenter: the union of 3×3 squares around positive clicks minus those around negatives. */
function squares(w: number, h: number): Segmenter & { calls: Point[][] } {
  const calls: Point[][] = [];
  return {
    id: "fake",
    label: "fake",
    isSam: false,
    calls,
    embed: () =>
      Promise.resolve({ data: new Float32Array(0), channels: 0, width: w, height: h, segmenter: "fake" }),
    decode(_e: Embedding, points: Point[]): Promise<DecodeResult> {
      calls.push([...points]);
      const mask = new Uint8Array(w * h);
      for (const p of points) {
        for (let y = p.y - 1; y <= p.y + 1; y++) {
          for (let x = p.x - 1; x <= p.x + 1; x++) {
            if (x >= 0 && y >= 0 && x < w && y < h) mask[y * w + x] = p.label;
          }
        }
      }
      return Promise.resolve({ mask, lowRes: new Float32Array(256 * 256), score: 1 });
    },
  };
}

Deno.test("clicks: simulateClicks places the expected clicks and stops when exact", async () => {
  const w = 10, h = 6;
  // Two 3×3 GT squares, each exactly what the fake returns around its centre.
  const gt = rects(w, h, [1, 1, 3, 3], [6, 2, 8, 4]);
  const seg = squares(w, h);
  const run = await simulateClicks(
    seg,
    await seg.embed({ width: w, height: h, data: new Uint8Array(0) }),
    gt,
    4,
  );
  assertEquals(run.points, [{ x: 2, y: 2, label: 1 }, { x: 7, y: 3, label: 1 }]);
  assertEquals(run.ious, [0.5, 1, 1, 1]);
  assertEquals(run.decodeMs.length, 2);
  assertEquals(seg.calls.map((c) => c.length), [1, 2]);
});

Deno.test("clicks: a false positive draws a negative click", async () => {
  const w = 9, h = 5;
  // GT is a 3×2 bar; the fake's 3×3 square around the first click overshoots by one row.
  const gt = rects(w, h, [3, 1, 5, 2]);
  const seg = squares(w, h);
  const run = await simulateClicks(
    seg,
    await seg.embed({ width: w, height: h, data: new Uint8Array(0) }),
    gt,
    2,
  );
  // Every GT pixel is at distance 1 from the outside: the first in raster order is clicked.
  assertEquals(run.points[0], { x: 3, y: 1, label: 1 });
  // The 3×3 square (2..4, 0..2) overshoots by an L of 5 pixels (FP) and misses x = 5 (FN, 2
  // pixels): the L wins and is clicked negative at its first pixel (all are at distance 1).
  assertEquals(run.points[1], { x: 2, y: 0, label: 0 });
  assertEquals(run.ious[0], 4 / 11);
});

Deno.test("clicks CLI: bad flags and values are usage errors (exit 2)", async () => {
  const e = await assertRejects(() => main(["--bogus"]), UsageError, "--bogus");
  assertEquals(e.exitCode, 2);
  await assertRejects(() => main(["--clicks", "0,5"]), UsageError, "--clicks");
  await assertRejects(() => main(["--limit", "x"]), UsageError, "--limit");
  await assertRejects(() => main(["--config", "{"]), UsageError, "--config");
  await assertRejects(() => main(["--data", "/nonexistent-alignsam", "--task", "t"]), DataError, "missing");
});

Deno.test("clicks CLI: table over a tiny synthetic test split", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const w = 80, h = 60;
    await Deno.mkdir(`${dir}/toy/test/images`, { recursive: true });
    await Deno.mkdir(`${dir}/toy/test/masks`, { recursive: true });
    for (const [name, cx] of [["a", 30], ["b", 50]] as const) {
      const data = new Uint8Array(w * h * 3), m = new Uint8Array(w * h);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const inside = (x - cx) ** 2 + (y - 30) ** 2 <= 225;
          m[y * w + x] = inside ? 1 : 0;
          data.fill(inside ? 220 : 30, 3 * (y * w + x), 3 * (y * w + x) + 3);
        }
      }
      await Deno.writeFile(
        `${dir}/toy/test/images/${name}.png`,
        await encodeRgbPng({ width: w, height: h, data }),
      );
      await Deno.writeFile(
        `${dir}/toy/test/masks/${name}.png`,
        await encodeMaskPng({ width: w, height: h, data: m }),
      );
    }
    const rows = await clicksTable(createWeightFreeSegmenter(), dir, "toy", [1, 3], Infinity, false);
    assertEquals(rows.map((r) => [r.task, r.clicks]), [["toy", 1], ["toy", 3]]);
    assert(rows[0].miou > 0.9 && rows[1].miou >= rows[0].miou - 1e-9, JSON.stringify(rows));
    assert(rows[0].ms_per_decode > 0);
    assert(formatClicksTable(rows).startsWith("task"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "clicks: weight-free improves with clicks on real saliency images",
  ...needsShared("data/saliency"),
  fn: async () => {
    const rows = await clicksTable(createWeightFreeSegmenter(), SHARED_DATA, "saliency", [1, 5], 4, false);
    assert(rows[0].miou > 0.1 && rows[1].miou > rows[0].miou, JSON.stringify(rows));
  },
});
