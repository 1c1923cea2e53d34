/**
 * embedFine (embed.ts) on a worker thread. The stand-in segmenter (../standin/) runs its
 * backbone with onnxruntime-node, whose `session.run` is synchronous on the JS thread (its
 * promise only defers the call), so the weight-free grid it also needs can only overlap the
 * backbone from another thread: issue 15's embed target (≤ 40 ms per 500×375 image) is out of
 * reach with the two in series. Same code, same V8: the grid is bit-identical to embedFine's.
 * Once the grid is done the thread would idle while the backbone finishes; it then takes chunks
 * of the feature term's border map (helpMeanKernel, mean_kernel.ts) beside the JS thread.
 *
 * node:worker_threads rather than a web Worker: it can be unref'd while idle, so a segmenter
 * that is never disposed does not keep a finished program alive (as kernels/tf/webgpu_remote.ts).
 * Messages carry bare ArrayBuffers, transferred: Deno's node:worker_threads clones a typed array
 * element by element (≈ 60 ms for a 500×375 image, measured), a transferred buffer in ≈ 0.4 ms.
 */
import { Worker } from "node:worker_threads";
import type { RGBImage } from "../../../core/image.ts";
import { ModelError } from "../../../core/errors.ts";
import type { AuxArray } from "../segmenter.ts";
import type { WeightFreeConfig } from "./config.ts";
import { fineAux } from "./embed.ts";
import type { FineGrid } from "./grid.ts";
import { type MeanKernelJob, type MeanKernelMessage, toMessage } from "./mean_kernel.ts";

/** The typed arrays of a fine grid and its [16, 64, 64] features, each with a buffer of its own. */
type FineArray = "lab" | "borderDist" | "e" | "s" | "se" | "sw" | "borderColour" | "data";

/** What the worker answers to one image: the grid's numbers and its arrays' buffers. */
export type FineReply =
  | {
    id: number;
    fw: number;
    fh: number;
    meanDiff: number;
    buffers: Partial<Record<FineArray, ArrayBuffer>>;
  }
  | { id: number; error: string };

/** What the main thread sends: the image's pixels as a buffer of their own. */
export interface FineRequest {
  id: number;
  width: number;
  height: number;
  pixels: ArrayBuffer;
  cfg: WeightFreeConfig;
}

/** A share of a mean-kernel job (mean_kernel.ts); the worker answers how many rows it took. */
export interface KernelRequest {
  id: number;
  kernel: MeanKernelMessage;
}
export type KernelReply = { id: number; rows: number } | { id: number; error: string };

export interface EmbedThread {
  /** embedFine(image, cfg), computed on the worker thread */
  embedFine(
    image: RGBImage,
    cfg: WeightFreeConfig,
  ): Promise<{ grid: FineGrid; data: Float32Array; aux: Record<string, AuxArray> }>;
  /**
   * Takes chunks of a shared job on the worker thread (after any embedFine before it), once the
   * caller publishes it (mean_kernel.ts), while the caller runs runMeanKernel(job) here; resolves,
   * with the rows it took, once the worker is done with the job: only then is job.out complete.
   * The caller must publish or cancel the job: till then it holds up the thread.
   */
  helpMeanKernel(job: MeanKernelJob): Promise<number>;
  dispose(): Promise<void>;
}

/** A worker thread for `who`'s fine grids; it starts on the first call. */
export function createEmbedThread(who: string): EmbedThread {
  let worker: Worker | undefined;
  let nextId = 0;
  type Reply = FineReply | KernelReply;
  const pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  /** Reject every request in flight on `w` (unless `w` was already replaced): the next starts anew. */
  const failAll = (w: Worker, e: Error) => {
    if (worker !== w) return;
    worker = undefined;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  const start = (): Worker => {
    const w = new Worker(new URL("./embed_thread_worker.ts", import.meta.url));
    w.on("message", (r: Reply) => {
      const p = pending.get(r.id);
      pending.delete(r.id);
      if (pending.size === 0) w.unref(); // idle: let a finished program exit
      p?.resolve(r);
    });
    w.on("error", (e: Error) => failAll(w, new ModelError(`${who}: embedding thread failed: ${e.message}`)));
    w.on("exit", (code: number) => failAll(w, new ModelError(`${who}: embedding thread exited (${code})`)));
    return w;
  };
  /** Posts a request made with its id (transferring `transfer`) and resolves with the answer. */
  const ask = async <R extends Reply>(request: (id: number) => object, transfer: ArrayBuffer[] = []) => {
    worker ??= start();
    const id = nextId++;
    const reply = new Promise<Reply>((resolve, reject) => pending.set(id, { resolve, reject }));
    worker.ref(); // a request in flight keeps the program alive until it is answered
    worker.postMessage(request(id), transfer);
    const r = await reply;
    if ("error" in r) throw new ModelError(`${who}: ${r.error}`);
    return r as Exclude<R, { error: string }>;
  };
  return {
    async embedFine(image, cfg) {
      const pixels = image.data.slice().buffer;
      const r = await ask<FineReply>(
        (id): FineRequest => ({ id, width: image.width, height: image.height, pixels, cfg }),
        [pixels],
      );
      const f32 = (name: FineArray) => new Float32Array(r.buffers[name]!);
      const { fw, fh, meanDiff, buffers } = r;
      const grid: FineGrid = {
        fw,
        fh,
        width: image.width,
        height: image.height,
        lab: f32("lab"),
        borderDist: f32("borderDist"),
        costs: { width: fw, height: fh, e: f32("e"), s: f32("s"), se: f32("se"), sw: f32("sw"), meanDiff },
        seeds: new Map(),
        borderColour: buffers.borderColour ? f32("borderColour") : undefined,
      };
      return { grid, data: f32("data"), aux: fineAux(grid) };
    },
    async helpMeanKernel(job) {
      const kernel = toMessage(job);
      return (await ask<KernelReply>((id): KernelRequest => ({ id, kernel }))).rows;
    },
    async dispose() {
      const w = worker;
      if (!w) return;
      failAll(w, new ModelError(`${who}: disposed while an embedding was in flight`));
      await w.terminate();
    },
  };
}
