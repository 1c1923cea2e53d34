/**
 * The one place that chooses the compute device (issue 14): `--device auto|cpu|cuda|webgpu`
 * (param `device`, stages/config.ts). The rule for `auto`:
 *   1. onnxruntime-node's CUDA execution provider, if its provider library loads;
 *   2. else WebGPU, if Deno finds an adapter that is not a fallback (software) adapter;
 *   3. else the CPU.
 * An explicit choice is taken as asked (WebGPU on a software adapter too: that is how the agreement
 * tests run on a machine without a GPU); one that cannot start fails with the fix, never falls back.
 *
 * The choice is made once per process and logged once. The CLI puts the request in ALIGNSAM_DEVICE
 * (process-wide, so `--jobs` worker threads see it) and, for a run, the resolved device in every
 * entry's effective config.
 *
 * Cache keys: `device` is recorded, not keyed (no stage declares it). The same item computed on
 * CPU, CUDA or WebGPU agrees within float32 rounding of reordered sums (tests/gpu_*_test.ts state
 * the tolerance of each path), which is below what any metric or table here prints; keying it
 * would redo a whole cached run only because the machine changed. The entry still says which
 * device made it (`_entry.json` config.device).
 */
import { UsageError } from "../core/errors.ts";

export const DEVICES = ["auto", "cpu", "cuda", "webgpu"] as const;
export type DeviceChoice = (typeof DEVICES)[number];
export type Device = Exclude<DeviceChoice, "auto">;

/** Where the request travels to every module and worker thread of the process. */
export const DEVICE_ENV = "ALIGNSAM_DEVICE";
/** The device last logged, so that worker threads do not repeat the line. */
const LOGGED_ENV = "ALIGNSAM_DEVICE_LOGGED";

/** What Deno's WebGPU found: the adapter's name, and whether it is a software (fallback) one. */
export interface AdapterFound {
  description: string;
  software: boolean;
}

/** What the probes found on this machine. */
export interface DeviceProbe {
  /** true, or why onnxruntime-node's CUDA provider did not load */
  cuda: true | string;
  adapter?: AdapterFound;
}

/** A device that was asked for explicitly and cannot start here; the message says how to fix it. */
export class DeviceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DeviceError";
  }
}

/** Exact steps for the CUDA provider (README "GPU"). */
export const CUDA_HOWTO = "install onnxruntime-node's CUDA 12 provider: " +
  "`ONNXRUNTIME_NODE_INSTALL=cuda12 deno install --allow-scripts=npm:onnxruntime-node` " +
  "(needs CUDA 12 and cuDNN 9 libraries on the library path)";

/** The request: a value of DEVICES (throws a UsageError naming the value otherwise). */
export function parseDevice(value: string, where = DEVICE_ENV): DeviceChoice {
  if ((DEVICES as readonly string[]).includes(value)) return value as DeviceChoice;
  throw new UsageError(`${where}=${value} is not a device (accepted: ${DEVICES.join(", ")})`);
}

/** The device asked for in this process: ALIGNSAM_DEVICE, default auto. */
export function requestedDevice(): DeviceChoice {
  return parseDevice(Deno.env.get(DEVICE_ENV) ?? "auto");
}

/** The rule of this module's header, as a pure function of what the probes found. */
export function pickDevice(choice: DeviceChoice, found: DeviceProbe): { device: Device; why: string } {
  const gpu = found.adapter ? `WebGPU adapter "${found.adapter.description}"` : "no WebGPU adapter";
  switch (choice) {
    case "cpu":
      return { device: "cpu", why: "asked for" };
    case "cuda":
      if (found.cuda !== true) throw new DeviceError(`--device cuda: ${found.cuda}; ${CUDA_HOWTO}`);
      return { device: "cuda", why: "asked for; onnxruntime CUDA provider loaded" };
    case "webgpu":
      if (!found.adapter) {
        throw new DeviceError(
          "--device webgpu: Deno found no WebGPU adapter (run with --unstable-webgpu; on a bare " +
            "NVIDIA machine the Vulkan loader libvulkan1 must be installed: see bench/gpu.sh)",
        );
      }
      return { device: "webgpu", why: `asked for; ${gpu}${found.adapter.software ? " (software)" : ""}` };
    case "auto":
      if (found.cuda === true) return { device: "cuda", why: "auto: onnxruntime CUDA provider loaded" };
      if (found.adapter && !found.adapter.software) {
        return { device: "webgpu", why: `auto: no CUDA provider; ${gpu}` };
      }
      return {
        device: "cpu",
        why: `auto: no CUDA provider; ${found.adapter ? `${gpu} is a software adapter` : gpu}`,
      };
  }
}

/** Deno's WebGPU adapter, if any (needs --unstable-webgpu). */
export async function findAdapter(): Promise<AdapterFound | undefined> {
  // deno-lint-ignore no-explicit-any
  const gpu = (navigator as any).gpu;
  if (!gpu) return undefined;
  const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" }).catch(() => null);
  if (!adapter) return undefined;
  const info = adapter.info ?? {};
  const description = String(info.description || info.device || info.vendor || "unnamed adapter");
  // Deno 2.9 reports isFallbackAdapter on the info; the names catch drivers that do not set it.
  const software = !!(info.isFallbackAdapter ?? adapter.isFallbackAdapter) ||
    /llvmpipe|lavapipe|swiftshader|software/i.test(`${description} ${info.device} ${info.vendor}`);
  return { description, software };
}

/** Whether onnxruntime-node's CUDA provider loads: a one-node session on the CUDA EP. */
export async function probeCuda(): Promise<true | string> {
  const { cudaProviderLoads } = await import("./sam/onnx/cuda.ts");
  return await cudaProviderLoads();
}

const resolved = new Map<DeviceChoice, Promise<Device>>();

/**
 * The device of this process, resolved once per request and logged once. Only what the rule
 * needs is probed; `auto` also answers a later explicit request for the device it chose.
 */
export function resolveDevice(choice: DeviceChoice = requestedDevice()): Promise<Device> {
  const known = resolved.get(choice);
  if (known) return known;
  const device = (async () => {
    const found: DeviceProbe = { cuda: "not probed" };
    if (choice === "cuda" || choice === "auto") found.cuda = await probeCuda();
    if (choice === "webgpu" || (choice === "auto" && found.cuda !== true)) {
      found.adapter = await findAdapter();
    }
    const { device, why } = pickDevice(choice, found);
    // Worker threads share the environment: the first thread to resolve says it, the others not.
    if (Deno.env.get(LOGGED_ENV) !== device) {
      console.error(`[alignsam] device: ${device} (${why})`);
      Deno.env.set(LOGGED_ENV, device);
    }
    if (!resolved.has(device)) resolved.set(device, Promise.resolve(device));
    return device;
  })();
  resolved.set(choice, device);
  device.catch(() => resolved.delete(choice)); // a failed probe is not remembered
  return device;
}

/** Ask for `choice` in this process and its worker threads (the CLI calls this once). */
export function requestDevice(choice: DeviceChoice): void {
  Deno.env.set(DEVICE_ENV, choice);
}
