/**
 * Verified, resumable downloads of dataset archives: streamed into `<dest>.part` (resumed with an
 * HTTP Range request), hashed while streaming, checked against the published checksum and only
 * then renamed to `dest`, so `dest` is either whole and verified or absent.
 *
 * Where the authors publish no checksum, the sha256 of the first verified download is recorded
 * in `<dest>.sha256.json` and every later download is checked against it (trust on first use).
 *
 * @example
 * const zip = await downloadVerified({ url, dest: `${cache}/SBU-shadow.zip`, sha256, label: "SBU" });
 */
import { createHash, type Hash } from "node:crypto";
import { dirname } from "node:path";
import { DataError } from "./errors.ts";
import { progress } from "./progress.ts";

export interface DownloadOptions {
  url: string;
  /** final path of the verified file */
  dest: string;
  /** published sha256 (hex); without it the first verified download's sha256 is recorded */
  sha256?: string;
  /** published md5 (hex), e.g. PASCAL VOC's; checked in addition to sha256 when both are given */
  md5?: string;
  /** expected size in bytes, when known */
  size?: number;
  /** what is being downloaded, for the progress bar and errors, e.g. "SBU shadow archive" */
  label: string;
  signal?: AbortSignal;
  /** extra text for the offline error: where else to get the file, what to unpack where */
  manualHint?: string;
}

/** The record written next to `dest` when no checksum is published. */
export interface HashRecord {
  url: string;
  sha256: string;
  size: number;
  recorded: string;
  note: string;
}

const MiB = 1024 * 1024;

/** Whether a path exists (any kind). */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Stream a file through one or more hashes. */
async function hashInto(path: string, hashes: Hash[]): Promise<void> {
  const file = await Deno.open(path, { read: true });
  for await (const chunk of file.readable) for (const h of hashes) h.update(chunk);
}

/** sha256 (hex) of a file, streamed (constant memory). */
export async function sha256File(path: string): Promise<string> {
  const h = createHash("sha256");
  try {
    await hashInto(path, [h]);
  } catch (e) {
    throw new DataError(`cannot read ${path} to hash it: ${(e as Error).message}`, path);
  }
  return h.digest("hex");
}

/**
 * Check a file someone placed by hand against the published checksums (or the recorded sha256);
 * DataError naming the file, expected and actual hash on a mismatch.
 */
export async function verifyFile(path: string, want: { sha256?: string; md5?: string }): Promise<void> {
  const sha256 = want.sha256 ?? (await readHashRecord(path))?.sha256;
  if (!sha256 && !want.md5) return;
  const sha = createHash("sha256");
  const md5 = createHash("md5");
  await hashInto(path, [sha, md5]);
  const [actualSha, actualMd5] = [sha.digest("hex"), md5.digest("hex")];
  if (sha256 && sha256.toLowerCase() !== actualSha) {
    throw new DataError(
      `checksum mismatch for ${path}: sha256 expected ${sha256}, actual ${actualSha}`,
      path,
    );
  }
  if (want.md5 && want.md5.toLowerCase() !== actualMd5) {
    throw new DataError(`checksum mismatch for ${path}: md5 expected ${want.md5}, actual ${actualMd5}`, path);
  }
}

/** Path of the trust-on-first-use hash record of `dest`. */
export function hashRecordPath(dest: string): string {
  return `${dest}.sha256.json`;
}

async function readHashRecord(dest: string): Promise<HashRecord | undefined> {
  const path = hashRecordPath(dest);
  if (!(await exists(path))) return undefined;
  try {
    return JSON.parse(await Deno.readTextFile(path)) as HashRecord;
  } catch (e) {
    throw new DataError(`hash record ${path} is not valid JSON (${(e as Error).message}); delete it`, path);
  }
}

function manualText(opts: DownloadOptions): string {
  return `Download ${opts.url} yourself and place it at ${opts.dest}` +
    (opts.manualHint ? `; ${opts.manualHint}` : "");
}

/**
 * Download `url` to `dest`, resuming `<dest>.part`, verifying the checksum before the rename.
 * Returns `dest`. An existing `dest` is returned as is (it was verified when it was written).
 */
export async function downloadVerified(opts: DownloadOptions): Promise<string> {
  const { url, dest, label } = opts;
  if (await exists(dest)) return dest;
  await Deno.mkdir(dirname(dest), { recursive: true });
  const part = `${dest}.part`;
  const record = opts.sha256 ? undefined : await readHashRecord(dest);
  const wantSha = opts.sha256?.toLowerCase() ?? record?.sha256;

  let offset = 0;
  try {
    offset = (await Deno.stat(part)).size;
  } catch { /* no partial download */ }
  if (opts.size !== undefined && offset > opts.size) {
    await Deno.remove(part);
    offset = 0;
  }

  let response: Response | undefined;
  if (opts.size === undefined || offset < opts.size) {
    try {
      response = await fetch(url, {
        headers: offset > 0 ? { Range: `bytes=${offset}-` } : {},
        signal: opts.signal,
      });
    } catch (e) {
      if (opts.signal?.aborted) throw e;
      throw new DataError(
        `cannot download the ${label} from ${url} (${(e as Error).message}). ${manualText(opts)}`,
        dest,
      );
    }
    if (response.status === 416 && offset > 0) {
      // The server says the range starts past the end: the .part is already complete.
      await response.body?.cancel();
      response = undefined;
    } else if (!response.ok) {
      await response.body?.cancel();
      throw new DataError(
        `cannot download the ${label}: ${url} answered HTTP ${response.status}. ${manualText(opts)}`,
        dest,
      );
    } else if (response.status === 200 && offset > 0) {
      offset = 0; // the server ignored the Range header: start over
    }
  }

  const sha = createHash("sha256");
  const md5 = createHash("md5");
  if (offset > 0) await hashInto(part, [sha, md5]);

  if (response?.body) {
    const length = Number(response.headers.get("content-length") ?? NaN);
    const total = opts.size ?? (isFinite(length) ? offset + length : 0);
    const bar = progress(`${label} (MiB)`, Math.ceil(total / MiB));
    const file = await Deno.open(part, {
      write: true,
      create: true,
      append: offset > 0,
      truncate: offset === 0,
    });
    let written = offset;
    try {
      for await (const chunk of response.body) {
        sha.update(chunk);
        md5.update(chunk);
        let n = 0;
        while (n < chunk.length) n += await file.write(chunk.subarray(n));
        written += chunk.length;
        bar.update(Math.floor(written / MiB));
      }
    } catch (e) {
      if (opts.signal?.aborted) throw e;
      throw new DataError(
        `download of the ${label} from ${url} broke off after ${written} bytes (${(e as Error).message}); ` +
          `run again to resume from ${part}. ${manualText(opts)}`,
        part,
      );
    } finally {
      file.close();
      bar.done();
    }
  }

  const size = (await Deno.stat(part)).size;
  if (opts.size !== undefined && size !== opts.size) {
    if (size > opts.size) await Deno.remove(part);
    throw new DataError(
      `download of the ${label} from ${url} has ${size} bytes, expected ${opts.size}` +
        (size < opts.size ? `; run again to resume from ${part}` : "; deleted it"),
      part,
    );
  }
  const actualSha = sha.digest("hex");
  const actualMd5 = md5.digest("hex");
  const mismatch = wantSha && wantSha !== actualSha
    ? `sha256 expected ${wantSha}, actual ${actualSha}` +
      (record ? ` (expected hash recorded in ${hashRecordPath(dest)} on ${record.recorded})` : "")
    : opts.md5 && opts.md5.toLowerCase() !== actualMd5
    ? `md5 expected ${opts.md5.toLowerCase()}, actual ${actualMd5}`
    : "";
  if (mismatch) {
    await Deno.remove(part);
    throw new DataError(
      `checksum mismatch for the ${label} downloaded from ${url}: ${mismatch}; deleted ${part}`,
      part,
    );
  }
  if (!wantSha) {
    const rec: HashRecord = {
      url,
      sha256: actualSha,
      size,
      recorded: new Date().toISOString(),
      note: "no sha256 is published for this file; this is the sha256 of the first verified download",
    };
    await Deno.writeTextFile(hashRecordPath(dest), JSON.stringify(rec, null, 2) + "\n");
    console.error(
      `${label}: no published sha256; recorded the sha256 ${actualSha} of this first download in ` +
        `${hashRecordPath(dest)} (later downloads are checked against it)`,
    );
  }
  await Deno.rename(part, dest);
  return dest;
}
