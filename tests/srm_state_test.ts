/**
 * The SRM's state form (kernels/srm/input.ts SrmState, issue 15): with s_t = E ⊙ p the embedding
 * vanishes outside the previous mask, so the SRM cannot tell foreground there from background;
 * with s_t = E ⊙ (2p − 1) it can.
 */
import assert from "node:assert/strict";
import { initTf } from "../kernels/tf/backend.ts";
import { createSrm, SRM_LR, type SrmInput } from "../kernels/srm/srm.ts";
import { pooledState, type SrmState, stateMask } from "../kernels/srm/input.ts";
import { makeRng } from "../core/rng.ts";

const N = 64 * 64;

Deno.test("srm state: signed keeps E visible (sign flipped) where the mask is 0; masked zeroes it", () => {
  const emb = new Float32Array(N).fill(2);
  const mask = new Float32Array(N); // all outside
  mask[0] = 1;
  assert.deepEqual([...stateMask(mask, "signed").slice(0, 2)], [1, -1]);
  assert.equal(stateMask(mask, "masked"), mask);
  const signed = pooledState(emb, 1, stateMask(mask, "signed"), 1).rows;
  const masked = pooledState(emb, 1, stateMask(mask, "masked"), 1).rows;
  assert.equal(signed[100], -2);
  assert.equal(masked[100], 0);
});

/**
 * Channel 0 marks the foreground (a right-hand band) under noise; the previous mask is a small
 * square on the left, away from it — the glass case, where the agent's next points fall outside
 * the mask. Trained on the full GT, only the signed state finds the band.
 */
function scene(seed: number) {
  const rng = makeRng(seed);
  const embedding = new Float32Array(8 * N), gt = new Float32Array(N), prevMask = new Float32Array(N);
  for (let y = 0; y < 64; y++) {
    for (let x = 0; x < 64; x++) {
      const p = y * 64 + x, fg = x >= 40 ? 1 : 0;
      gt[p] = fg;
      prevMask[p] = x >= 8 && x < 20 && y >= 8 && y < 20 ? 1 : 0;
      for (let c = 0; c < 8; c++) embedding[c * N + p] = (c === 0 ? (fg ? 1 : -1) : 0) + 0.5 * rng.normal();
    }
  }
  return { x: { embedding, channels: 8, prevMask } as SrmInput, gt };
}

function bandAccuracy(prob: Float32Array, gt: Float32Array): number {
  let ok = 0;
  for (let i = 0; i < N; i++) ok += (prob[i] > 0.5) === (gt[i] > 0.5) ? 1 : 0;
  return ok / N;
}

for (const [state, expectGood] of [["signed", true], ["masked", false]] as [SrmState, boolean][]) {
  Deno.test(`srm state ${state}: ${expectGood ? "finds" : "cannot find"} foreground outside the previous mask`, async () => {
    await initTf();
    const { x, gt } = scene(1);
    const srm = createSrm({ branch: "implicit", channels: 8, seed: 0, lr: SRM_LR, state });
    for (let i = 0; i < 150; i++) srm.train(x, gt, 1);
    const fresh = scene(2);
    const acc = bandAccuracy(srm.predict(fresh.x), fresh.gt);
    srm.dispose();
    // 0.625 of the grid is background: a constant outside the mask scores at most ~0.65
    if (expectGood) assert.ok(acc > 0.9, `${state}: accuracy ${acc}`);
    else assert.ok(acc < 0.75, `${state}: accuracy ${acc}`);
  });
}
