/**
 * One embedding as bytes (DESIGN.md §4: no JSON of floats for anything large):
 *   "ASEM" | u32 LE header length | UTF-8 JSON header | padding to 4 | float32 LE data | aux arrays
 * The header names dtype, shape, channels, image size, segmenter id and each aux array's name
 * and shape, in the order their data follows.
 *
 * @example
 * decodeEmbedding(encodeEmbedding(emb)); // equal to emb, bit for bit
 */
import type { AuxArray, Embedding } from "./segmenter.ts";

const MAGIC = "ASEM";

interface Header {
  version: 1;
  dtype: "float32";
  shape: number[];
  channels: number;
  width: number;
  height: number;
  segmenter: string;
  aux: { name: string; shape: number[] }[];
}

const LE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Little-endian bytes of a float32 array (a plain copy on little-endian hosts). */
function f32Bytes(a: Float32Array): Uint8Array {
  const out = new Uint8Array(a.length * 4);
  if (LE) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  } else {
    const dv = new DataView(out.buffer);
    a.forEach((v, i) => dv.setFloat32(i * 4, v, true));
  }
  return out;
}

function readF32(bytes: Uint8Array, offset: number, n: number): Float32Array {
  const out = new Float32Array(n);
  if (LE) {
    new Uint8Array(out.buffer).set(bytes.subarray(offset, offset + n * 4));
  } else {
    const dv = new DataView(bytes.buffer, bytes.byteOffset + offset, n * 4);
    for (let i = 0; i < n; i++) out[i] = dv.getFloat32(i * 4, true);
  }
  return out;
}

const product = (s: number[]) => s.reduce((a, b) => a * b, 1);

export function encodeEmbedding(e: Embedding): Uint8Array {
  const side = Math.round(Math.sqrt(e.data.length / e.channels));
  if (side * side * e.channels !== e.data.length) {
    throw new RangeError(`embedding has ${e.data.length} values: not ${e.channels} square channels`);
  }
  const auxEntries = Object.entries(e.aux ?? {});
  const header: Header = {
    version: 1,
    dtype: "float32",
    shape: [e.channels, side, side],
    channels: e.channels,
    width: e.width,
    height: e.height,
    segmenter: e.segmenter,
    aux: auxEntries.map(([name, a]) => ({ name, shape: a.shape })),
  };
  for (const [name, a] of auxEntries) {
    if (product(a.shape) !== a.data.length) {
      throw new RangeError(`aux '${name}': shape [${a.shape}] does not match ${a.data.length} values`);
    }
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headLen = 8 + json.length;
  const pad = (4 - (headLen % 4)) % 4;
  const arrays = [e.data, ...auxEntries.map(([, a]) => a.data)];
  const total = headLen + pad + arrays.reduce((s, a) => s + a.length * 4, 0);
  const out = new Uint8Array(total);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(4, json.length + pad, true);
  out.set(json, 8);
  out.fill(0x20, headLen, headLen + pad); // spaces: the JSON stays parseable with its padding
  let off = headLen + pad;
  for (const a of arrays) {
    out.set(f32Bytes(a), off);
    off += a.length * 4;
  }
  return out;
}

export function decodeEmbedding(bytes: Uint8Array): Embedding {
  if (bytes.length < 8 || new TextDecoder().decode(bytes.subarray(0, 4)) !== MAGIC) {
    throw new RangeError("not an embedding file (missing ASEM magic)");
  }
  const len = new DataView(bytes.buffer, bytes.byteOffset).getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + len))) as Header;
  if (header.version !== 1 || header.dtype !== "float32") {
    throw new RangeError(`unsupported embedding header: version ${header.version}, dtype ${header.dtype}`);
  }
  let off = 8 + len;
  const take = (n: number) => {
    if (off + n * 4 > bytes.length) throw new RangeError(`embedding file truncated at byte ${off}`);
    const a = readF32(bytes, off, n);
    off += n * 4;
    return a;
  };
  const data = take(product(header.shape));
  const aux: Record<string, AuxArray> = {};
  for (const a of header.aux) aux[a.name] = { shape: a.shape, data: take(product(a.shape)) };
  if (off !== bytes.length) throw new RangeError(`embedding file has ${bytes.length - off} trailing bytes`);
  return {
    data,
    channels: header.channels,
    width: header.width,
    height: header.height,
    segmenter: header.segmenter,
    ...(header.aux.length ? { aux } : {}),
  };
}
