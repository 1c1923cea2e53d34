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
