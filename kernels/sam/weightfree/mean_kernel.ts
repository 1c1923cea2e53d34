/**
 * The mean Gaussian kernel of every row vector of a [n, p] matrix against a few prototype
 * vectors (the stand-in's feature border map, ../standin/features.ts), split in chunks of rows
 * that any thread claims through one atomic counter: the JS thread and the embedding thread
 * (embed_thread.ts) share the work once the backbone is done, whichever is free takes the next
 * chunk. Every row is computed by the same code whatever thread claims it, so the map is the
 * same bit for bit as one thread's.
 */

/** Rows per claim: ≈ 0.1 ms of work at p = 64 and 32 prototypes, so neither thread waits long. */
export const CHUNK_ROWS = 64;

/** One mean-kernel map to compute; all arrays may live on SharedArrayBuffers. */
export interface MeanKernelJob {
  /** [n, p] the row vectors */
  rows: Float32Array;
  /** [count, p] the prototypes */
  protos: Float32Array;
  p: number;
  /** the kernel is exp(k · squared distance), k < 0 */
  k: number;
  /** [n] the result: row i's kernel averaged over the prototypes, as float32 sums in order */
  out: Float32Array;
  /** [1] the next unclaimed chunk */
  next: Int32Array;
}

/** The job's buffers, as a worker message carries them (bare buffers: no element-wise clone). */
export interface MeanKernelMessage {
  rows: SharedArrayBuffer;
  protos: SharedArrayBuffer;
  out: SharedArrayBuffer;
  next: SharedArrayBuffer;
  p: number;
  k: number;
}

/**
 * A job for n rows and `count` prototypes, its arrays on SharedArrayBuffers when `shared` (for
 * two threads) or plain ones; the caller fills `rows`, `protos` and `k`.
 */
export function newMeanKernelJob(n: number, count: number, p: number, shared: boolean): MeanKernelJob {
  const buffer = (bytes: number) => shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  const f32 = (len: number) => new Float32Array(buffer(len * 4));
  return { rows: f32(n * p), protos: f32(count * p), p, k: 0, out: f32(n), next: new Int32Array(buffer(4)) };
}

/** The message that hands a shared job to another thread; throws unless its arrays are shared. */
export function toMessage(job: MeanKernelJob): MeanKernelMessage {
  const sab = (a: ArrayBufferView) => {
    if (!(a.buffer instanceof SharedArrayBuffer)) {
      throw new Error("meanKernel job: not on a SharedArrayBuffer");
    }
    return a.buffer;
  };
  return {
    rows: sab(job.rows),
    protos: sab(job.protos),
    out: sab(job.out),
    next: sab(job.next),
    p: job.p,
    k: job.k,
  };
}

export function fromMessage(m: MeanKernelMessage): MeanKernelJob {
  return {
    rows: new Float32Array(m.rows),
    protos: new Float32Array(m.protos),
    out: new Float32Array(m.out),
    next: new Int32Array(m.next),
    p: m.p,
    k: m.k,
  };
}

/** Claims and computes chunks of the job until none is left; returns how many rows this call did. */
export function runMeanKernel(job: MeanKernelJob): number {
  const { rows, protos, p, k, out, next } = job;
  const n = out.length, count = protos.length / p, f32 = Math.fround;
  const d4 = new Float64Array(4), dq = new Float64Array(count);
  let done = 0;
  for (;;) {
    const from = Atomics.add(next, 0, 1) * CHUNK_ROWS;
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
