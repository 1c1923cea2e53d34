/**
 * The safetensors format (Hugging Face): 8-byte little-endian header length N, N bytes of JSON
 * `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {...}}`, then the raw
 * little-endian tensor bytes, offsets relative to the end of the header.
 *
 * We read F32, F16 and BF16 tensors as Float32Array (CLIP checkpoints are published in F32 and
 * F16) and keep integer tensors (HF's `position_ids`) as raw bytes we never use.
 *
 * @example
 * const file = parseSafetensors(await Deno.readFile("model.safetensors"), "model.safetensors");
 * file.get("logit_scale"); // { dtype: "F32", shape: [], data: Float32Array [1] }
 */
import { ModelError } from "../../core/errors.ts";

export interface SafeTensor {
  dtype: string;
  shape: number[];
  /** values as float32 (float dtypes), row-major */
  data: Float32Array;
}

const BYTES: Record<string, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

function f16ToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

function toFloat32(dtype: string, bytes: Uint8Array, count: number): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dtype === "F32") {
    // Copy when misaligned (the header length need not be a multiple of 4).
    if (bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, count);
    return new Float32Array(bytes.slice().buffer, 0, count);
  }
  const out = new Float32Array(count);
  if (dtype === "F16") { for (let i = 0; i < count; i++) out[i] = f16ToF32(view.getUint16(2 * i, true)); }
  else if (dtype === "BF16") {
    const u = new Uint32Array(out.buffer);
    for (let i = 0; i < count; i++) u[i] = view.getUint16(2 * i, true) << 16;
  } else if (dtype === "F64") { for (let i = 0; i < count; i++) out[i] = view.getFloat64(8 * i, true); }
  return out;
}

/**
 * Parse a whole safetensors file held in memory. Float tensors come back as Float32Array
 * (F32 ones as views into `bytes` where aligned); non-float tensors are listed in `skipped`.
 */
export function parseSafetensors(
  bytes: Uint8Array,
  source: string,
): { tensors: Map<string, SafeTensor>; skipped: string[]; metadata: Record<string, string> } {
  const bad = (why: string) => new ModelError(`${source} is not a valid safetensors file: ${why}`, source);
  if (bytes.length < 8) throw bad("shorter than its 8-byte header length");
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (n <= 0 || 8 + n > bytes.length) throw bad(`header length ${n} does not fit in ${bytes.length} bytes`);
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    throw bad(`header is not JSON (${(e as Error).message})`);
  }
  const body = 8 + n;
  const tensors = new Map<string, SafeTensor>();
  const skipped: string[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, info] of Object.entries(header)) {
    if (name === "__metadata__") {
      metadata = info as unknown as Record<string, string>;
      continue;
    }
    const width = BYTES[info.dtype];
    if (!width) throw bad(`tensor ${name} has unknown dtype ${info.dtype}`);
    const count = info.shape.reduce((a, b) => a * b, 1);
    const [begin, end] = info.data_offsets;
    if (end - begin !== count * width || body + end > bytes.length) {
      throw bad(`tensor ${name} (${info.dtype} ${JSON.stringify(info.shape)}) has offsets ${begin}..${end}`);
    }
    if (!["F32", "F16", "BF16", "F64"].includes(info.dtype)) {
      skipped.push(name);
      continue;
    }
    const raw = bytes.subarray(body + begin, body + end);
    tensors.set(name, { dtype: info.dtype, shape: info.shape, data: toFloat32(info.dtype, raw, count) });
  }
  return { tensors, skipped, metadata };
}

/** Serialise float32 tensors as safetensors (tests write tiny checkpoints with real tensor names). */
export function writeSafetensors(
  tensors: ReadonlyMap<string, { shape: number[]; data: Float32Array }>,
  metadata?: Record<string, string>,
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    header[name] = { dtype: "F32", shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  // Pad the header with spaces so the tensor bytes start 8-byte aligned (as HF's writer does).
  json += " ".repeat((8 - ((8 + new TextEncoder().encode(json).length) % 8)) % 8);
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const t of tensors.values()) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}
