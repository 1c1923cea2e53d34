import assert from "node:assert/strict";
import { RolloutBuffer } from "../kernels/agent/buffer.ts";
import {
  CELL_FEATURES,
  cellFeatures,
  fitFeatureSpec,
  imageFeatures,
  PROJ_DIM,
} from "../kernels/agent/features.ts";
import { CELLS, gridLayout, poolCells, poolMap } from "../kernels/agent/grid64.ts";
import { type AgentWeights, decodeWeights, encodeWeights } from "../kernels/agent/weights_io.ts";
import { createActorCritic } from "../kernels/agent/policy.ts";
import { initTf, tf } from "../kernels/tf/backend.ts";
import { makeRng } from "../core/rng.ts";
import { randomEmbedding } from "./_agent_fixtures.ts";

const emb = randomEmbedding(120, 90, 5, 7);
const layout = gridLayout(120, 90);
const pooledE = poolCells(emb.data, 5, layout);
const spec = fitFeatureSpec([pooledE], 5, 0);
const source = () => ({ embedding: emb.data, channels: 5, layout, img: imageFeatures(spec, pooledE) });

Deno.test("buffer: stores masks, not states, and rebuilds s_t = E ⊙ M_{t−1} exactly", () => {
  const rng = makeRng(1);
  const buf = new RolloutBuffer();
  const mask = Float32Array.from({ length: 4096 }, () => rng.next());
  const chosen = new Uint8Array(CELLS);
  chosen[3] = 1;
  buf.push({ image: 0, mask64: mask, chosen, t: 2, action: 7, logp: -1, value: 0.5, reward: 1, done: 0 });
  mask[0] = 99; // the buffer keeps its own copy
  chosen[4] = 1;
  const s = buf.state(0, source);
  assert.equal(s.length, 5 * 4096);
  for (const i of [0, 1, 4095, 4096 + 17, 4 * 4096 + 4000]) {
    assert.equal(s[i], Math.fround(emb.data[i] * buf.items[0].mask64[i % 4096]));
  }
  assert.notEqual(buf.items[0].mask64[0], 99);
  // features rebuilt from the buffer equal those computed online from the same state
  const m = buf.items[0].mask64;
  const online = cellFeatures(
    spec,
    source().img,
    poolCells(emb.data, 5, layout, m),
    poolMap(m, layout),
    buf.items[0].chosen,
    1,
    15,
  );
  const { feats, chosen: ch } = buf.features(spec, 15, source);
  assert.deepEqual(Array.from(feats), Array.from(online));
  assert.equal(ch[3], 1);
  assert.equal(ch[4], 0);
  assert.equal(feats.length, CELLS * CELL_FEATURES);
});

Deno.test("features: PCA projection is whitened and orthonormal on the training cells", () => {
  const p = spec.basis;
  // 5 channels → 5 non-zero rows, orthonormal
  for (let a = 0; a < 5; a++) {
    for (let b = 0; b < 5; b++) {
      let dot = 0;
      for (let c = 0; c < 5; c++) dot += p[a * 5 + c] * p[b * 5 + c];
      assert.ok(Math.abs(dot - (a === b ? 1 : 0)) < 1e-4, `rows ${a},${b}: ${dot}`);
    }
  }
  const { projE } = imageFeatures(spec, pooledE);
  let v = 0;
  for (let k = 0; k < CELLS; k++) v += projE[k * PROJ_DIM] ** 2;
  assert.ok(Math.abs(v / (CELLS - 1) - 1) < 1e-3, `variance of the first projection ${v / (CELLS - 1)}`);
});

Deno.test("weights: agent weights round-trip through agent.json + agent.bin", async () => {
  await initTf();
  const ac = createActorCritic({ features: CELL_FEATURES, seed: 3 });
  const w: AgentWeights = {
    version: 1,
    featureSpec: spec,
    actorCritic: ac.getWeights(),
    srm: {
      branch: "implicit",
      channels: 5,
      weights: [{ name: "k", shape: [2], data: new Float32Array([1.5, -2]) }],
    },
    meta: { task: "glass", T: 15, E: 2, branch: "implicit", variant: "srm", seed: 3, segmenter: "x" },
  };
  const dir = await Deno.makeTempDir();
  const { saveAgentWeights, loadAgentWeights } = await import("../kernels/agent/weights_io.ts");
  await saveAgentWeights(dir, w);
  const back = await loadAgentWeights(dir);
  assert.deepEqual(back, w);
  const ac2 = createActorCritic({ features: CELL_FEATURES, seed: 99 });
  ac2.setWeights(back.actorCritic);
  const f = tf.randomNormal([2, CELLS, CELL_FEATURES]) as tf.Tensor3D,
    c = tf.zeros([2, CELLS]) as tf.Tensor2D;
  assert.deepEqual(
    Array.from(ac.forward(f, c).logits.dataSync()),
    Array.from(ac2.forward(f, c).logits.dataSync()),
  );
  await assert.rejects(() => loadAgentWeights(`${dir}/nope`), /missing .*agent\.json/);
  const { json, bin } = encodeWeights(w);
  assert.throws(() => decodeWeights(json, bin.slice(0, 8)), /truncated/);
  ac.dispose();
  ac2.dispose();
  await Deno.remove(dir, { recursive: true });
});
