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
import { makeRng, type Rng } from "../rng.ts";

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

/** −∞ stand-in for taken cells: exp underflows to exactly 0, no NaN in the entropy. */
export const MASKED = -1e9;

export function createActorCritic(opts: { features: number; hidden?: number; seed: number }): ActorCritic {
  const F = opts.features, H = opts.hidden ?? 32;
  const rng = makeRng(opts.seed);
  const layer = (name: string, i: number, o: number, gain: number) => {
    const w = new Float32Array(i * o);
    const std = gain / Math.sqrt(i);
    for (let k = 0; k < w.length; k++) w[k] = rng.normal() * std;
    return [
      tf.variable(tf.tensor2d(w, [i, o]), true, `${name}.w`),
      tf.variable(tf.zeros([o]), true, `${name}.b`),
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
    const dense = (x: tf.Tensor2D, w: tf.Variable, b: tf.Variable) =>
      tf.add(tf.matMul(x, w as tf.Tensor2D), b);
    const x = tf.reshape(feats, [B * CELLS, F]) as tf.Tensor2D;
    const h1 = tf.relu(dense(x, a1w, a1b)) as tf.Tensor2D;
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
      variables.map((v) => ({ name: v.name, shape: v.shape.slice(), data: v.dataSync() as Float32Array })),
    setWeights(ws) {
      const byName = new Map(ws.map((w) => [w.name, w]));
      for (const v of variables) {
        const w = byName.get(v.name);
        if (!w) throw new Error(`actor-critic weights: missing ${v.name}`);
        if (w.shape.join("x") !== v.shape.join("x")) {
          throw new Error(`actor-critic weights: ${v.name} has shape ${w.shape}, expected ${v.shape}`);
        }
        v.assign(tf.tensor(w.data, w.shape));
      }
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
 * Act on one state. mode "sample" draws a ~ π(·|s) (training), "greedy" takes the argmax over
 * untaken cells (evaluation; NOT IN PAPER, METHOD-NOTES §1 suggests greedy).
 */
export function act(
  ac: ActorCritic,
  /** [100, F] */ feats: Float32Array,
  /** [100] */ chosen: Uint8Array,
  mode: "sample" | "greedy",
  rng: Rng,
): ActResult {
  const [logitsArr, value] = tf.tidy(() => {
    const f = tf.tensor3d(feats, [1, CELLS, ac.features]);
    const c = tf.tensor2d(Float32Array.from(chosen), [1, CELLS]);
    const { logits, value } = ac.forward(f, c);
    return [logits.dataSync() as Float32Array, value.dataSync()[0]] as const;
  });
  const probs = softmax(logitsArr);
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
