import assert from "node:assert/strict";

const assertEquals = (a: unknown, b: unknown, msg = "") => assert.deepStrictEqual(a, b, msg);
const assertAlmostEquals = (a: number, b: number, eps: number, msg = "") =>
  assert.ok(Math.abs(a - b) <= eps, `${msg} expected ${b}, got ${a}`);
const assertThrows = (fn: () => unknown, cls: new (...a: never[]) => Error, text: string) =>
  assert.throws(fn, (e: Error) => e instanceof cls && e.message.includes(text));
import { cellCenter, cellOf, GRID, maskValueAt } from "../kernels/masks/grid.ts";
import { connectedComponents, largestComponent } from "../kernels/masks/components.ts";
import { edt, nearestForeground, nearestForegroundSq } from "../kernels/masks/distance.ts";

Deno.test("grid: action 0, 11 and 99 centres; cellOf inverts cellCenter", () => {
  assertEquals(GRID, 10);
  // 800×800 frame: action 0 = (40, 40); image 1600×800 → (80, 40)
  assertEquals(cellCenter(0, 1600, 800), { x: 80, y: 40 });
  // action 11 = r1 c1 = (120,120) → (240, 120)
  assertEquals(cellCenter(11, 1600, 800), { x: 240, y: 120 });
  // action 99 in a 500×375 image: (760·500/800, 760·375/800) = (475, 356.25), floats kept
  const p = cellCenter(99, 500, 375);
  assertAlmostEquals(p.x, 475, 1e-9);
  assertAlmostEquals(p.y, 356.25, 1e-9);
  for (let a = 0; a < 100; a++) {
    const c = cellCenter(a, 333, 517);
    assertEquals(cellOf(c.x, c.y, 333, 517), a);
  }
  assertEquals(cellOf(-5, 1e6, 100, 100), 90); // clamped: column 0, row 9
  assertThrows(() => cellCenter(100, 10, 10), RangeError, "action 100");
});

Deno.test("maskValueAt rounds and clamps", () => {
  const m = new Uint8Array([0, 1, 0, 0]); // 2×2
  assertEquals(maskValueAt(m, 2, 2, 0.6, -3), 1); // (1, 0)
  assertEquals(maskValueAt(m, 2, 2, 0.4, 0), 0);
  assertEquals(maskValueAt(m, 2, 2, 9, 0), 1); // clamped to x = 1
});

Deno.test("connectedComponents uses 4-connectivity", () => {
  // 1 0 1
  // 0 1 1      diagonal (0,0)-(1,1) is not connected: 2 components, sizes 1 and 3
  const m = new Uint8Array([1, 0, 1, 0, 1, 1]);
  const { labels, sizes } = connectedComponents(m, 3, 2);
  assertEquals(Array.from(labels), [1, 0, 2, 0, 2, 2]);
  assertEquals(sizes, [0, 1, 3]);
  assertEquals(Array.from(largestComponent(m, 3, 2)), [0, 0, 1, 0, 1, 1]);
  assertEquals(Array.from(largestComponent(new Uint8Array(4), 2, 2)), [0, 0, 0, 0]);
});

Deno.test("edt: hand-computed distances, outside counts as background", () => {
  // 3×1 row: every pixel touches the outside above/below → all 1; 3×3 full: centre 2
  assertEquals(Array.from(edt(new Uint8Array([1, 1, 1]), 3, 1)), [1, 1, 1]);
  assertEquals(Array.from(edt(new Uint8Array(9).fill(1), 3, 3)), [1, 1, 1, 1, 2, 1, 1, 1, 1]);
  // 5×5 full mask: centre is 3 from the outside; corner 1
  const full = edt(new Uint8Array(25).fill(1), 5, 5);
  assertEquals(full[12], 3);
  assertEquals(full[0], 1);
  // 5×5 full except background at (0,0): pixel (1,1) is √2 from it and 2 from the outside
  const m = new Uint8Array(25).fill(1);
  m[0] = 0;
  const d = edt(m, 5, 5);
  assertEquals(d[0], 0);
  assertAlmostEquals(d[6], Math.SQRT2, 1e-6);
  // brute force on a random mask
  const w = 13, h = 9;
  const r = new Uint8Array(w * h).map((_, i) => ((i * 7919) % 11) < 8 ? 1 : 0);
  const e = edt(r, w, h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let best = Infinity;
      for (let yy = -1; yy <= h; yy++) {
        for (let xx = -1; xx <= w; xx++) {
          const inside = xx >= 0 && yy >= 0 && xx < w && yy < h;
          if (inside && r[yy * w + xx]) continue;
          best = Math.min(best, Math.hypot(xx - x, yy - y));
        }
      }
      assertAlmostEquals(e[y * w + x], r[y * w + x] ? best : 0, 1e-5, `(${x},${y})`);
    }
  }
});

Deno.test("nearestForeground matches brute force (distance and a nearest pixel at that distance)", () => {
  const w = 11, h = 7;
  const m = new Uint8Array(w * h).map((_, i) => ((i * 7919) % 13) === 0 ? 1 : 0);
  const { dist, nearest } = nearestForeground(m, w, h);
  for (let i = 0; i < w * h; i++) {
    let best = Infinity;
    for (let j = 0; j < w * h; j++) {
      if (m[j]) best = Math.min(best, Math.hypot((j % w) - (i % w), Math.floor(j / w) - Math.floor(i / w)));
    }
    assertAlmostEquals(dist[i], best, 1e-5, `dist ${i}`);
    const j = nearest[i];
    assertEquals(m[j], 1);
    assertAlmostEquals(Math.hypot((j % w) - (i % w), Math.floor(j / w) - Math.floor(i / w)), best, 1e-5);
  }
  const { sq } = nearestForegroundSq(m, w, h);
  for (let i = 0; i < w * h; i++) assertAlmostEquals(sq[i], dist[i] * dist[i], 1e-3, `sq ${i}`);
  assertEquals(Array.from(nearestForegroundSq(new Uint8Array([0, 0, 1]), 3, 1).sq), [4, 1, 0]);
  assertEquals(nearestForegroundSq(new Uint8Array(2), 2, 1).sq[0], -1);
  const empty = nearestForeground(new Uint8Array(4), 2, 2);
  assertEquals(empty.dist[0], Infinity);
  assertEquals(empty.nearest[3], -1);
});
