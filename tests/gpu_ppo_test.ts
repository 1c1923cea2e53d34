/**
 * One PPO update (kernels/agent/ppo.ts: K epochs of minibatch Adam on the actor-critic) on tfjs
 * WebGPU against the wasm backend (the CPU path), from the same weights, rollout and minibatch
 * order. Tolerances: every weight's change 1e-2 of the largest change (Adam divides by √v, so
 * float32 differences in small gradients show up relative to the step, not the weight); the
 * update's diagnostics (losses, entropy) 1e-3 relative.
 */
import { createActorCritic } from "../kernels/agent/policy.ts";
import { createOptimizer, PPO_DEFAULTS, ppoUpdate } from "../kernels/agent/ppo.ts";
import { CELL_FEATURES } from "../kernels/agent/features.ts";
import { makeRng } from "../core/rng.ts";
import { assertClose, gpuAgreementTest, randomRollout } from "./gpu_helpers.ts";

const EPISODES = 2;

function update() {
  const agent = createActorCritic({ features: CELL_FEATURES, seed: 2 });
  const cfg = { ...PPO_DEFAULTS, lr: 1e-3, updateEpochs: 2 };
  const optimizer = createOptimizer(cfg);
  const before = agent.getWeights().map((w) => w.data.slice());
  const stats = ppoUpdate(agent, optimizer, randomRollout(EPISODES), cfg, makeRng(4));
  const change = agent.getWeights().map((w, i) => w.data.map((v, k) => v - before[i][k]));
  agent.dispose();
  optimizer.dispose();
  return { stats, change: change.flatMap((c) => Array.from(c)) };
}

gpuAgreementTest(
  "gpu ppo: one update on WebGPU changes the actor-critic as on wasm, within tolerance",
  update,
  (gpu, cpu) => {
    assertClose("ppo update: weight changes (relative to the largest)", gpu.change, cpu.change, 1e-2);
    const keys = ["pg_loss", "v_loss", "entropy"] as const;
    assertClose(
      "ppo update: pg_loss, v_loss, entropy (relative)",
      keys.map((k) => gpu.stats[k]),
      keys.map((k) => cpu.stats[k]),
      1e-3,
    );
  },
);
