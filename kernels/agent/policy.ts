/**
 * The actor-critic π_θ, V_θ (paper §3.2; architecture NOT IN PAPER, METHOD-NOTES §1).
 *
 * Actor: one small MLP shared by the 100 action cells maps each cell's feature row
 * (features.ts) to one logit — the policy is equivariant to where the cell is, apart from the
 * row/col inputs, and has ~3k parameters (hidden width 32), so 10 updates of 750 transitions can train it.
 * Already-chosen cells get −1e9 so each cell is picked at most once per episode.
 * Critic: an MLP over the cells' mean feature row (a global summary of s_t, t/T, mean mask).
 * CleanRL's init gains (√2 hidden, 0.01 actor head, 1 critic head). The actor's hidden units are
 * ReLU, not CleanRL's tanh: the actor runs on 100 rows per state (75k rows per 750-transition
 * update), and tfjs-wasm's tanh costs several times its ReLU; the small critic keeps tanh.
 */
// tfjs-core's node bundle registers no gradients; the union package's bundle does (kernels/tf/conv2d.ts).
import "@tensorflow/tfjs";
import { tf } from "../tf/backend.ts";
import { CELLS } from "./grid64.ts";
import { makeRng, type Rng } from "../../core/rng.ts";

export interface NamedWeight {
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface ActorCritic {
  readonly features: number;
  readonly hidden: number;
  readonly variables: tf.Variable[];
  /** feats [B, 100, F], chosen [B, 100] (1 = taken) → masked logits [B, 100], value [B] */
  forward(feats: tf.Tensor3D, chosen: tf.Tensor2D): { logits: tf.Tensor2D; value: tf.Tensor1D };
  getWeights(): NamedWeight[];
  setWeights(ws: NamedWeight[]): void;
  dispose(): void;
}

let nextInstance = 0;

/**
 * y = x·W + b with hand-written gradients. tfjs's own MatMul gradient computes dW = xᵀ·dy with
 * transposeA, which tfjs-wasm runs ~9× slower than transposing x first (measured: 290 ms vs
 * 32 ms for a [18800, 54]ᵀ·[18800, 32] product); the actor's first two layers see 18.8k rows
 * per minibatch, so this is most of a PPO update. needDx = false skips dx for the input layer.
 */
function dense(x: tf.Tensor2D, w: tf.Variable, b: tf.Variable, needDx = true): tf.Tensor2D {
  type Save = (ts: tf.Tensor[]) => void;
  const body = (...args: (tf.Tensor | Save)[]) => {
    const [xi, wi, bi, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, Save];
    save([xi, wi]);
    return {
      value: tf.add(tf.matMul(xi, wi), bi),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
        const d = dy as tf.Tensor2D;
        const dx = needDx ? tf.matMul(d, tf.transpose(ws)) : tf.zerosLike(xs);
        return [dx, tf.matMul(tf.transpose(xs), d), tf.sum(d, 0)];
      },
    };
  };
  const f = tf.customGrad(body as Parameters<typeof tf.customGrad>[0]);
  return f(x, w, b) as tf.Tensor2D;
}

/** −∞ stand-in for taken cells: exp underflows to exactly 0, no NaN in the entropy. */
export const MASKED = -1e9;

export function createActorCritic(opts: { features: number; hidden?: number; seed: number }): ActorCritic {
  const F = opts.features, H = opts.hidden ?? 32;
  const rng = makeRng(opts.seed);
  // tfjs variable names are global: suffix an instance number, keep the logical name for IO.
  const instance = nextInstance++;
  const names: string[] = [];
  const layer = (name: string, i: number, o: number, gain: number) => {
    names.push(`${name}.w`, `${name}.b`);
    const w = new Float32Array(i * o);
    const std = gain / Math.sqrt(i);
    for (let k = 0; k < w.length; k++) w[k] = rng.normal() * std;
    return [
      tf.variable(tf.tensor2d(w, [i, o]), true, `${name}.w#${instance}`),
      tf.variable(tf.zeros([o]), true, `${name}.b#${instance}`),
    ] as const;
  };
  const [a1w, a1b] = layer("actor1", F, H, Math.SQRT2);
  const [a2w, a2b] = layer("actor2", H, H, Math.SQRT2);
  const [a3w, a3b] = layer("actor3", H, 1, 0.01);
  const [c1w, c1b] = layer("critic1", F, H, Math.SQRT2);
  const [c2w, c2b] = layer("critic2", H, H, Math.SQRT2);
  const [c3w, c3b] = layer("critic3", H, 1, 1);
  const variables = [a1w, a1b, a2w, a2b, a3w, a3b, c1w, c1b, c2w, c2b, c3w, c3b];

  const forward = (feats: tf.Tensor3D, chosen: tf.Tensor2D) => {
    const B = feats.shape[0];
    const x = tf.reshape(feats, [B * CELLS, F]) as tf.Tensor2D;
    const h1 = tf.relu(dense(x, a1w, a1b, false)) as tf.Tensor2D;
    const h2 = tf.relu(dense(h1, a2w, a2b)) as tf.Tensor2D;
    const raw = tf.reshape(dense(h2, a3w, a3b), [B, CELLS]);
    const logits = tf.add(raw, tf.mul(chosen, MASKED)) as tf.Tensor2D;
    const g = tf.mean(feats, 1) as tf.Tensor2D;
    const v1 = tf.tanh(dense(g, c1w, c1b)) as tf.Tensor2D;
    const v2 = tf.tanh(dense(v1, c2w, c2b)) as tf.Tensor2D;
    const value = tf.reshape(dense(v2, c3w, c3b), [B]) as tf.Tensor1D;
    return { logits, value };
  };

  return {
    features: F,
    hidden: H,
    variables,
    forward,
    getWeights: () =>
      variables.map((v, i) => ({
        name: names[i],
        shape: v.shape.slice(),
        data: v.dataSync() as Float32Array,
      })),
    setWeights(ws) {
      const byName = new Map(ws.map((w) => [w.name, w]));
      variables.forEach((v, i) => {
        const w = byName.get(names[i]);
        if (!w) throw new Error(`actor-critic weights: missing ${names[i]}`);
        if (w.shape.join("x") !== v.shape.join("x")) {
          throw new Error(`actor-critic weights: ${names[i]} has shape ${w.shape}, expected ${v.shape}`);
        }
        tf.tidy(() => v.assign(tf.tensor(w.data, w.shape)));
      });
    },
    dispose: () => variables.forEach((v) => v.dispose()),
  };
}

/** Policy output for one state: the chosen action, its log-probability and V(s). */
export interface ActResult {
  action: number;
  logp: number;
  value: number;
  /** [100] action probabilities */
  probs: Float32Array;
}

/**
 * A frozen copy of the weights evaluated in plain JS: the rollout acts on one state at a time
 * (100 rows), where tfjs's per-op overhead costs more than the arithmetic; weights do not change
 * during a rollout, so one snapshot per rollout serves every step. Same maths as `forward`.
 */
export interface PolicySnapshot {
  features: number;
  /** [100, F] features, [100] taken flags → masked logits [100] and V(s) */
  evaluate(feats: Float32Array, chosen: Uint8Array): { logits: Float32Array; value: number };
}

export function snapshot(ac: ActorCritic): PolicySnapshot {
  const w = ac.getWeights().map((x) => x.data);
  const [a1w, a1b, a2w, a2b, a3w, a3b, c1w, c1b, c2w, c2b, c3w, c3b] = w;
  const F = ac.features, H = ac.hidden;
  const dense = (
    x: Float32Array,
    W: Float32Array,
    b: Float32Array,
    n: number,
    m: number,
    act: (v: number) => number,
  ) => {
    const out = new Float32Array(m);
    for (let j = 0; j < m; j++) out[j] = b[j];
    for (let i = 0; i < n; i++) {
      const xi = x[i];
      if (xi === 0) continue;
      const row = i * m;
      for (let j = 0; j < m; j++) out[j] += xi * W[row + j];
    }
    for (let j = 0; j < m; j++) out[j] = act(out[j]);
    return out;
  };
  const relu = (v: number) => (v > 0 ? v : 0), id = (v: number) => v;
  return {
    features: F,
    evaluate(feats, chosen) {
      const logits = new Float32Array(CELLS);
      const g = new Float32Array(F);
      for (let k = 0; k < CELLS; k++) {
        const x = feats.subarray(k * F, (k + 1) * F);
        for (let i = 0; i < F; i++) g[i] += x[i] / CELLS;
        const h2 = dense(dense(x, a1w, a1b, F, H, relu), a2w, a2b, H, H, relu);
        logits[k] = dense(h2, a3w, a3b, H, 1, id)[0] + (chosen[k] ? MASKED : 0);
      }
      const v = dense(
        dense(dense(g, c1w, c1b, F, H, Math.tanh), c2w, c2b, H, H, Math.tanh),
        c3w,
        c3b,
        H,
        1,
        id,
      );
      return { logits, value: v[0] };
    },
  };
}

/**
 * Act on one state. mode "sample" draws a ~ π(·|s) (training), "greedy" takes the argmax over
 * untaken cells (evaluation; NOT IN PAPER, METHOD-NOTES §1 suggests greedy).
 */
export function act(
  policy: PolicySnapshot,
  /** [100, F] */ feats: Float32Array,
  /** [100] */ chosen: Uint8Array,
  mode: "sample" | "greedy",
  rng: Rng,
): ActResult {
  const { logits, value } = policy.evaluate(feats, chosen);
  const probs = softmax(logits);
  let action = -1;
  if (mode === "greedy") {
    for (let k = 0; k < CELLS; k++) if (!chosen[k] && (action < 0 || probs[k] > probs[action])) action = k;
  } else {
    const u = rng.next();
    let acc = 0;
    for (let k = 0; k < CELLS; k++) {
      if (chosen[k]) continue;
      acc += probs[k];
      action = k;
      if (u < acc) break;
    }
  }
  return { action, logp: Math.log(Math.max(probs[action], 1e-30)), value, probs };
}

export function softmax(logits: Float32Array): Float32Array {
  let m = -Infinity;
  for (const v of logits) m = Math.max(m, v);
  const out = new Float32Array(logits.length);
  let s = 0;
  for (let i = 0; i < logits.length; i++) s += out[i] = Math.exp(logits[i] - m);
  for (let i = 0; i < logits.length; i++) out[i] /= s;
  return out;
}
