/** reports/from_stages.ts: an evaluate entry's trace → TraceInput with points in the PNG frame. */
import assert from "node:assert/strict";
import { join } from "node:path";
import sharp from "sharp";
import { evalRowOf, traceInputOf } from "../reports/from_stages.ts";
import type { EvalSummary } from "../core/records.ts";

async function png(w: number, h: number, channels: 1 | 3): Promise<Uint8Array> {
  return new Uint8Array(
    await sharp(new Uint8Array(w * h * channels), { raw: { width: w, height: h, channels } }).png()
      .toBuffer(),
  );
}

Deno.test("traceInputOf scales points from the original frame to the thumbnail's", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(join(dir, "traces/a"), { recursive: true });
  await Deno.writeFile(join(dir, "traces/a/image.png"), await png(256, 192, 3));
  await Deno.writeFile(join(dir, "traces/a/gt.png"), await png(256, 192, 1));
  await Deno.writeFile(join(dir, "traces/a/mask_t00.png"), await png(256, 192, 1));
  const trace = {
    stem: "a",
    image: "traces/a/image.png",
    gt: "traces/a/gt.png",
    steps: [{ t: 0, points: [{ x: 400, y: 300, label: 1 as const }], mask: "traces/a/mask_t00.png" }],
  };
  const t = await traceInputOf(trace, dir, {
    task: "blur",
    policy: "rl",
    seed: 0,
    original: { width: 1024, height: 768 },
  });
  assert.deepEqual([t.width, t.height], [256, 192]);
  assert.deepEqual(t.steps[0].points, [{ x: 100, y: 75, label: 1 }]); // ×0.25
  assert.equal(t.steps[0].width, 256);
  await assert.rejects(
    traceInputOf({ ...trace, gt: "traces/a/none.png" }, dir, { task: "blur", policy: "rl", seed: 0 }),
    /none\.png/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("evalRowOf drops per-image detail and keeps shots", () => {
  const s = {
    task: "blur",
    policy: "rl",
    variant: "srm",
    images: [{}],
    traces: [{}],
    shots: 5,
  } as unknown as EvalSummary;
  const row = evalRowOf(s);
  assert.equal("images" in row, false);
  assert.equal("traces" in row, false);
  assert.equal(row.shots, 5);
});
