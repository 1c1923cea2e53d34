/**
 * Where a model file comes from: `--models DIR` (the CLI sets ALIGNSAM_MODELS) / ALIGNSAM_MODELS,
 * then the model cache `<ALIGNSAM_CACHE or .alignsam>/models`, then a verified download into
 * that cache. Offline, the error names every file to place and where. File hashes are cached in
 * `<cache>/models/hashes.json` keyed by path + size + mtime, so a 2.5 GB file is hashed once.
 *
 * @example
 * const [enc, dec] = await resolveModelFiles([fam.encoder, fam.decoder]); // downloads if needed
 */
import { join, resolve } from "node:path";
import { ModelError } from "../../core/errors.ts";
import { readJsonMap, sha256Memoised, writeJsonAtomic } from "../../core/file_hash.ts";

/** What the resolver needs of a file (kernels/sam/registry.ts ModelFile fits). */
export interface ModelFileRef {
  name: string;
  url: string;
  bytes?: number;
  sha256?: string;
  /** only the ends of the sha256 are known (kernels/sam/registry.ts ModelFile) */
  sha256Ends?: { prefix: string; suffix: string };
  md5?: string;
  checksum: string;
}

export interface ResolveOptions {
  /** overrides ALIGNSAM_MODELS */
  modelsDir?: string;
  /** false: never download (what `deno task models` without --fetch uses) */
  download?: boolean;
  /** text naming what needs the files, for the offline error, e.g. "segmenter mobilesam" */
  purpose?: string;
  signal?: AbortSignal;
}

/** `<ALIGNSAM_CACHE or .alignsam>/models`. */
export function modelCacheDir(): string {
  return join(Deno.env.get("ALIGNSAM_CACHE") ?? ".alignsam", "models");
}

/** The user's models folder, if any. */
export function userModelsDir(opts: ResolveOptions = {}): string | undefined {
  return opts.modelsDir ?? Deno.env.get("ALIGNSAM_MODELS") ?? undefined;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

/** Where the file is now, without downloading: models folder first, then the cache. */
export async function findModelFile(f: ModelFileRef, opts: ResolveOptions = {}): Promise<string | undefined> {
  const dirs = [userModelsDir(opts), modelCacheDir()].filter((d): d is string => !!d);
  for (const d of dirs) {
    const p = join(d, f.name);
    if (await isFile(p)) return p;
  }
  return undefined;
}

/** "99.8 MB", "2.6 kB", "size unknown". */
export function fmtBytes(n?: number): string {
  if (n === undefined) return "size unknown";
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e3).toFixed(1)} kB`;
}

/** The offline error: every missing file, its URL and where to put it. */
export function missingFilesError(
  files: ModelFileRef[],
  opts: ResolveOptions = {},
  cause?: string,
): ModelError {
  const where = userModelsDir(opts) ?? modelCacheDir();
  const lines = files.map((f) => `  ${f.name} (${fmtBytes(f.bytes)}) from ${f.url}`);
  return new ModelError(
    `${opts.purpose ?? "model"}: missing model file(s)${cause ? `; the download failed: ${cause}` : ""}.\n` +
      `Place these in ${resolve(where)} (or pass --models DIR / set ALIGNSAM_MODELS):\n${lines.join("\n")}`,
    join(where, files[0]?.name ?? ""),
  );
}

/** Download `f` (verified) into the model cache; errors pass through as the downloader throws them. */
export async function downloadModelFile(f: ModelFileRef, opts: ResolveOptions = {}): Promise<string> {
  const { downloadVerified, hashRecordPath } = await import("../../core/download.ts");
  const path = await downloadVerified({
    url: f.url,
    dest: join(modelCacheDir(), f.name),
    sha256: f.sha256,
    md5: f.md5,
    size: f.bytes,
    label: f.name,
    signal: opts.signal,
    manualHint: "or place it in a folder and pass --models DIR",
  });
  if (f.sha256Ends) {
    // Only the hash's ends are known: a download that does not match them is removed, not trusted.
    try {
      await verifiedSha256(f, path);
    } catch (e) {
      for (const p of [path, hashRecordPath(path)]) await Deno.remove(p).catch(() => {});
      throw e;
    }
  }
  return path;
}

/**
 * The local paths of `files`: found, or downloaded (verified) into the cache. Offline or with
 * `download: false` → one ModelError naming every missing file, its URL and where to place it.
 */
export async function resolveModelFiles(files: ModelFileRef[], opts: ResolveOptions = {}): Promise<string[]> {
  const found = await Promise.all(files.map((f) => findModelFile(f, opts)));
  const missing = files.filter((_, i) => !found[i]);
  if (missing.length && opts.download === false) throw missingFilesError(missing, opts);
  const out: string[] = [];
  for (let i = 0; i < files.length; i++) {
    if (found[i]) {
      out.push(found[i]!);
      continue;
    }
    try {
      out.push(await downloadModelFile(files[i], opts));
    } catch (e) {
      if (opts.signal?.aborted) throw e;
      // The downloader's own "place it at …" advice is repeated below for every file: keep its reason.
      const cause = (e as Error).message.split("\n")[0].split(". Download ")[0];
      throw missingFilesError(missing, opts, cause);
    }
  }
  return out;
}

/** A JSON map kept in the model cache (`<cache>/models/<name>`); {} when absent or unreadable. */
export function readCacheJson<T>(name: string): Promise<Record<string, T>> {
  return readJsonMap<T>(join(modelCacheDir(), name));
}

/** Write a JSON map of the model cache whole (temp file + rename: readers never see half of it). */
export async function writeCacheJson(name: string, value: unknown): Promise<void> {
  await Deno.mkdir(modelCacheDir(), { recursive: true });
  await writeJsonAtomic(join(modelCacheDir(), name), value);
}

/**
 * sha256 of a model file, from the hash memo `<cache>/models/hashes.json` when path, size and
 * mtime are unchanged; else computed (streamed) and stored (core/file_hash.ts).
 */
export async function fileSha256(path: string): Promise<string> {
  const [sha256] = await sha256Memoised([path], join(modelCacheDir(), "hashes.json"));
  return sha256;
}

/** Verify a local file against its registry checksum (when one is pinned); returns its sha256. */
export async function verifiedSha256(f: ModelFileRef, path: string): Promise<string> {
  const sha = await fileSha256(path);
  if (f.sha256 && f.sha256.toLowerCase() !== sha) {
    throw new ModelError(
      `${path}: sha256 ${sha} does not match the registry's ${f.sha256} for ${f.name} (${f.checksum}); ` +
        `replace the file with the one from ${f.url}`,
      path,
    );
  }
  const ends = f.sha256Ends;
  if (ends && !(sha.startsWith(ends.prefix.toLowerCase()) && sha.endsWith(ends.suffix.toLowerCase()))) {
    throw new ModelError(
      `${path}: sha256 ${sha} does not match the registry's ${ends.prefix}…${ends.suffix} for ${f.name} ` +
        `(${f.checksum}); replace the file with the one from ${f.url}`,
      path,
    );
  }
  return sha;
}
