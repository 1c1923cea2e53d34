/**
 * Shared by the GPU agreement tests (tests/gpu_*_test.ts): whether Deno has a WebGPU adapter here
 * (this machine's is llvmpipe, a software one: enough for correctness), and the comparisons. A
 * test that needs an adapter and finds none is ignored with a line saying so, except under CI
 * (env CI set), where it runs and fails on the missing adapter: never a silent pass.
 */
import assert from "node:assert/strict";
import { type AdapterFound, findAdapter } from "../kernels/device.ts";
import { type BackendName, tf, useTfBackend } from "../kernels/tf/backend.ts";
import type { ClipTokenizer } from "../kernels/clip/tokenizer.ts";
import { CELL_FEATURES } from "../kernels/agent/features.ts";
import { computeAdvantages, type PpoBatch } from "../kernels/agent/ppo.ts";
import { makeRng } from "../core/rng.ts";

export const ADAPTER: AdapterFound | undefined = await findAdapter();
const onCi = () => !["", "0", "false"].includes(Deno.env.get("CI") ?? "");

/** Deno.test options: ignored (and said so) outside CI when there is no adapter. */
export function needsAdapter(): { ignore: boolean } {
  if (ADAPTER || onCi()) return { ignore: false };
  console.error("[tests] ignored: no WebGPU adapter (run deno test with --unstable-webgpu; see README GPU)");
  return { ignore: true };
}

/** Fails with the reason when there is no adapter (what runs under CI without one). */
export function assertAdapter(): void {
  assert.ok(
    ADAPTER,
    "no WebGPU adapter: Deno's navigator.gpu gave none (needs --unstable-webgpu and a driver)",
  );
}

/**
 * A Deno test that runs `compute` on tfjs wasm (the CPU path), then on WebGPU, from scratch each
 * time, and hands both results to `compare` (which asserts the stated tolerances).
 */
export function gpuAgreementTest<T>(
  name: string,
  compute: () => T | Promise<T>,
  compare: (gpu: T, cpu: T) => void,
) {
  Deno.test({
    name,
    ...needsAdapter(),
    fn: async () => {
      assertAdapter();
      const cpu = await onBackend("wasm", compute);
      compare(await onBackend("webgpu", compute), cpu);
    },
  });
}

/** Run `fn` on tfjs backend `name` (fresh tensors; the previous backend is restored after). */
export async function onBackend<T>(name: BackendName, fn: () => T | Promise<T>): Promise<T> {
  const before = tf.getBackend();
  await useTfBackend(name);
  try {
    return await fn();
  } finally {
    if (before) await tf.setBackend(before);
  }
}

/** max |a − b| over two equal-length arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** max |x| of an array (the scale a relative tolerance refers to). */
export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/**
 * Assert |gpu − cpu| ≤ rel · max|cpu| + abs elementwise, naming the quantity and the margin, and
 * log the measured difference (the agreement table of README "GPU" is made of these lines).
 * Returns the difference relative to max|cpu| (or absolute where rel is 0).
 */
export function assertClose(
  what: string,
  gpu: ArrayLike<number>,
  cpu: ArrayLike<number>,
  rel: number,
  abs = 0,
  log = true,
): number {
  const d = maxAbsDiff(gpu, cpu), scale = maxAbs(cpu), tol = rel * scale + abs;
  assert.ok(Number.isFinite(d) && d <= tol, `${what}: max |webgpu − cpu| ${d} > tolerance ${tol}`);
  if (log) agreement(what, d, tol);
  return rel > 0 && scale > 0 ? d / scale : d;
}

/** One line of the agreement table: `[gpu agreement] what: measured (tolerance)`. */
export function agreement(what: string, measured: number, tolerance: number | string): void {
  const tol = typeof tolerance === "number" ? tolerance.toExponential(2) : tolerance;
  console.error(
    `[gpu agreement] ${what}: max |webgpu − cpu| = ${measured.toExponential(2)} (tolerance ${tol})`,
  );
}

const SOT = 49406, EOT = 49407;

/**
 * A stand-in CLIP tokenizer (SOT, one id per character: its code mod 256, EOT, zero padding) for
 * random-weight CLIP runs that must not read the vocabulary from ../shared (GPU test and bench).
 */
export const charTokenizer: ClipTokenizer = {
  encode: (text) => [...text].map((c) => c.charCodeAt(0) % 256),
  tokenize(texts, context = 77) {
    const out = new Int32Array(texts.length * context);
    texts.forEach((t, r) => out.set([SOT, ...this.encode(t).slice(0, context - 2), EOT], r * context));
    return out;
  },
  vocab: [],
};

/**
 * A PPO batch of `episodes` T-step episodes with random cell features, actions and rewards (an
 * update reads nothing else), advantages by GAE (γ 0.99, λ 0.95). GPU test and bench.
 */
export function randomRollout(episodes: number, T = 15, seed = 11): PpoBatch {
  const rng = makeRng(seed), N = episodes * T, F = CELL_FEATURES;
  const obs = Float32Array.from({ length: N * 100 * F }, () => rng.normal());
  const actions = new Int32Array(N), logprobs = new Float32Array(N), values = new Float32Array(N);
  const rewards = new Float32Array(N), dones = new Float32Array(N);
  for (let i = 0; i < N; i++) {
    actions[i] = rng.int(100);
    logprobs[i] = Math.log(1 / 100) + 0.1 * rng.normal();
    values[i] = 0.1 * rng.normal();
    rewards[i] = rng.next() < 0.4 ? 1 : -1;
    dones[i] = i % T === T - 1 ? 1 : 0;
  }
  const { advantages, returns } = computeAdvantages(rewards, values, dones, 0.99, 0.95);
  return { obs, chosen: new Float32Array(N * 100), actions, logprobs, values, advantages, returns };
}
