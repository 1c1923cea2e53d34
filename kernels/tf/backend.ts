/**
 * The one place that picks the tfjs backend (DESIGN.md §7): tfjs-node-gpu, tfjs-node when
 * importable, WebGPU when Deno finds a real (non-software) adapter, else wasm, else cpu.
 * Chosen once per process and logged once. `ALIGNSAM_TF_BACKEND` forces one.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";

export type BackendName = "tensorflow" | "webgpu" | "wasm" | "cpu";
let chosen: Promise<BackendName> | undefined;

/** Whether the backend can train conv2d natively (wasm lacks Conv2DBackpropFilter). */
export function hasConvGradient(name = tf.getBackend()): boolean {
  return name !== "wasm";
}

async function tryNode(): Promise<boolean> {
  for (const pkg of ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"]) {
    try {
      await import(pkg);
      if (await tf.setBackend("tensorflow")) return true;
    } catch { /* not installed: the usual case here */ }
  }
  return false;
}

async function tryWebgpu(): Promise<boolean> {
  // deno-lint-ignore no-explicit-any
  const gpu = (navigator as any).gpu;
  if (!gpu) return false;
  const adapter = await gpu.requestAdapter();
  // llvmpipe / SwiftShader are software: slower than wasm for our small nets.
  const info = adapter?.info ?? {};
  const soft = /llvmpipe|swiftshader|software/i.test(`${info.description} ${info.device} ${info.vendor}`);
  if (!adapter || (adapter.isFallbackAdapter ?? soft) || soft) return false;
  await import("@tensorflow/tfjs-backend-webgpu");
  return await tf.setBackend("webgpu");
}

async function tryWasm(): Promise<boolean> {
  const dir = new URL("../../node_modules/@tensorflow/tfjs-backend-wasm/dist/", import.meta.url);
  setWasmPaths(dir.href);
  return await tf.setBackend("wasm");
}

async function pick(): Promise<BackendName> {
  const forced = Deno.env.get("ALIGNSAM_TF_BACKEND");
  const order: [BackendName, () => Promise<boolean>][] = [
    ["tensorflow", tryNode],
    ["webgpu", tryWebgpu],
    ["wasm", tryWasm],
    ["cpu", () => tf.setBackend("cpu")],
  ];
  for (const [name, attempt] of order) {
    if (forced && forced !== name) continue;
    try {
      if (await attempt()) {
        await tf.ready();
        console.error(`[alignsam] tfjs backend: ${name}`);
        return name;
      }
    } catch { /* fall through to the next backend */ }
  }
  throw new Error(
    `no tfjs backend could start${
      forced ? ` (ALIGNSAM_TF_BACKEND=${forced})` : ""
    }; accepted: tensorflow, webgpu, wasm, cpu`,
  );
}

/** Initialise the fastest available backend once; later calls return the same choice. */
export function initTf(): Promise<BackendName> {
  chosen ??= pick();
  return chosen;
}

export { tf };
