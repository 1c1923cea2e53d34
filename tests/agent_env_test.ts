import assert from "node:assert/strict";
import { PromptEnv, rewardAt, trainingP0 } from "../kernels/agent/env.ts";
import { cellCenter } from "../kernels/masks/grid.ts";
import { makeRng } from "../core/rng.ts";
import { discSegmenter, leftGt, randomEmbedding } from "./_agent_fixtures.ts";
import { extremePoints, gridLayout, gtToGrid, poolCells } from "../kernels/agent/grid64.ts";

const W = 200, H = 100;

Deno.test("env: rewards +1 on GT foreground, −1 on background, points at cell centres", async () => {
  const seg = discSegmenter();
  const gt = leftGt(W, H, 0.5);
  const env = new PromptEnv(seg, randomEmbedding(W, H, 4, 1), gt, { T: 3, feedMask: true, multimask: false });
  await env.reset([{ x: 10, y: 10, label: 1 }, { x: 190, y: 90, label: 0 }]);
  assert.equal(seg.calls, 1);
  // cell 11 = row 1, col 1: centre (30, 15) in a 200×100 image → left half → foreground
  const a = await env.step(11, 1);
  assert.deepEqual({ x: a.point.x, y: a.point.y }, cellCenter(11, W, H));
  assert.deepEqual([a.point.x, a.point.y], [30, 15]);
  assert.equal(a.reward, 1);
  assert.equal(a.fg, true);
  const b = await env.step(18, 0); // col 8 → x = 170 → background
  assert.equal(b.reward, -1);
  assert.equal(b.fg, false);
  assert.equal(env.points.length, 4);
  assert.equal(env.chosen[11] + env.chosen[18], 2);
  await assert.rejects(() => env.step(11, 1), /already chosen/);
  const c = await env.step(55, 1);
  assert.equal(c.done, true);
  await assert.rejects(() => env.step(56, 1), /T = 3/);
  assert.equal(seg.calls, 4);
});

Deno.test("env: state mask M follows the decoder (all ones before reset, ~1 inside a positive disc)", async () => {
  const env = new PromptEnv(discSegmenter(20), randomEmbedding(W, H, 2, 2), undefined, {
    T: 2,
    feedMask: false,
    multimask: false,
  });
  assert.equal(env.mask64.every((v) => v === 1), true);
  await env.reset([{ x: 100, y: 50, label: 1 }]);
  // (100, 50) in the 200-long padded frame → grid (32, 16)
  assert.ok(env.mask64[16 * 64 + 32] > 0.99);
  assert.ok(env.mask64[2 * 64 + 2] < 0.01);
  const r = await env.step(0, 1); // no GT: reward 0
  assert.equal(r.reward, 0);
});

Deno.test("env: VOC ignore pixels give reward 0 and are not foreground", () => {
  const ignore = new Uint8Array(W * H);
  ignore[15 * W + 30] = 1;
  const gt = leftGt(W, H, 0.5, ignore);
  assert.deepEqual(rewardAt(gt, 30, 15), { reward: 0, fg: false });
  assert.deepEqual(rewardAt(gt, 31, 15), { reward: 1, fg: true });
});

Deno.test("env: training P_0 = one GT-positive and one GT-negative point, seeded", () => {
  const gt = leftGt(W, H, 0.3);
  for (let s = 0; s < 20; s++) {
    const [p, n] = trainingP0(gt, makeRng(s));
    assert.equal(p.label, 1);
    assert.equal(n.label, 0);
    assert.equal(gt.mask.data[p.y * W + p.x], 1);
    assert.equal(gt.mask.data[n.y * W + n.x], 0);
  }
  assert.deepEqual(trainingP0(gt, makeRng(3)), trainingP0(gt, makeRng(3)));
  const empty = leftGt(W, H, 0);
  assert.equal(trainingP0(empty, makeRng(0)).length, 1);
});

Deno.test("env: stepMany prompts all points with one decode (w/o MSI)", async () => {
  const seg = discSegmenter();
  const env = new PromptEnv(seg, randomEmbedding(W, H, 2, 3), leftGt(W, H, 0.5), {
    T: 3,
    feedMask: true,
    multimask: false,
  });
  await env.reset([]);
  const outs = await env.stepMany([{ action: 0, label: 1 }, { action: 9, label: 0 }, {
    action: 44,
    label: 1,
  }]);
  assert.equal(seg.calls, 2);
  assert.deepEqual(outs.map((o) => o.reward), [1, -1, 1]);
  assert.equal(outs[2].done, true);
});

Deno.test("grid64: layout, pooling and GT on the padded 64 frame", () => {
  const lay = gridLayout(W, H); // 200×100 → 64×32 on the grid
  assert.equal(lay.gw, 64);
  assert.equal(lay.gh, 32);
  assert.equal(lay.cellOf[0], 0);
  assert.equal(lay.cellOf[40 * 64], -1); // padding rows
  assert.equal(lay.cellOf[31 * 64 + 63], 99);
  // pooling a constant-per-channel embedding gives that constant in every cell
  const data = new Float32Array(2 * 4096);
  data.fill(3, 0, 4096);
  data.fill(-1, 4096);
  const pooled = poolCells(data, 2, lay);
  assert.equal(pooled[0], 3);
  assert.equal(pooled[99 * 2 + 1], -1);
  const { gt64, ignore64 } = gtToGrid(leftGt(W, H, 0.5));
  assert.equal(gt64[10 * 64 + 5], 1);
  assert.equal(gt64[10 * 64 + 40], 0);
  assert.equal(ignore64[10 * 64 + 40], 0);
  assert.equal(ignore64[50 * 64 + 5], 1);
  const map = new Float32Array(4096);
  map[5 * 64 + 7] = 2;
  map[40 * 64 + 7] = -9; // in the padding: must be ignored
  map[31 * 64 + 63] = -1;
  const { hi, lo } = extremePoints(map, W, H);
  assert.deepEqual(hi, { x: 7.5 * 200 / 64, y: 5.5 * 200 / 64 });
  assert.ok(lo.y < H && lo.x < W);
});
