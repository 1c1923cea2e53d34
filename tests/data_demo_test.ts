/**
 * The demo tasks (issue 16 point 1): seeded generators with the three kinds of target, written
 * once into the data cache, found like any dataset, and the same on every machine (two separate
 * generations give the same data fingerprint, so a rerun elsewhere builds nothing new).
 */
import { join } from "node:path";
import { assert, includes } from "./data_assert.ts";
import { DEMO_KINDS, type DemoKind, demoSample, demoSeed } from "../data/demo/generate.ts";
import { DEMO_COUNTS, DEMO_DATASET, ensureDemoData } from "../data/demo/folder.ts";
import { expandTasks, getTask } from "../data/tasks.ts";
import { fingerprintTask, listTaskPairs, resolveTask } from "../data/root.ts";

/** 4-connected foreground components of a 0/1 mask. */
function components(m: Uint8Array, w: number, h: number): number {
  const seen = new Uint8Array(m.length);
  let n = 0;
  for (let s = 0; s < m.length; s++) {
    if (!m[s] || seen[s]) continue;
    n++;
    const stack = [s];
    seen[s] = 1;
    while (stack.length) {
      const i = stack.pop()!;
      const x = i % w, y = (i - x) / w;
      for (
        const j of [x > 0 ? i - 1 : -1, x < w - 1 ? i + 1 : -1, y > 0 ? i - w : -1, y < h - 1 ? i + w : -1]
      ) {
        if (j >= 0 && m[j] && !seen[j]) {
          seen[j] = 1;
          stack.push(j);
        }
      }
    }
  }
  return n;
}

const fraction = (m: Uint8Array) => m.reduce((a, v) => a + v, 0) / m.length;

Deno.test("demo: each kind has its shape of target (blob, large region, several objects), seeded", () => {
  const stats = (k: DemoKind) =>
    Array.from({ length: 8 }, (_, i) => {
      const { image, mask } = demoSample(k, demoSeed(k, "train", i));
      assert.equal(image.data.length, image.width * image.height * 3);
      return { frac: fraction(mask.data), parts: components(mask.data, mask.width, mask.height) };
    });
  for (const s of stats("blobs")) {
    assert.ok(s.frac > 0.02 && s.frac < 0.3, `blob covers ${s.frac}`);
    assert.equal(s.parts, 1);
  }
  for (const s of stats("regions")) assert.ok(s.frac > 0.2 && s.frac < 0.9, `region covers ${s.frac}`);
  const objects = stats("objects");
  for (const s of objects) assert.ok(s.parts >= 2 && s.parts <= 4, `${s.parts} objects`);
  // same seed → same pixels; another seed → another image
  const a = demoSample("objects", 7), b = demoSample("objects", 7), c = demoSample("objects", 8);
  assert.deepEqual(a.image.data, b.image.data);
  assert.notDeepEqual(a.mask.data, c.mask.data);
});

Deno.test("demo: the region is darker than its surround (low contrast, not invisible)", () => {
  for (let i = 0; i < 5; i++) {
    const { image, mask } = demoSample("regions", demoSeed("regions", "test", i));
    const mean = (inside: number) => {
      let s = 0, n = 0;
      for (let p = 0; p < mask.data.length; p++) {
        if (mask.data[p] !== inside) continue;
        s += image.data[3 * p] + image.data[3 * p + 1] + image.data[3 * p + 2];
        n++;
      }
      return s / n / 3;
    };
    const ratio = mean(1) / mean(0);
    assert.ok(ratio > 0.5 && ratio < 0.95, `inside/outside brightness ${ratio.toFixed(2)}`);
  }
});

Deno.test("demo: generated once into the data cache, found offline, same fingerprint on every machine", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "alignsam-demo-" });
  const names = ["ALIGNSAM_DATA", "ALIGNSAM_CACHE", "ALIGNSAM_OFFLINE"];
  const old = names.map((n) => Deno.env.get(n));
  try {
    Deno.env.delete("ALIGNSAM_DATA");
    Deno.env.set("ALIGNSAM_OFFLINE", "1");
    assert.deepEqual(expandTasks(["demo"]).map((t) => t.id), DEMO_KINDS.map((k) => `demo-${k}`));
    const prints: string[] = [];
    for (const machine of ["a", "b"]) {
      Deno.env.set("ALIGNSAM_CACHE", join(tmp, machine));
      const td = await resolveTask(getTask("demo-objects"));
      assert.equal(td.dataset, DEMO_DATASET);
      includes(td.base, join(tmp, machine, "data", "demo"));
      for (const split of ["train", "test"] as const) {
        const { pairs, orphans } = await listTaskPairs(td, split);
        assert.equal(pairs.length, DEMO_COUNTS[split]);
        assert.equal(orphans.length, 0);
      }
      prints.push(await fingerprintTask(td));
    }
    assert.equal(prints[0], prints[1], "two generations must give the same fingerprint");
    // a second call finds the folder and writes nothing
    const marker = join(tmp, "b", "data", "demo", ".demo-version");
    const before = (await Deno.stat(marker)).mtime?.getTime();
    await ensureDemoData(join(tmp, "b", "data"));
    assert.equal((await Deno.stat(marker)).mtime?.getTime(), before);
  } finally {
    names.forEach((n, i) => old[i] === undefined ? Deno.env.delete(n) : Deno.env.set(n, old[i]!));
    await Deno.remove(tmp, { recursive: true });
  }
});
