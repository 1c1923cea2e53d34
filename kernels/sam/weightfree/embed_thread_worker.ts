/**
 * The worker half of embed_thread.ts: embedFine per FineRequest; the FineReply transfers the
 * grid's typed arrays' buffers (no copy), or says the error. Per KernelRequest, chunks of the
 * shared mean-kernel job once it is published, answered with the rows taken.
 */
import { parentPort } from "node:worker_threads";
import { embedFine } from "./embed.ts";
import type { FineReply, FineRequest, KernelReply, KernelRequest } from "./embed_thread.ts";
import { fromMessage, runMeanKernel, waitReady } from "./mean_kernel.ts";

/**
 * How long a job may stay unpublished: the JS thread publishes or cancels it after its backbone
 * run, well within this; past it the thread leaves every row to the JS thread and goes on.
 */
const READY_TIMEOUT_MS = 60_000;

parentPort!.on("message", (m: FineRequest | KernelRequest) => {
  if ("kernel" in m) {
    let reply: KernelReply;
    try {
      const job = fromMessage(m.kernel);
      reply = { id: m.id, rows: waitReady(job, READY_TIMEOUT_MS) ? runMeanKernel(job) : 0 };
    } catch (e) {
      reply = { id: m.id, error: (e as Error).message };
    }
    parentPort!.postMessage(reply);
    return;
  }
  const { id, width, height, pixels, cfg } = m;
  let reply: FineReply, transfer: ArrayBuffer[] = [];
  try {
    const { grid, data } = embedFine({ width, height, data: new Uint8Array(pixels) }, cfg);
    const { lab, borderDist, borderColour, costs: { e, s, se, sw, meanDiff } } = grid;
    const arrays = { lab, borderDist, e, s, se, sw, borderColour, data };
    const buffers = Object.fromEntries(
      Object.entries(arrays).filter(([, a]) => a).map(([k, a]) => [k, a!.buffer as ArrayBuffer]),
    );
    reply = { id, fw: grid.fw, fh: grid.fh, meanDiff, buffers };
    transfer = Object.values(buffers);
  } catch (e) {
    reply = { id, error: (e as Error).message };
  }
  parentPort!.postMessage(reply, transfer);
});
