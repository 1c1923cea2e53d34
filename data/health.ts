/**
 * A cheap health check of a split's files for `deno task data`, without decoding pixels: empty
 * (0-byte) files, unreadable headers, truncated PNG/JPEG files (no IEND chunk / end-of-image
 * marker at the end) and masks whose size differs from their image's. The run itself decodes
 * every pair it uses (data/validate.ts); this says before a run which files would stop it.
 */
import { DataError } from "../core/errors.ts";
import { readImageHeader } from "../core/image_io.ts";
import type { Pair } from "./adapters/common.ts";

export interface FileProblem {
  path: string;
  problem: string;
}

type Header = { width: number; height: number } | { problem: string };

const PNG_END = [0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]; // "IEND" + its CRC

/** The last `n` bytes of a file (fewer when it is shorter). */
async function tail(path: string, n: number): Promise<Uint8Array> {
  using f = await Deno.open(path);
  const size = (await f.stat()).size;
  await f.seek(Math.max(0, size - n), Deno.SeekMode.Start);
  const buf = new Uint8Array(Math.min(n, size));
  let off = 0;
  while (off < buf.length) {
    const got = await f.read(buf.subarray(off));
    if (got === null) break;
    off += got;
  }
  return buf.subarray(0, off);
}

/** Whether a PNG or JPEG ends as its format requires; other formats are not judged. */
async function endsWhole(path: string, format: string): Promise<boolean> {
  if (format === "png") return (await tail(path, 8)).every((b, i) => b === PNG_END[i]);
  if (format !== "jpeg") return true;
  // some writers pad after the end-of-image marker: look for FF D9 in the last KiB
  const t = await tail(path, 1024);
  for (let i = t.length - 2; i >= 0; i--) if (t[i] === 0xff && t[i + 1] === 0xd9) return true;
  return false;
}

async function header(path: string): Promise<Header> {
  try {
    if ((await Deno.stat(path)).size === 0) return { problem: "empty file (0 bytes)" };
    const h = await readImageHeader(path);
    if (!(await endsWhole(path, h.format))) return { problem: `truncated (the ${h.format} file ends early)` };
    return h;
  } catch (e) {
    if (e instanceof DataError || e instanceof Deno.errors.NotFound) {
      return { problem: `unreadable: ${(e as Error).message}` };
    }
    throw e;
  }
}

/**
 * Every problem of `pairs`' files, in pair order. `seen` caches headers by path, so the VOC
 * classes, which share one set of files, are read once.
 */
export async function checkPairFiles(
  pairs: readonly Pair[],
  seen: Map<string, Promise<Header>> = new Map(),
): Promise<FileProblem[]> {
  const get = (path: string) => {
    if (!seen.has(path)) seen.set(path, header(path));
    return seen.get(path)!;
  };
  const out: FileProblem[] = [];
  const reported = new Set<string>();
  const add = (path: string, problem: string) => {
    if (!reported.has(path)) out.push({ path, problem });
    reported.add(path);
  };
  for (let i = 0; i < pairs.length; i += 16) {
    const batch = pairs.slice(i, i + 16);
    const heads = await Promise.all(batch.map((p) => Promise.all([p.imagePath, p.maskPath].map(get))));
    batch.forEach((p, j) => {
      const [img, mask] = heads[j];
      if ("problem" in img) add(p.imagePath, img.problem);
      if ("problem" in mask) add(p.maskPath, mask.problem);
      if ("problem" in img || "problem" in mask) return;
      if (img.width !== mask.width || img.height !== mask.height) {
        add(
          p.maskPath,
          `mask is ${mask.width}×${mask.height} but its image ${p.imagePath} is ${img.width}×${img.height}`,
        );
      }
    });
  }
  return out;
}
