/**
 * RunContext.memo's store (issue 16 point 8): `blobs/<sha256(memo key)>` holds the bytes and
 * `blobs/<…>.json` their size and sha256. Every read re-hashes the bytes (memo reads happen only
 * while an item builds, never in a no-op run), so a corrupt blob, even one of the right size, is
 * re-made and never used; `status --verify` checks every blob without re-making any.
 */
import { join } from "node:path";
import { sha256Hex } from "./hash.ts";

interface BlobRecord {
  key: string;
  size: number;
  sha256: string;
}

/** One blob `verify` found bad. */
export interface BadBlob {
  /** the blob's file name (sha256 of its memo key) */
  name: string;
  key: string;
  problem: string;
}

export interface Blobs {
  /** the bytes under `key` (verified against their digest), or `make()`'s, stored atomically */
  memo(key: string, make: () => Promise<Uint8Array>, warn?: (msg: string) => void): Promise<Uint8Array>;
  /** check every blob against its digest; returns how many were checked and the bad ones */
  verify(): Promise<{ checked: number; bad: BadBlob[] }>;
}

/** `writeAtomic` writes a file whole or not at all (pipeline/store.ts). */
export function openBlobs(
  dir: string,
  writeAtomic: (path: string, data: Uint8Array) => Promise<void>,
): Blobs {
  /** the blob's bytes when they match their record; else what is wrong */
  const read = async (name: string): Promise<{ bytes: Uint8Array } | { problem: string; key: string }> => {
    let rec: BlobRecord;
    try {
      rec = JSON.parse(await Deno.readTextFile(join(dir, `${name}.json`)));
    } catch (e) {
      return { problem: `digest record unreadable (${(e as Error).message})`, key: "?" };
    }
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(join(dir, name));
    } catch (e) {
      return { problem: `blob unreadable (${(e as Error).message})`, key: rec.key };
    }
    if (bytes.length !== rec.size) {
      return { problem: `size ${bytes.length} ≠ recorded ${rec.size}`, key: rec.key };
    }
    if (sha256Hex(bytes) !== rec.sha256) return { problem: "hash mismatch", key: rec.key };
    return { bytes };
  };

  return {
    async memo(key, make, warn) {
      const name = sha256Hex(key);
      const found = await read(name);
      if ("bytes" in found) return found.bytes;
      // a blob without its record is one whose writer stopped between the two writes: just absent
      const absent = await Deno.stat(join(dir, `${name}.json`)).then(() => false, () => true);
      if (!absent) warn?.(`corrupt memo blob ${name} (${key}): ${found.problem}; making it again`);
      const bytes = await make();
      await Deno.mkdir(dir, { recursive: true });
      // record last: a reader that sees the record sees the bytes it describes
      await writeAtomic(join(dir, name), bytes);
      const rec: BlobRecord = { key, size: bytes.length, sha256: sha256Hex(bytes) };
      await writeAtomic(join(dir, `${name}.json`), new TextEncoder().encode(JSON.stringify(rec)));
      return bytes;
    },
    async verify() {
      const bad: BadBlob[] = [];
      let checked = 0;
      try {
        for await (const e of Deno.readDir(dir)) {
          if (!e.name.endsWith(".json")) continue;
          const name = e.name.slice(0, -5);
          checked++;
          const r = await read(name);
          if (!("bytes" in r)) bad.push({ name, key: r.key, problem: r.problem });
        }
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
      return { checked, bad: bad.sort((a, b) => a.name.localeCompare(b.name)) };
    },
  };
}
