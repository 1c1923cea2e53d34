import assert from "node:assert/strict";
import { initTf, tf } from "../kernels/tf/backend.ts";
import { act, createActorCritic, snapshot } from "../kernels/agent/policy.ts";
import {
  computeAdvantages,
  createOptimizer,
  explainedVariance,
  PPO_DEFAULTS,
  ppoUpdate,
} from "../kernels/agent/ppo.ts";
import { CELL_FEATURES } from "../kernels/agent/features.ts";
import { makeRng } from "../core/rng.ts";

Deno.test("ppo: Monte-Carlo returns (λ = 1) and GAE by hand", () => {
  const r = new Float32Array([1, -1, 1]),
    v = new Float32Array([0.5, 0.2, 0.1]),
    d = new Float32Array([0, 0, 1]);
  const { returns, advantages } = computeAdvantages(r, v, d, 0.5, 1);
  // Q_3 = 1; Q_2 = −1 + 0.5·1 = −0.5; Q_1 = 1 + 0.5·(−0.5) = 0.75 (episode ends: V(s_T) = 0)
  assert.deepEqual(Array.from(returns).map((x) => +x.toFixed(5)), [0.75, -0.5, 1]);
  assert.deepEqual(Array.from(advantages).map((x) => +x.toFixed(5)), [0.25, -0.7, 0.9]);
  // two one-step episodes do not leak into each other
  const two = computeAdvantages(
    new Float32Array([1, 1]),
    new Float32Array([0, 0]),
    new Float32Array([1, 1]),
    0.9,
    0.95,
  );
  assert.deepEqual(Array.from(two.returns), [1, 1]);
  assert.equal(explainedVariance(new Float32Array([1, 2, 3]), new Float32Array([1, 2, 3])), 1);
});

/**
 * Toy bandit: 30 of 100 cells are "foreground", and feature 0 of a cell says which (+1/−1).
 * Random picks score FR ≈ 0.3; PPO must find the feature within a few updates.
 */
Deno.test("ppo: learns a bandit whose features reveal the foreground cells", async () => {
  await initTf();
  const rng = makeRng(5);
  const T = 5, episodes = 40, F = CELL_FEATURES;
  const agent = createActorCritic({ features: F, seed: 1 });
  const cfg = { ...PPO_DEFAULTS, lr: 3e-3, updateEpochs: 4 };
  const optimizer = createOptimizer(cfg);
  const rollout = () => {
    const policy = snapshot(agent);
    const N = episodes * T;
    const obs = new Float32Array(N * 100 * F), chosen = new Float32Array(N * 100);
    const actions = new Int32Array(N), logprobs = new Float32Array(N), values = new Float32Array(N);
    const rewards = new Float32Array(N), dones = new Float32Array(N);
    let fg = 0, i = 0;
    for (let e = 0; e < episodes; e++) {
      const fgCells = new Set(rng.shuffle(Array.from({ length: 100 }, (_, k) => k)).slice(0, 30));
      const taken = new Uint8Array(100);
      for (let t = 0; t < T; t++, i++) {
        const f = new Float32Array(100 * F);
        for (let k = 0; k < 100; k++) {
          f[k * F] = fgCells.has(k) ? 1 : -1;
          for (let j = 1; j < 8; j++) f[k * F + j] = rng.normal();
          f[k * F + F - 2] = t / T;
        }
        const a = act(policy, f, taken, "sample", rng);
        obs.set(f, i * 100 * F);
        chosen.set(taken, i * 100);
        actions[i] = a.action;
        logprobs[i] = a.logp;
        values[i] = a.value;
        rewards[i] = fgCells.has(a.action) ? 1 : -1;
        fg += rewards[i] > 0 ? 1 : 0;
        dones[i] = t === T - 1 ? 1 : 0;
        taken[a.action] = 1;
      }
    }
    return { obs, chosen, actions, logprobs, values, rewards, dones, fr: fg / N };
  };
  const frs: number[] = [];
  for (let u = 0; u < 6; u++) {
    const b = rollout();
    frs.push(b.fr);
    const { advantages, returns } = computeAdvantages(b.rewards, b.values, b.dones, 0.99, 1);
    const stats = ppoUpdate(agent, optimizer, { ...b, advantages, returns }, cfg, rng);
    assert.ok(Number.isFinite(stats.pg_loss) && stats.entropy > 0 && stats.approx_kl >= -1e-6);
  }
  frs.push(rollout().fr);
  assert.ok(frs[0] < 0.45, `first FR ${frs[0]} should be near random (0.3)`);
  assert.ok(frs[frs.length - 1] > 0.7, `FR after 6 updates: ${frs.map((f) => f.toFixed(2))}`);
  // taken cells are never chosen again
  const taken = new Uint8Array(100).fill(1);
  taken[42] = 0;
  const policy = snapshot(agent);
  assert.equal(act(policy, new Float32Array(100 * F), taken, "sample", rng).action, 42);
  assert.equal(act(policy, new Float32Array(100 * F), taken, "greedy", rng).action, 42);
  // the plain-JS snapshot computes what the tfjs network computes
  const f = Float32Array.from({ length: 100 * F }, () => rng.normal());
  const js = policy.evaluate(f, new Uint8Array(100));
  const [tfLogits, tfValue] = tf.tidy(() => {
    const out = agent.forward(tf.tensor3d(f, [1, 100, F]), tf.zeros([1, 100]) as tf.Tensor2D);
    return [out.logits.dataSync(), out.value.dataSync()[0]] as const;
  });
  for (let k = 0; k < 100; k++) assert.ok(Math.abs(js.logits[k] - tfLogits[k]) < 1e-4);
  assert.ok(Math.abs(js.value - tfValue) < 1e-4);
  agent.dispose();
  optimizer.dispose();
  assert.ok(tf.memory().numTensors < 50);
});
