/**
 * Content hashing for the cache: sha256 of bytes, strings and files (streamed, so a 100 MB
 * output never sits in memory twice), and canonical JSON so that equal params hash equally.
 */
import { createHash } from "node:crypto";

/** sha256 of a string (UTF-8) or bytes, as lowercase hex. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

const CHUNK = 4 << 20;

/**
 * sha256 of a file's content. Large files are read in 4 MiB chunks with the next read in
 * flight while the current chunk is hashed, so disk and hash overlap.
 */
export async function hashFile(path: string): Promise<string> {
  const h = createHash("sha256");
  using f = await Deno.open(path, { read: true });
  const size = (await f.stat()).size;
  if (size < CHUNK) {
    const buf = new Uint8Array(size + 1); // +1: a file that grew since stat is still read whole
    let off = 0;
    while (true) {
      const n = await f.read(buf.subarray(off));
      if (n === null) break;
      off += n;
      if (off === buf.length) return await hashFileChunked(path);
    }
    return h.update(buf.subarray(0, off)).digest("hex");
  }
  return await hashFileChunked(path);
}

async function hashFileChunked(path: string): Promise<string> {
  const h = createHash("sha256");
  using f = await Deno.open(path, { read: true });
  const bufs = [new Uint8Array(CHUNK), new Uint8Array(CHUNK)];
  let cur = 0;
  let pending = f.read(bufs[cur]);
  while (true) {
    const n = await pending;
    if (n === null) break;
    const filled = bufs[cur];
    cur ^= 1;
    pending = f.read(bufs[cur]);
    h.update(filled.subarray(0, n));
  }
  return h.digest("hex");
}

/**
 * JSON with object keys sorted at every level and no whitespace: the same value always gives
 * the same text (and so the same cache key), whatever order its keys were built in.
 * @example canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] }) === '{"a":[2,{"c":4,"d":3}],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") {
    const s = JSON.stringify(value);
    return s === undefined ? "null" : s;
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(",")}}`;
}
