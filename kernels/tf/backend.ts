/**
 * The one place that picks the tfjs backend (DESIGN.md §7), from the device kernels/device.ts
 * chose for this process:
 * - cuda: tfjs-node-gpu if installed, else WebGPU on a hardware adapter, else wasm, else cpu;
 * - webgpu: tfjs-backend-webgpu in a worker thread (kernels/tf/webgpu_remote.ts), on any adapter,
 *   a software one too (asked for explicitly);
 * - cpu: tfjs-node if installed, else wasm, else cpu.
 * Chosen once per process and logged once. `ALIGNSAM_TF_BACKEND` forces one backend.
 * WebGPU trains conv2d natively (Conv2DBackpropFilter), so kernels/tf/conv2d.ts keeps its
 * hybrid/im2col workaround for the CPU backends only.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { type Device, findAdapter, resolveDevice } from "../device.ts";

export type BackendName = "tensorflow" | "webgpu" | "wasm" | "cpu";
export const BACKENDS: readonly BackendName[] = ["tensorflow", "webgpu", "wasm", "cpu"];
let chosen: Promise<BackendName> | undefined;

/** Whether the backend can train conv2d natively (wasm lacks Conv2DBackpropFilter). */
export function hasConvGradient(name = tf.getBackend()): boolean {
  return name !== "wasm";
}

/** The backends tried for a device, in order, and whether WebGPU may use a software adapter. */
export function backendOrder(device: Device): { order: BackendName[]; softwareGpu: boolean } {
  switch (device) {
    case "cuda":
      return { order: ["tensorflow", "webgpu", "wasm", "cpu"], softwareGpu: false };
    case "webgpu":
      return { order: ["webgpu"], softwareGpu: true };
    case "cpu":
      return { order: ["tensorflow", "wasm", "cpu"], softwareGpu: false };
  }
}

async function tryNode(device: Device): Promise<boolean> {
  // tfjs-node-gpu binds TensorFlow's CUDA build: only where the device is the GPU.
  const pkgs = device === "cuda"
    ? ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"]
    : ["@tensorflow/tfjs-node"];
  for (const pkg of pkgs) {
    try {
      await import(pkg);
      if (await tf.setBackend("tensorflow")) return true;
    } catch { /* not installed: the usual case here */ }
  }
  return false;
}

async function tryWebgpu(softwareGpu: boolean): Promise<boolean> {
  const adapter = await findAdapter();
  // llvmpipe / SwiftShader are software: slower than wasm for our small nets unless asked for.
  if (!adapter || (adapter.software && !softwareGpu)) return false;
  // tfjs-backend-webgpu runs in a worker (webgpu_remote.ts says why); never import it here, or its
  // own "webgpu" registration would shadow the forwarding one.
  await import("./webgpu_remote.ts");
  return await tf.setBackend("webgpu");
}

async function tryWasm(): Promise<boolean> {
  const dir = new URL("../../node_modules/@tensorflow/tfjs-backend-wasm/dist/", import.meta.url);
  setWasmPaths(dir.href);
  return await tf.setBackend("wasm");
}

function attempt(name: BackendName, device: Device, softwareGpu: boolean): Promise<boolean> {
  switch (name) {
    case "tensorflow":
      return tryNode(device);
    case "webgpu":
      return tryWebgpu(softwareGpu);
    case "wasm":
      return tryWasm();
    case "cpu":
      return tf.setBackend("cpu");
  }
}

async function pick(): Promise<BackendName> {
  const forced = Deno.env.get("ALIGNSAM_TF_BACKEND") as BackendName | undefined;
  if (forced && !BACKENDS.includes(forced)) {
    throw new Error(`ALIGNSAM_TF_BACKEND=${forced} is not a backend (accepted: ${BACKENDS.join(", ")})`);
  }
  const device = await resolveDevice();
  const { order, softwareGpu } = backendOrder(device);
  for (const name of forced ? [forced] : order) {
    try {
      if (await attempt(name, device, forced ? true : softwareGpu)) {
        await tf.ready();
        console.error(`[alignsam] tfjs backend: ${name}`);
        return name;
      }
    } catch { /* fall through to the next backend */ }
  }
  throw new Error(
    `no tfjs backend could start for device ${device}${forced ? ` (ALIGNSAM_TF_BACKEND=${forced})` : ""}; ` +
      `tried: ${(forced ? [forced] : order).join(", ")}`,
  );
}

/** Initialise the backend of this process's device once; later calls return the same choice. */
export function initTf(): Promise<BackendName> {
  chosen ??= pick();
  return chosen;
}

/**
 * Switch this process to `name` (agreement tests and GPU benches compare backends in one
 * process); later initTf() calls keep it. Tensors made before stay on their backend's memory.
 */
export async function useTfBackend(name: BackendName, device: Device = "cpu"): Promise<void> {
  if (!(await attempt(name, device, true))) throw new Error(`tfjs backend ${name} could not start here`);
  await tf.ready();
  chosen = Promise.resolve(name);
}

export { tf };
