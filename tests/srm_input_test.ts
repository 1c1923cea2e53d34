import assert from "node:assert/strict";
import { embeddingScale, pooledState } from "../kernels/srm/input.ts";

Deno.test("srm input: avgpool2(E ⊙ M) in both layouts, hand-computed", () => {
  const N = 64 * 64;
  const emb = new Float32Array(2 * N);
  for (let p = 0; p < N; p++) (emb[p] = 1), (emb[N + p] = p % 64); // channel 1 = column index
  const mask = new Float32Array(N);
  mask[0] = 1, mask[1] = 0.5, mask[64] = 0, mask[65] = 0.5; // the first 2×2 block
  mask[64 * 2 + 2] = 1; // grid pixel (2, 2) → pooled (1, 1)
  const { rows, cols } = pooledState(emb, 2, mask, 2);
  // pooled (0,0): channel 0: 2·(1 + 0.5 + 0 + 0.5)/4 = 1; channel 1: 2·(0·1 + 1·0.5 + 0 + 1·0.5)/4 = 0.5
  assert.deepEqual([rows[0], rows[1]], [1, 0.5]);
  assert.deepEqual([cols[0], cols[1024]], [1, 0.5]);
  // pooled (1,1) = index 33: channel 0: 2·1/4; channel 1: 2·2/4
  assert.deepEqual([rows[33 * 2], rows[33 * 2 + 1]], [0.5, 1]);
  assert.deepEqual([cols[33], cols[1024 + 33]], [0.5, 1]);
  assert.equal(rows.reduce((a, b) => a + b), 1 + 0.5 + 0.5 + 1);
});

Deno.test("srm input: embeddingScale brings the RMS to 1; zero embeddings get 1", () => {
  assert.equal(embeddingScale(new Float32Array([3, -3, 3, -3])), 1 / 3);
  assert.equal(embeddingScale(new Float32Array(8)), 1);
});
