/**
 * The Semantic Recalibration Module (paper §3.3; METHOD-NOTES §2): from the recalibrated states
 * s_t = E_I(x) ⊙ M_{t−1} and s_c = E_I(x) ⊙ M_c (Eq. 11) it predicts y_r = K(V(s_c, s_t)) (Eq. 12),
 * the foreground probability on the 64 grid that labels the agent's point (label.ts). Trained
 * online with Dice + BCE (Eq. 13), q Adam steps after each action. Architecture: net.ts.
 *
 * @example
 * const srm = createSrm({ branch: "implicit", channels: 32, seed: 0, lr: SRM_LR, state: "signed" });
 * srm.train({ embedding, channels: 32, prevMask }, gt64, 1);
 * const yr = srm.predict({ embedding, channels: 32, prevMask }); // [64·64] in [0, 1]
 */
import { tf } from "../tf/backend.ts";
import { makeRng } from "../../core/rng.ts";
import { type Branch, forward, type Params, paramSpecs, type StateTensors } from "./net.ts";
import { embeddingScale, GRID, pooledState, RES, SRM_STATES, type SrmState, stateMask } from "./input.ts";
import { diceBceGrad } from "./loss.ts";
import { createAdam } from "./adam.ts";

export type { Branch, SrmState };

/**
 * Recommended Adam learning rate. The paper uses 1e-4 for everything (§4.1); the SRM here starts
 * from scratch and gets only q = 1 (implicit) / 5 (explicit) steps per action, and 1e-3 is what
 * makes the synthetic test converge in a few hundred steps (tests/srm_branches_test.ts).
 */
export const SRM_LR = 1e-3;

export interface SrmInput {
  /** [C, 64, 64] image embedding E_I(x) */
  embedding: Float32Array;
  channels: number;
  /** [64*64] previous mask M_{t-1} as probability (sigmoid of the decoder's low-res logits, resized) */
  prevMask: Float32Array;
  /** [64*64] CLIP-Surgery map M_c in [0,1]; required for the explicit branch */
  clipMap?: Float32Array;
}

export type Weights = Record<string, { shape: number[]; data: Float32Array }>;

export interface Srm {
  readonly branch: Branch;
  /** how M_{t−1} multiplies E in s_t (input.ts SrmState); saved with the weights */
  readonly state: SrmState;
  /** y_r: [64*64] foreground probability */
  predict(x: SrmInput): Float32Array;
  /**
   * `steps` Adam updates of Dice + BCE against gt64 ([64*64] soft target in [0,1]); ignore64
   * (optional, [64*64]) marks pixels left out of the loss: weight = 1 − ignore64 (so 1 = ignored,
   * as kernels/agent/grid64.gtToGrid writes it). Returns the mean loss over the steps (before each
   * update); steps = 0 returns the current loss without updating.
   */
  train(x: SrmInput, gt64: Float32Array, steps: number, ignore64?: ArrayLike<number>): number;
  getWeights(): Weights;
  setWeights(w: Weights): void;
  dispose(): void;
}

const N64 = GRID * GRID;

/** Call after `await initTf()` (the tensors live on the current backend). Deterministic given `seed`. */
export function createSrm(
  opts: { branch: Branch; channels: number; seed: number; lr: number; state: SrmState },
): Srm {
  const { branch, channels, state } = opts;
  if (!SRM_STATES.includes(state)) {
    throw new Error(`createSrm: unknown state form "${state}" (accepted: ${SRM_STATES.join(", ")})`);
  }
  if (branch !== "implicit" && branch !== "explicit") {
    throw new Error(`createSrm: unknown branch "${branch}" (accepted: implicit, explicit)`);
  }
  if (!(Number.isInteger(channels) && channels > 0)) throw new Error(`createSrm: bad channels ${channels}`);
  const rng = makeRng(opts.seed);
  const specs = paramSpecs(branch, channels);
  const params: Params = {};
  for (const s of specs) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    if (s.std > 0) { for (let i = 0; i < n; i++) data[i] = rng.normal() * s.std; }
    const init = tf.tensor(data, s.shape);
    params[s.name] = tf.variable(init, true, `srm.${opts.seed}.${s.name}.${uid++}`);
    init.dispose(); // the variable holds its own reference to the data
  }
  const varList = Object.values(params);
  const optimizer = createAdam(varList, opts.lr);
  const cache = new StateCache(branch, channels, state);
  let disposed = false;

  const alive = () => {
    if (disposed) throw new Error("SRM used after dispose()");
  };
  const logits = (s: { st: StateTensors; sc?: StateTensors }) => forward(branch, params, s.st, s.sc);

  return {
    branch,
    state,
    predict(x) {
      alive();
      const s = cache.get(x);
      const prob = tf.tidy(() => tf.sigmoid(logits(s)));
      const out = prob.dataSync() as Float32Array;
      prob.dispose();
      return new Float32Array(out);
    },
    train(x, gt64, steps, ignore64) {
      alive();
      checkLength(gt64, N64, "gt64");
      if (ignore64) checkLength(ignore64, N64, "ignore64");
      if (!(Number.isInteger(steps) && steps >= 0)) throw new Error(`SRM train: bad steps ${steps}`);
      const s = cache.get(x);
      const weight = new Float32Array(N64);
      for (let i = 0; i < N64; i++) weight[i] = ignore64 ? Math.min(1, Math.max(0, 1 - ignore64[i])) : 1;
      // Dice + BCE and its logit gradient are computed in JS (loss.ts); the network backward
      // pass then runs from that gradient through the surrogate Σ z·∂L/∂z.
      let total = 0, last = 0;
      const surrogate = () => {
        const z = logits(s);
        const { loss, dz } = diceBceGrad(z.dataSync(), gt64, weight);
        last = loss;
        return tf.sum(tf.mul(z, tf.tensor4d(dz, z.shape as [number, number, number, number]))) as tf.Scalar;
      };
      if (steps === 0) {
        tf.dispose(tf.tidy(surrogate));
        return last;
      }
      for (let i = 0; i < steps; i++) {
        optimizer.step(surrogate);
        total += last;
      }
      return total / steps;
    },
    getWeights() {
      alive();
      const out: Weights = {};
      for (const s of specs) {
        out[s.name] = { shape: [...s.shape], data: new Float32Array(params[s.name].dataSync()) };
      }
      return out;
    },
    setWeights(w) {
      alive();
      const want = specs.map((s) => s.name);
      const extra = Object.keys(w).filter((k) => !(k in params));
      if (extra.length) {
        throw new Error(`SRM setWeights: unknown tensors ${extra.join(", ")} for ${branch} branch`);
      }
      for (const s of specs) {
        const t = w[s.name];
        if (!t) {
          throw new Error(`SRM setWeights: missing "${s.name}" (${branch} branch needs ${want.join(", ")})`);
        }
        const n = s.shape.reduce((a, b) => a * b, 1);
        if (t.shape.join("x") !== s.shape.join("x") || t.data.length !== n) {
          throw new Error(
            `SRM setWeights: "${s.name}" has shape [${t.shape}] (${t.data.length} values), expected [${s.shape}]` +
              (s.name.endsWith(".wc") || s.name.startsWith("reduce")
                ? ` (embedding channels ${channels})`
                : ""),
          );
        }
      }
      tf.tidy(() => {
        for (const s of specs) params[s.name].assign(tf.tensor(w[s.name].data, s.shape));
      });
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      cache.clear();
      tf.dispose(varList);
    },
  };
}

let uid = 0;

function checkLength(a: ArrayLike<number>, n: number, what: string): void {
  if (a.length !== n) throw new Error(`SRM: ${what} has ${a.length} values, expected ${n} (64×64)`);
}

/**
 * The last input's pooled states as tensors: predict(x) then train(x) on the same step reuse
 * them. Keyed by the embedding array's identity (and length and a strided fingerprint) and by the
 * masks' contents (copied: 4096 values each), so a caller that refills a buffer in place is safe.
 */
class StateCache {
  private key?: { emb: Float32Array; fp: number; prev: Float32Array; clip?: Float32Array; scale: number };
  private value?: { st: StateTensors; sc?: StateTensors };

  constructor(readonly branch: Branch, readonly channels: number, readonly state: SrmState) {}

  get(x: SrmInput): { st: StateTensors; sc?: StateTensors } {
    const { embedding, prevMask, clipMap } = x;
    if (x.channels !== this.channels) {
      throw new Error(`SRM: input has ${x.channels} channels, this SRM was built for ${this.channels}`);
    }
    checkLength(embedding, this.channels * N64, `embedding (${this.channels} channels)`);
    checkLength(prevMask, N64, "prevMask");
    if (this.branch === "explicit" && !clipMap) {
      throw new Error(
        "SRM explicit branch needs the CLIP-Surgery map M_c (SrmInput.clipMap); run with CLIP maps or use the implicit branch",
      );
    }
    if (clipMap) checkLength(clipMap, N64, "clipMap");
    const k = this.key;
    const fp = fingerprint(embedding);
    const sameEmb = k !== undefined && k.emb === embedding && k.fp === fp;
    if (
      sameEmb && this.value && equal(k.prev, prevMask) &&
      (this.branch === "implicit" || (k.clip !== undefined && equal(k.clip, clipMap!)))
    ) return this.value;
    const scale = sameEmb ? k.scale : embeddingScale(embedding);
    this.clear();
    const upload = (mask: Float32Array): StateTensors => {
      const { rows, cols } = pooledState(embedding, this.channels, mask, scale);
      const P = RES * RES;
      return { rows: tf.tensor2d(rows, [P, this.channels]), cols: tf.tensor2d(cols, [this.channels, P]) };
    };
    this.value = {
      st: upload(stateMask(prevMask, this.state)),
      sc: this.branch === "explicit" ? upload(clipMap!) : undefined,
    };
    this.key = { emb: embedding, fp, prev: prevMask.slice(), clip: clipMap?.slice(), scale };
    return this.value;
  }

  clear(): void {
    if (this.value) {
      const { st, sc } = this.value;
      tf.dispose([st.rows, st.cols, ...(sc ? [sc.rows, sc.cols] : [])]);
    }
    this.value = undefined;
    this.key = undefined;
  }
}

function fingerprint(a: Float32Array): number {
  let h = a.length;
  const step = Math.max(1, Math.floor(a.length / 257));
  for (let i = 0; i < a.length; i += step) h = (h * 31 + a[i] * 1e4) % 1e9;
  return h;
}

function equal(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
