/**
 * The worker half of kernels/tf/webgpu_remote.ts: owns tfjs-backend-webgpu and runs the kernels
 * the main thread forwards. Reads are awaited here (GPU readback is asynchronous in Deno), while
 * the main thread waits on a SharedArrayBuffer, which keeps the main thread's tfjs synchronous.
 *
 * Messages in: {op: "write", id, values, shape, dtype} | {op: "dispose", id} (no reply);
 * {op: "run", kernel, inputs, attrs} | {op: "read", id, buf} (reply in the shared buffers).
 * Reply: ctrl[0] = 1 done / 2 error, ctrl[1] = byte length, ctrl[2] = value kind (read).
 */
import { parentPort } from "node:worker_threads";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-webgpu";

type DataId = object;
type Info = { id: number; shape: number[]; dtype: tf.DataType } | null;
const KINDS = [Float32Array, Int32Array, Uint8Array] as const;

const data = new Map<number, DataId>();
let nextId = 1; // kernel outputs: positive ids; the main thread's writes use negative ones
let ctrl: Int32Array, reply: Uint8Array;
let backend: tf.KernelBackend;
/** A failed write or dispose (no reply of its own): reported with the next run or read. */
let deferred: string | undefined;

function answer(state: 1 | 2, bytes: Uint8Array, kind = 0): void {
  if (bytes.length > reply.length) {
    throw new Error(`reply of ${bytes.length} bytes exceeds the shared buffer`);
  }
  reply.set(bytes);
  ctrl[1] = bytes.length;
  ctrl[2] = kind;
  Atomics.store(ctrl, 0, state);
  Atomics.notify(ctrl, 0);
}

function run(kernel: string, inputs: Record<string, Info>, attrs: tf.NamedAttrMap): Uint8Array {
  const k = tf.getKernel(kernel, "webgpu");
  if (!k) throw new Error(`kernel ${kernel} is not registered for the webgpu backend`);
  const ins = (Array.isArray(inputs) ? [] : {}) as tf.NamedTensorInfoMap;
  for (const [name, t] of Object.entries(inputs)) {
    if (!t) continue;
    const dataId = data.get(t.id);
    if (!dataId) {
      throw new Error(`${kernel}: input ${name} refers to data ${t.id}, which this worker does not hold`);
    }
    ins[name] = { dataId, shape: t.shape, dtype: t.dtype };
  }
  const out = k.kernelFunc({ inputs: ins, attrs, backend });
  const list = Array.isArray(out) ? out : [out];
  const outs = list.map((o) => {
    const id = nextId++;
    data.set(id, o.dataId);
    return { id, shape: o.shape, dtype: o.dtype };
  });
  return new TextEncoder().encode(JSON.stringify({ outs, single: !Array.isArray(out) }));
}

const port = parentPort!;
port.on("message", async (m) => {
  try {
    switch (m.op) {
      case "init":
        ctrl = new Int32Array(m.ctrl);
        reply = new Uint8Array(m.reply);
        if (!(await tf.setBackend("webgpu"))) {
          throw new Error("tfjs-backend-webgpu did not start in the worker");
        }
        backend = tf.backend();
        port.postMessage({ ready: tf.getKernelsForBackend("webgpu").map((k) => k.kernelName) });
        return;
      case "write":
        data.set(m.id, backend.write(m.values, m.shape, m.dtype));
        return;
      case "dispose": {
        const id = data.get(m.id);
        if (!id) throw new Error("unknown data");
        backend.disposeData(id);
        data.delete(m.id);
        return;
      }
      case "run":
        if (deferred) throw new Error(deferred);
        answer(1, run(m.kernel, m.inputs, m.attrs));
        return;
      case "read": {
        if (deferred) throw new Error(deferred);
        const id = data.get(m.id);
        if (!id) throw new Error(`read of data ${m.id}, which this worker does not hold`);
        const values = await backend.read(id) as Float32Array | Int32Array | Uint8Array;
        const kind = KINDS.findIndex((K) => values instanceof K);
        const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
        new Uint8Array(m.buf).set(bytes);
        ctrl[1] = bytes.length;
        ctrl[2] = kind;
        Atomics.store(ctrl, 0, 1);
        Atomics.notify(ctrl, 0);
        return;
      }
    }
  } catch (err) {
    if (m.op === "init") port.postMessage({ error: String((err as Error)?.message ?? err) });
    else if (m.op === "run" || m.op === "read") {
      answer(2, new TextEncoder().encode(String((err as Error)?.message ?? err).slice(0, 4000)));
    } // Printing here could block on the main thread, which may be waiting: keep it for the next reply.
    else deferred ??= `${m.op} of data ${m.id} failed: ${(err as Error)?.message ?? err}`;
  }
});
