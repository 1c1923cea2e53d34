/**
 * The trained agent on disk: actor-critic + feature projection + SRM weights in two files,
 * `agent.json` (structure, with every Float32Array replaced by {"$f32": offset, "length"}) and
 * `agent.bin` (the float32 data, little-endian, concatenated). Any nesting of plain objects,
 * arrays, numbers, strings and Float32Arrays round-trips, so the SRM's weight format is its own.
 */
import { DataError } from "../../core/errors.ts";
import type { FeatureSpec } from "./features.ts";
import type { NamedWeight } from "./policy.ts";
import type { SrmState } from "../srm/input.ts";

export const WEIGHTS_JSON = "agent.json";
export const WEIGHTS_BIN = "agent.bin";

export interface AgentWeights {
  version: 1;
  featureSpec: FeatureSpec;
  actorCritic: NamedWeight[];
  /** state: absent in agents saved before it existed, which used "masked" */
  srm: { branch: "implicit" | "explicit"; channels: number; state?: SrmState; weights: unknown };
  meta: {
    task: string;
    T: number;
    E: number;
    branch: "implicit" | "explicit";
    variant: string;
    seed: number;
    segmenter: string;
  };
}

/** Split a value into JSON text and one float32 blob. */
export function encodeWeights(w: AgentWeights): { json: string; bin: Uint8Array } {
  const chunks: Float32Array[] = [];
  let offset = 0;
  const walk = (v: unknown): unknown => {
    if (v instanceof Float32Array) {
      const ref = { $f32: offset, length: v.length };
      chunks.push(v);
      offset += v.length;
      return ref;
    }
    if (ArrayBuffer.isView(v)) {
      throw new DataError(`agent weights: only Float32Array is stored, got ${v.constructor.name}`);
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  const json = JSON.stringify(walk(w));
  const all = new Float32Array(offset);
  let o = 0;
  for (const c of chunks) all.set(c, (o += c.length) - c.length);
  return { json, bin: new Uint8Array(all.buffer) };
}

export function decodeWeights(json: string, bin: Uint8Array, where = "agent weights"): AgentWeights {
  if (bin.byteLength % 4 !== 0) throw new DataError(`${where}: ${WEIGHTS_BIN} is not float32 data`);
  const all = new Float32Array(bin.slice().buffer);
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") {
      const r = v as { $f32?: number; length?: number };
      if (typeof r.$f32 === "number" && typeof r.length === "number") {
        if (r.$f32 + r.length > all.length) throw new DataError(`${where}: ${WEIGHTS_BIN} is truncated`);
        return all.slice(r.$f32, r.$f32 + r.length);
      }
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  const w = walk(JSON.parse(json)) as AgentWeights;
  if (w.version !== 1 || !w.featureSpec || !Array.isArray(w.actorCritic) || !w.srm) {
    throw new DataError(`${where}: ${WEIGHTS_JSON} is not an alignsam agent (version ${w.version})`);
  }
  return w;
}

export async function saveAgentWeights(dir: string, w: AgentWeights): Promise<void> {
  const { json, bin } = encodeWeights(w);
  await Deno.writeTextFile(`${dir}/${WEIGHTS_JSON}`, json);
  await Deno.writeFile(`${dir}/${WEIGHTS_BIN}`, bin);
}

/** Read a train-agent entry's weights; a missing file is named in the error. */
export async function loadAgentWeights(dir: string): Promise<AgentWeights> {
  const read = async <T>(name: string, f: (p: string) => Promise<T>): Promise<T> => {
    try {
      return await f(`${dir}/${name}`);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) {
        throw new DataError(
          `agent weights: missing ${dir}/${name} (is this a train-agent entry?)`,
          `${dir}/${name}`,
        );
      }
      throw e;
    }
  };
  const json = await read(WEIGHTS_JSON, Deno.readTextFile);
  const bin = await read(WEIGHTS_BIN, Deno.readFile);
  return decodeWeights(json, bin, dir);
}
