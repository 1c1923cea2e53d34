/**
 * One PPO update (kernels/agent/ppo.ts: K epochs of minibatch Adam on the actor-critic) on tfjs
 * WebGPU against the wasm backend (the CPU path), from the same weights, rollout and minibatch
 * order. Tolerances: every weight's change 1e-2 of the largest change (Adam divides by √v, so
 * float32 differences in small gradients show up relative to the step, not the weight); the
 * update's diagnostics (losses, entropy) 1e-3 relative.
 */
import { createActorCritic } from "../kernels/agent/policy.ts";
import {
  computeAdvantages,
  createOptimizer,
  PPO_DEFAULTS,
  type PpoBatch,
  ppoUpdate,
} from "../kernels/agent/ppo.ts";
import { CELL_FEATURES } from "../kernels/agent/features.ts";
import { makeRng } from "../core/rng.ts";
import { assertAdapter, assertClose, needsAdapter, onBackend } from "./gpu_helpers.ts";

const F = CELL_FEATURES, T = 15, EPISODES = 2, N = T * EPISODES;

/** A rollout of N states with random features, actions and rewards (the update only reads these). */
function rollout(): PpoBatch {
  const rng = makeRng(11);
  const obs = Float32Array.from({ length: N * 100 * F }, () => rng.normal());
  const chosen = new Float32Array(N * 100), actions = new Int32Array(N);
  const logprobs = new Float32Array(N), values = new Float32Array(N);
  const rewards = new Float32Array(N), dones = new Float32Array(N);
  for (let i = 0; i < N; i++) {
    actions[i] = rng.int(100);
    logprobs[i] = Math.log(1 / 100) + 0.1 * rng.normal();
    values[i] = 0.1 * rng.normal();
    rewards[i] = rng.next() < 0.4 ? 1 : -1;
    dones[i] = i % T === T - 1 ? 1 : 0;
  }
  const { advantages, returns } = computeAdvantages(rewards, values, dones, 0.99, 0.95);
  return { obs, chosen, actions, logprobs, values, advantages, returns };
}

function update() {
  const agent = createActorCritic({ features: F, seed: 2 });
  const cfg = { ...PPO_DEFAULTS, lr: 1e-3, updateEpochs: 2 };
  const optimizer = createOptimizer(cfg);
  const before = agent.getWeights().map((w) => w.data.slice());
  const stats = ppoUpdate(agent, optimizer, rollout(), cfg, makeRng(4));
  const change = agent.getWeights().map((w, i) => w.data.map((v, k) => v - before[i][k]));
  agent.dispose();
  optimizer.dispose();
  return { stats, change: change.flatMap((c) => Array.from(c)) };
}

Deno.test({
  name: "gpu ppo: one update on WebGPU changes the actor-critic as on wasm, within tolerance",
  ...needsAdapter(),
  fn: async () => {
    assertAdapter();
    const cpu = await onBackend("wasm", update);
    const gpu = await onBackend("webgpu", update);
    assertClose("ppo update: weight changes (relative to the largest)", gpu.change, cpu.change, 1e-2);
    const keys = ["pg_loss", "v_loss", "entropy"] as const;
    assertClose(
      "ppo update: pg_loss, v_loss, entropy (relative)",
      keys.map((k) => gpu.stats[k]),
      keys.map((k) => cpu.stats[k]),
      1e-3,
    );
  },
});
