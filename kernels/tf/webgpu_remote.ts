/**
 * tfjs's "webgpu" backend for Deno, run in a worker thread (kernels/tf/webgpu_worker.ts).
 *
 * Why: tfjs-backend-webgpu reads GPU data synchronously (dataSync) through a 2-D canvas, which
 * Deno lacks, and WebGPU itself only reads back asynchronously (mapAsync). Every kernel here
 * (SRM, PPO, CLIP Surgery) reads results with dataSync. So the GPU backend lives in a worker that
 * awaits its reads, and this thread's backend forwards each kernel to it and waits on a
 * SharedArrayBuffer (Atomics.wait): the kernels' code stays synchronous and unchanged, autodiff
 * stays on this thread, and only shapes and reads cross the thread boundary. Cost: one round
 * trip per kernel (~0.1 ms measured here on 2 loaded cores), which bench/gpu.ts includes.
 */
import { Worker } from "node:worker_threads";
import * as tf from "@tensorflow/tfjs-core";

const KINDS = [Float32Array, Int32Array, Uint8Array] as const;
const REPLY_BYTES = 1 << 20;
/** A kernel or read that takes longer is reported as a hung worker instead of waiting forever. */
const WAIT_MS = 300_000;

interface Entry {
  /** the worker's id of this data */
  wid: number;
  dtype: tf.DataType;
  size: number;
  refCount: number;
}
type RunReply = { outs: { id: number; shape: number[]; dtype: tf.DataType }[]; single: boolean };

class RemoteWebgpuBackend extends tf.KernelBackend {
  private readonly data: tf.DataStorage<Entry>;
  private nextWrite = -1;

  constructor(
    private readonly worker: Worker,
    private readonly ctrl: Int32Array,
    private readonly reply: Uint8Array,
  ) {
    super();
    this.data = new tf.DataStorage(this, tf.engine());
  }

  /** Post `msg` and wait for the worker's answer in the shared buffers. */
  private call(msg: Record<string, unknown>): void {
    Atomics.store(this.ctrl, 0, 0);
    this.worker.postMessage(msg);
    if (Atomics.wait(this.ctrl, 0, 0, WAIT_MS) === "timed-out") {
      throw new Error(`webgpu worker: no answer to ${msg.op} ${msg.kernel ?? ""} in ${WAIT_MS / 1000} s`);
    }
    if (this.ctrl[0] === 2) {
      throw new Error(`webgpu worker: ${new TextDecoder().decode(this.reply.slice(0, this.ctrl[1]))}`);
    }
  }

  private put(
    dataId: object,
    values: tf.BackendValues,
    shape: number[],
    dtype: tf.DataType,
    refCount: number,
  ) {
    const wid = this.nextWrite--;
    this.worker.postMessage({ op: "write", id: wid, values, shape, dtype });
    this.data.set(dataId, { wid, dtype, size: tf.util.sizeFromShape(shape), refCount });
  }

  override write(values: tf.BackendValues, shape: number[], dtype: tf.DataType): object {
    const dataId = {};
    this.put(dataId, values, shape, dtype, 1);
    return dataId;
  }

  override move(
    dataId: object,
    values: tf.BackendValues,
    shape: number[],
    dtype: tf.DataType,
    refCount: number,
  ) {
    this.put(dataId, values, shape, dtype, refCount);
  }

  override refCount(dataId: object): number {
    return this.data.has(dataId) ? this.data.get(dataId).refCount : 0;
  }

  override incRef(dataId: object): void {
    this.data.get(dataId).refCount++;
  }

  override numDataIds(): number {
    return this.data.numDataIds();
  }

  override readSync(dataId: object): tf.BackendValues {
    const e = this.data.get(dataId);
    if (e.dtype === "string" || e.dtype === "complex64") {
      throw new Error(`webgpu worker: cannot read ${e.dtype}`);
    }
    const buf = new SharedArrayBuffer(Math.max(4, e.size * 4));
    this.call({ op: "read", id: e.wid, buf });
    // Copy out of the shared buffer: tfjs keeps and may hand on what read returns.
    const bytes = new Uint8Array(this.ctrl[1]);
    bytes.set(new Uint8Array(buf, 0, bytes.length));
    return new KINDS[this.ctrl[2]](bytes.buffer);
  }

  override read(dataId: object): Promise<tf.BackendValues> {
    return Promise.resolve(this.readSync(dataId));
  }

  override disposeData(dataId: object, force = false): boolean {
    if (!this.data.has(dataId)) return true;
    const e = this.data.get(dataId);
    e.refCount--;
    if (!force && e.refCount > 0) return false;
    this.worker.postMessage({ op: "dispose", id: e.wid });
    this.data.delete(dataId);
    return true;
  }

  /** Run `kernel` in the worker; the outputs become this backend's data. */
  runKernel(
    kernel: string,
    inputs: tf.NamedTensorInfoMap,
    attrs: tf.NamedAttrMap,
  ): tf.TensorInfo | tf.TensorInfo[] {
    // Concat, AddN and the like take an array of inputs: keep it an array.
    const ins = (Array.isArray(inputs) ? [] : {}) as Record<string, unknown>;
    for (const [name, t] of Object.entries(inputs)) {
      ins[name] = t ? { id: this.data.get(t.dataId).wid, shape: t.shape, dtype: t.dtype } : null;
    }
    this.call({ op: "run", kernel, inputs: ins, attrs });
    const r = JSON.parse(new TextDecoder().decode(this.reply.slice(0, this.ctrl[1]))) as RunReply;
    const outs = r.outs.map((o) => {
      const dataId = {};
      this.data.set(dataId, { wid: o.id, dtype: o.dtype, size: tf.util.sizeFromShape(o.shape), refCount: 1 });
      return { dataId, shape: o.shape, dtype: o.dtype };
    });
    return r.single ? outs[0] : outs;
  }

  override memory() {
    return { unreliable: true, reasons: ["tensors live in the webgpu worker thread"] };
  }
  override floatPrecision(): 32 {
    return 32;
  }
  override epsilon(): number {
    return 1e-7;
  }
  override timerAvailable(): boolean {
    return true;
  }
  override async time(f: () => void): Promise<tf.BackendTimingInfo> {
    const t0 = performance.now();
    f();
    return await Promise.resolve({ kernelMs: performance.now() - t0 });
  }
  override dispose(): void {
    void this.worker.terminate();
  }
}

/** Start the worker's WebGPU backend and forward every kernel it has. */
async function create(): Promise<RemoteWebgpuBackend> {
  // node:worker_threads rather than a web Worker: it can be unref'd, so an idle GPU worker does
  // not keep a finished program alive.
  const worker = new Worker(new URL("./webgpu_worker.ts", import.meta.url));
  const ctrl = new SharedArrayBuffer(16), reply = new SharedArrayBuffer(REPLY_BYTES);
  const ready = await new Promise<{ ready?: string[]; error?: string }>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", (e: Error) => reject(new Error(`webgpu worker failed to start: ${e.message}`)));
    worker.postMessage({ op: "init", ctrl, reply });
  });
  if (!ready.ready) {
    await worker.terminate();
    throw new Error(ready.error ?? "webgpu worker did not start");
  }
  worker.unref();
  for (const kernelName of ready.ready) {
    tf.registerKernel({
      kernelName,
      backendName: "webgpu",
      kernelFunc: ({ inputs, attrs, backend }) =>
        (backend as RemoteWebgpuBackend).runKernel(kernelName, inputs as tf.NamedTensorInfoMap, attrs ?? {}),
    });
  }
  return new RemoteWebgpuBackend(worker, new Int32Array(ctrl), new Uint8Array(reply));
}

// Lowest priority: tfjs never starts it on its own, only when asked by name (kernels/tf/backend.ts).
tf.registerBackend("webgpu", create, -1);
