/**
 * PPO for the prompting agent, read like CleanRL's ppo.py (STYLE.md): hyperparameters in one
 * block, then returns/advantages, then the clipped-surrogate update with the loss terms named
 * as there (pg_loss, v_loss, entropy_loss, approx_kl, clipfrac).
 *
 * Returns (paper §3.2): Q(s_t, a_t) = r_t + γ r_{t+1} + … + γ^{T−t} V(s_T), A_t = Q − V(s_t).
 * The episode ends after step T with nothing left to earn, so s_T is terminal and V(s_T) = 0:
 * Q is the discounted Monte-Carlo return, which GAE with λ = 1 reproduces exactly. We default to
 * CleanRL's λ = 0.95 (NOT IN PAPER): a point's reward depends mostly on that point, and the full
 * return adds the next 14 steps' rewards as noise to its advantage. GAE, advantage normalisation,
 * the entropy bonus and gradient clipping are CleanRL's defaults, NOT IN PAPER.
 */
import "@tensorflow/tfjs"; // registers the gradients (see policy.ts)
import { tf } from "../tf/backend.ts";
import type { ActorCritic } from "./policy.ts";
import { CELLS } from "./grid64.ts";
import type { Rng } from "../../core/rng.ts";
import type { PpoStats } from "../../core/records.ts";

// ---- hyperparameters -------------------------------------------------------------------
export interface PpoConfig {
  /** Adam learning rate (paper §4.1: 1e-4) */
  lr: number;
  /** discount γ (paper: 0.99) */
  gamma: number;
  /** GAE λ; 1 = the paper's Monte-Carlo return Q (CleanRL: 0.95) */
  gaeLambda: number;
  /** surrogate clip ε (paper: 0.2) */
  clipEps: number;
  /** epochs per update (paper: K = 20) */
  updateEpochs: number;
  /** minibatches per epoch (NOT IN PAPER; CleanRL: 4) */
  numMinibatches: number;
  /** entropy bonus coefficient (CleanRL: 0.01) */
  entCoef: number;
  /** value-loss coefficient (CleanRL: 0.5) */
  vfCoef: number;
  /** global gradient-norm clip (CleanRL: 0.5) */
  maxGradNorm: number;
  /** normalise advantages per minibatch (CleanRL: true) */
  normAdv: boolean;
}

export const PPO_DEFAULTS: PpoConfig = {
  lr: 1e-4,
  gamma: 0.99,
  gaeLambda: 0.95,
  clipEps: 0.2,
  updateEpochs: 20,
  numMinibatches: 4,
  entCoef: 0.01,
  vfCoef: 0.5,
  maxGradNorm: 0.5,
  normAdv: true,
};

// ---- returns and advantages ------------------------------------------------------------
/** GAE(λ) over a rollout of whole episodes; done[i] = 1 marks an episode's last step. */
export function computeAdvantages(
  rewards: Float32Array,
  values: Float32Array,
  dones: Float32Array,
  gamma: number,
  gaeLambda: number,
): { advantages: Float32Array; returns: Float32Array } {
  const N = rewards.length;
  const advantages = new Float32Array(N);
  let lastgaelam = 0;
  for (let t = N - 1; t >= 0; t--) {
    const nextnonterminal = 1 - dones[t];
    const nextvalue = t + 1 < N ? values[t + 1] : 0;
    const delta = rewards[t] + gamma * nextvalue * nextnonterminal - values[t];
    lastgaelam = delta + gamma * gaeLambda * nextnonterminal * lastgaelam;
    advantages[t] = lastgaelam;
  }
  const returns = advantages.map((a, i) => a + values[i]);
  return { advantages, returns };
}

// ---- the update ------------------------------------------------------------------------
export interface PpoBatch {
  /** [N, 100, F] */
  obs: Float32Array;
  /** [N, 100] 1 = cell already taken */
  chosen: Float32Array;
  actions: Int32Array;
  logprobs: Float32Array;
  values: Float32Array;
  advantages: Float32Array;
  returns: Float32Array;
}

export function createOptimizer(cfg: PpoConfig): tf.Optimizer {
  return tf.train.adam(cfg.lr, 0.9, 0.999, 1e-5);
}

/** K epochs of minibatch PPO on one rollout; returns the last epoch's mean diagnostics. */
export function ppoUpdate(
  agent: ActorCritic,
  optimizer: tf.Optimizer,
  b: PpoBatch,
  cfg: PpoConfig,
  rng: Rng,
): PpoStats {
  const N = b.actions.length, F = agent.features;
  const minibatchSize = Math.max(1, Math.ceil(N / cfg.numMinibatches));
  const b_inds = Array.from({ length: N }, (_, i) => i);
  let last = { pg_loss: 0, v_loss: 0, entropy: 0, approx_kl: 0, clipfrac: 0, n: 0 };
  for (let epoch = 0; epoch < cfg.updateEpochs; epoch++) {
    const order = rng.shuffle(b_inds);
    last = { pg_loss: 0, v_loss: 0, entropy: 0, approx_kl: 0, clipfrac: 0, n: 0 };
    for (let start = 0; start < N; start += minibatchSize) {
      const mb_inds = order.slice(start, start + minibatchSize);
      const M = mb_inds.length;
      const mbObs = new Float32Array(M * CELLS * F), mbChosen = new Float32Array(M * CELLS);
      const mbAct = new Int32Array(M), mbLogp = new Float32Array(M);
      const mbAdv = new Float32Array(M), mbRet = new Float32Array(M);
      mb_inds.forEach((i, j) => {
        mbObs.set(b.obs.subarray(i * CELLS * F, (i + 1) * CELLS * F), j * CELLS * F);
        mbChosen.set(b.chosen.subarray(i * CELLS, (i + 1) * CELLS), j * CELLS);
        mbAct[j] = b.actions[i];
        mbLogp[j] = b.logprobs[i];
        mbAdv[j] = b.advantages[i];
        mbRet[j] = b.returns[i];
      });
      if (cfg.normAdv && M > 1) normalise(mbAdv);
      const stats = tf.tidy(() => {
        const obs = tf.tensor3d(mbObs, [M, CELLS, F]);
        const chosen = tf.tensor2d(mbChosen, [M, CELLS]);
        const actions = tf.oneHot(tf.tensor1d(mbAct, "int32"), CELLS);
        const oldLogp = tf.tensor1d(mbLogp), advantages = tf.tensor1d(mbAdv), returns = tf.tensor1d(mbRet);
        let diag: tf.Tensor[] = [];
        const { grads } = tf.variableGrads(() => {
          const { logits, value: newvalue } = agent.forward(obs, chosen);
          const logpAll = tf.logSoftmax(logits);
          const newlogprob = tf.sum(tf.mul(logpAll, actions), 1);
          const entropy = tf.neg(tf.sum(tf.mul(tf.exp(logpAll), logpAll), 1));
          const logratio = tf.sub(newlogprob, oldLogp);
          const ratio = tf.exp(logratio);
          const pg_loss1 = tf.mul(tf.neg(advantages), ratio);
          const pg_loss2 = tf.mul(
            tf.neg(advantages),
            tf.clipByValue(ratio, 1 - cfg.clipEps, 1 + cfg.clipEps),
          );
          const pg_loss = tf.mean(tf.maximum(pg_loss1, pg_loss2));
          const v_loss = tf.mul(tf.mean(tf.square(tf.sub(newvalue, returns))), 0.5);
          const entropy_loss = tf.mean(entropy);
          const loss = tf.add(tf.sub(pg_loss, tf.mul(entropy_loss, cfg.entCoef)), tf.mul(v_loss, cfg.vfCoef));
          // approx_kl: Schulman's k3 estimator, as CleanRL.
          const approx_kl = tf.mean(tf.sub(tf.sub(ratio, 1), logratio));
          const clipfrac = tf.mean(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), cfg.clipEps), "float32"));
          diag = [pg_loss, v_loss, entropy_loss, approx_kl, clipfrac].map((x) => tf.keep(x));
          return loss as tf.Scalar;
        }, agent.variables);
        optimizer.applyGradients(clipGlobalNorm(grads, cfg.maxGradNorm));
        const out = diag.map((x) => x.dataSync()[0]);
        diag.forEach((x) => x.dispose());
        return out;
      });
      last.pg_loss += stats[0] * M;
      last.v_loss += stats[1] * M;
      last.entropy += stats[2] * M;
      last.approx_kl += stats[3] * M;
      last.clipfrac += stats[4] * M;
      last.n += M;
    }
  }
  const n = Math.max(last.n, 1);
  return {
    pg_loss: last.pg_loss / n,
    v_loss: last.v_loss / n,
    entropy: last.entropy / n,
    approx_kl: last.approx_kl / n,
    clipfrac: last.clipfrac / n,
    explained_variance: explainedVariance(b.values, b.returns),
  };
}

function clipGlobalNorm(grads: tf.NamedTensorMap, maxNorm: number): tf.NamedTensorMap {
  const norm = Math.sqrt(Object.values(grads).reduce((s, g) => s + tf.sum(tf.square(g)).dataSync()[0], 0));
  if (norm <= maxNorm) return grads;
  const scale = maxNorm / (norm + 1e-6);
  const out: tf.NamedTensorMap = {};
  for (const [k, g] of Object.entries(grads)) out[k] = tf.mul(g, scale);
  return out;
}

function normalise(x: Float32Array): void {
  let m = 0, v = 0;
  for (const a of x) m += a;
  m /= x.length;
  for (const a of x) v += (a - m) ** 2;
  const sd = Math.sqrt(v / (x.length - 1)) + 1e-8;
  for (let i = 0; i < x.length; i++) x[i] = (x[i] - m) / sd;
}

/** 1 − Var[returns − values] / Var[returns] (CleanRL's explained_variance; NaN → 0). */
export function explainedVariance(values: Float32Array, returns: Float32Array): number {
  const varOf = (f: (i: number) => number) => {
    let m = 0, v = 0;
    for (let i = 0; i < returns.length; i++) m += f(i);
    m /= returns.length;
    for (let i = 0; i < returns.length; i++) v += (f(i) - m) ** 2;
    return v / returns.length;
  };
  const vy = varOf((i) => returns[i]);
  return vy === 0 ? 0 : 1 - varOf((i) => returns[i] - values[i]) / vy;
}
