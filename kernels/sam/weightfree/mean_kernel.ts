/**
 * The mean Gaussian kernel of every row vector of a [n, p] matrix against a few prototype
 * vectors (the stand-in's feature border map, ../standin/features.ts), split in chunks of rows
 * that any thread claims through one atomic counter: the JS thread and the embedding thread
 * (embed_thread.ts) share the work once the backbone is done, whichever is free takes the next
 * chunk. Every row is computed by the same code whatever thread claims it, so the map is the
 * same bit for bit as one thread's. The job is handed to the embedding thread before it is
 * filled (at the start of an embed): the thread waits for `publish`, not for a message, so it
 * starts on the rows at once when the backbone is done.
 */

/** Rows per claim: ≈ 0.1 ms of work at p = 64 and 32 prototypes, so neither thread waits long. */
export const CHUNK_ROWS = 64;

/** ctl[NEXT]: the next unclaimed chunk; ctl[DONE]: rows computed, by any thread. */
const NEXT = 0, DONE = 2;
/** ctl[STATE]: the job is being filled, ready to compute, or called off. */
const STATE = 1, FILLING = 0, READY = 1, CANCELLED = 2;

/** One mean-kernel map to compute; all arrays may live on SharedArrayBuffers. */
export interface MeanKernelJob {
  /** [n, p] the row vectors */
  rows: Float32Array;
  /** [count, p] the prototypes */
  protos: Float32Array;
  p: number;
  /** [1] k: the kernel is exp(k · squared distance), k < 0 */
  k: Float64Array;
  /** [n] the result: row i's kernel averaged over the prototypes, as float32 sums in order */
  out: Float32Array;
  /** [3] the next unclaimed chunk, the job's state (FILLING, READY or CANCELLED), rows done */
  ctl: Int32Array;
}

/** The job's buffers, as a worker message carries them (bare buffers: no element-wise clone). */
export interface MeanKernelMessage {
  rows: SharedArrayBuffer;
  protos: SharedArrayBuffer;
  k: SharedArrayBuffer;
  out: SharedArrayBuffer;
  ctl: SharedArrayBuffer;
  p: number;
}

/**
 * A job for n rows and `count` prototypes, its arrays on SharedArrayBuffers when `shared` (for
 * two threads) or plain ones; the caller fills `rows`, `protos` and `k`, then calls `publish`.
 */
export function newMeanKernelJob(n: number, count: number, p: number, shared: boolean): MeanKernelJob {
  const buffer = (bytes: number) => shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  const f32 = (len: number) => new Float32Array(buffer(len * 4));
  return {
    rows: f32(n * p),
    protos: f32(count * p),
    p,
    k: new Float64Array(buffer(8)),
    out: f32(n),
    ctl: new Int32Array(buffer(12)),
  };
}

/** The message that hands a shared job to another thread; throws unless its arrays are shared. */
export function toMessage(job: MeanKernelJob): MeanKernelMessage {
  const sab = (a: ArrayBufferView) => {
    if (!(a.buffer instanceof SharedArrayBuffer)) {
      throw new Error("meanKernel job: not on a SharedArrayBuffer");
    }
    return a.buffer;
  };
  const { rows, protos, k, out, ctl, p } = job;
  return { rows: sab(rows), protos: sab(protos), k: sab(k), out: sab(out), ctl: sab(ctl), p };
}

export function fromMessage(m: MeanKernelMessage): MeanKernelJob {
  return {
    rows: new Float32Array(m.rows),
    protos: new Float32Array(m.protos),
    p: m.p,
    k: new Float64Array(m.k),
    out: new Float32Array(m.out),
    ctl: new Int32Array(m.ctl),
  };
}

/** The job is filled: a thread in waitReady goes on to its chunks. */
export function publish(job: MeanKernelJob): void {
  Atomics.store(job.ctl, STATE, READY);
  Atomics.notify(job.ctl, STATE);
}

/** The job will not be filled (the backbone failed): a thread in waitReady returns false. */
export function cancel(job: MeanKernelJob): void {
  if (Atomics.compareExchange(job.ctl, STATE, FILLING, CANCELLED) === FILLING) Atomics.notify(job.ctl, STATE);
}

/**
 * Blocks (a worker thread only) until the job is published (true) or cancelled, or `timeoutMs`
 * passed (false). Waits in short slices, so that terminating the thread is never held up long.
 */
export function waitReady(job: MeanKernelJob, timeoutMs: number): boolean {
  const until = performance.now() + timeoutMs;
  while (Atomics.load(job.ctl, STATE) === FILLING && performance.now() < until) {
    Atomics.wait(job.ctl, STATE, FILLING, 50);
  }
  return Atomics.load(job.ctl, STATE) === READY;
}

/**
 * Blocks until every row is computed (true; job.out is then complete) or `timeoutMs` passed
 * (false). After this thread's runMeanKernel the wait is for the other thread's chunk in hand:
 * ≈ 0.1 ms, where its answering message takes ≈ 0.25 ms more (measured).
 */
export function waitDone(job: MeanKernelJob, timeoutMs: number): boolean {
  const n = job.out.length, until = performance.now() + timeoutMs;
  for (let done; (done = Atomics.load(job.ctl, DONE)) < n;) {
    if (performance.now() >= until) return false;
    Atomics.wait(job.ctl, DONE, done, 50);
  }
  return true;
}

/** Claims and computes chunks of the job until none is left; returns how many rows this call did. */
export function runMeanKernel(job: MeanKernelJob): number {
  const { rows, protos, p, out, ctl } = job;
  const n = out.length, count = protos.length / p, k = job.k[0], f32 = Math.fround;
  const d4 = new Float64Array(4), dq = new Float64Array(count);
  let done = 0;
  for (;;) {
    const from = Atomics.add(ctl, NEXT, 1) * CHUNK_ROWS;
    if (from >= n) return done;
    const to = Math.min(n, from + CHUNK_ROWS);
    for (let i = from; i < to; i++) {
      const o = i * p;
      let q = 0;
      for (; q + 4 <= count; q += 4) {
        sqDist4(rows, o, protos, q * p, (q + 1) * p, (q + 2) * p, (q + 3) * p, p, d4);
        dq.set(d4, q);
      }
      for (; q < count; q++) dq[q] = sqDist(rows, o, protos, q * p, p);
      let acc = 0;
      for (q = 0; q < count; q++) acc = f32(acc + f32(Math.exp(k * dq[q])) / count);
      out[i] = acc;
    }
    done += to - from;
    if (Atomics.add(ctl, DONE, to - from) + to - from === n) Atomics.notify(ctl, DONE);
  }
}

/** Σ_c (a[ao + c] − b[bo + c])² in float64, added in channel order. */
export function sqDist(a: Float32Array, ao: number, b: Float32Array, bo: number, p: number): number {
  let d = 0;
  for (let c = 0; c < p; c++) {
    const t = a[ao + c] - b[bo + c];
    d += t * t;
  }
  return d;
}

/**
 * sqDist of a's vector at `ao` to four of b's at once, into out[0..3]: each sum still in channel
 * order (the same values), but four independent add chains instead of one, so the adds overlap
 * (one chain waits on each add's latency: the whole cost of the border map before).
 */
export function sqDist4(
  a: Float32Array,
  ao: number,
  b: Float32Array,
  b0: number,
  b1: number,
  b2: number,
  b3: number,
  p: number,
  out: Float64Array,
): void {
  let d0 = 0, d1 = 0, d2 = 0, d3 = 0;
  for (let c = 0; c < p; c++) {
    const x = a[ao + c];
    const t0 = x - b[b0 + c], t1 = x - b[b1 + c], t2 = x - b[b2 + c], t3 = x - b[b3 + c];
    d0 += t0 * t0;
    d1 += t1 * t1;
    d2 += t2 * t2;
    d3 += t3 * t3;
  }
  out[0] = d0;
  out[1] = d1;
  out[2] = d2;
  out[3] = d3;
}
