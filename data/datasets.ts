/**
 * Where each paper dataset comes from (../shared/MODELS.md "Datasets"): archive URLs, sizes and
 * checksums, and how to unpack them into the data cache. Where the authors publish no checksum,
 * downloadVerified records the first download's sha256 next to the archive (trust on first use).
 *
 * @example
 * await fetchDataset(DATASETS.SBU); // → <cache>/data/SBU/… (unpacked), then the SBU adapter finds it
 */
import { basename, join } from "node:path";
import { DataError } from "../core/errors.ts";
import { downloadVerified, exists, verifyFile } from "../core/download.ts";
import type { PaperDataset } from "./tasks.ts";
import { DEMO_DATASET, DEMO_DIR } from "./demo/folder.ts";

export interface ArchiveFile {
  url: string;
  size?: number;
  sha256?: string;
  md5?: string;
  /** approximate size for messages, where the exact one is not known */
  approxBytes?: number;
  /** where a checksum comes from someone other than the authors */
  checksumSource?: string;
}

export interface DatasetSource {
  id: PaperDataset;
  /** citation-style name for reports */
  name: string;
  /** folder under `<cache>/data` the archives unpack into (an adapter `dirs` entry) */
  dir: string;
  /** archives to download; empty when there is no public link */
  files: ArchiveFile[];
  /** what to do by hand: where to get it and what to place where */
  manual: string;
  /** where there is no download: how to get it, in one short line (for run summaries) */
  howToGet?: string;
}

export const DATASETS: Record<PaperDataset, DatasetSource> = {
  VOC2012: {
    id: "VOC2012",
    name: "PASCAL VOC 2012 segmentation (Everingham et al., IJCV 2010)",
    dir: "VOC2012",
    files: [{
      url: "http://host.robots.ox.ac.uk/pascal/VOC/voc2012/VOCtrainval_11-May-2012.tar",
      size: 1999639040,
      md5: "6cd6e144f989b92b3379bac3b3de84fd",
    }],
    manual:
      "unpack it so that <data>/VOC2012/VOCdevkit/VOC2012/{JPEGImages,SegmentationClass,ImageSets} exist",
  },
  CUHK: {
    id: "CUHK",
    name: "CUHK defocus blur (Shi et al., CVPR 2014)",
    dir: "CUHK",
    files: [
      { url: "http://www.cse.cuhk.edu.hk/leojia/projects/dblurdetect/data/BlurDatasetImage.zip" },
      { url: "http://www.cse.cuhk.edu.hk/leojia/projects/dblurdetect/data/BlurDatasetGT.zip" },
    ],
    manual:
      "unpack both so that <data>/CUHK/image/out_of_focus*.jpg and <data>/CUHK/gt/out_of_focus*.png exist",
  },
  SBU: {
    id: "SBU",
    name: "SBU shadow (Vicente et al., ECCV 2016)",
    dir: "SBU",
    files: [{
      url: "http://www3.cs.stonybrook.edu/~cvl/content/datasets/shadow_db/SBU-shadow.zip",
      sha256: "8ac703bc4ec0cf3f57e128a6e7a8ed73680d9f68e4e22d08fc83a3f60c612109",
      approxBytes: 286e6,
      checksumSource: "3rd-party, not published by the authors; see ../shared/MODELS.md",
    }],
    manual:
      "unpack it so that <data>/SBU/SBUTrain4KRecoveredSmall/ and <data>/SBU/SBU-Test/ (each ShadowImages/ + ShadowMasks/) exist",
  },
  MSD: {
    id: "MSD",
    name: "MSD mirror (Yang et al., ICCV 2019)",
    dir: "MSD",
    files: [],
    howToGet: "no public download; request it via https://mhaiyang.github.io/ICCV2019_MirrorNet/index.html",
    manual:
      "MSD has no public download link: request it via https://mhaiyang.github.io/ICCV2019_MirrorNet/index.html " +
      "and place it so that <data>/MSD/{train,test}/{image,mask}/ exist",
  },
  DUTS: {
    id: "DUTS",
    name: "DUTS saliency (Wang et al., CVPR 2017)",
    dir: "DUTS",
    files: [
      { url: "http://saliencydetection.net/duts/download/DUTS-TR.zip" },
      { url: "http://saliencydetection.net/duts/download/DUTS-TE.zip" },
    ],
    manual:
      "unpack both so that <data>/DUTS/DUTS-TR/DUTS-TR-{Image,Mask}/ and <data>/DUTS/DUTS-TE/DUTS-TE-{Image,Mask}/ exist",
  },
  DEMO: {
    id: "DEMO",
    name: DEMO_DATASET,
    dir: DEMO_DIR,
    files: [],
    howToGet: "generated on first use (data/demo), nothing to download",
    manual: "nothing to download: data/demo generates it into <data>/demo on first use",
  },
};

/** `<ALIGNSAM_CACHE or .alignsam>/data`: where downloads land and unpack. */
export function dataCacheDir(): string {
  return join(Deno.env.get("ALIGNSAM_CACHE") ?? ".alignsam", "data");
}

/** What `data --fetch` would do for one dataset, in words. */
export function describeSource(ds: DatasetSource, cacheDir = dataCacheDir()): string {
  if (ds.files.length === 0) return ds.manual.replaceAll("<data>", cacheDir);
  const files = ds.files.map((f) => {
    const size = f.size
      ? `${(f.size / 1e9).toFixed(2)} GB`
      : f.approxBytes
      ? `~${Math.round(f.approxBytes / 1e6)} MB`
      : "size unknown";
    const sum = f.sha256
      ? `sha256 ${f.sha256.slice(0, 12)}…${f.checksumSource ? ` (${f.checksumSource})` : ""}`
      : f.md5
      ? `md5 ${f.md5}; sha256 recorded on first download`
      : "no published checksum (the first download's sha256 is recorded)";
    return `${f.url} (${size}, ${sum})`;
  });
  return `download ${files.join(" + ")} into ${join(cacheDir, "downloads")} and unpack into ${
    join(cacheDir, ds.dir)
  }`;
}

async function unpack(archive: string, into: string): Promise<void> {
  await Deno.mkdir(into, { recursive: true });
  const zip = archive.toLowerCase().endsWith(".zip");
  const [cmd, args] = zip
    ? ["unzip", ["-q", "-o", archive, "-d", into]]
    : ["tar", ["-xf", archive, "-C", into]];
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(cmd, { args, stdout: "null", stderr: "piped" }).output();
  } catch (e) {
    throw new DataError(
      `cannot run '${cmd}' to unpack ${archive} (${(e as Error).message}); unpack it by hand into ${into}`,
      archive,
    );
  }
  if (!out.success) {
    const msg = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-3).join(" ");
    throw new DataError(
      `'${cmd}' failed to unpack ${archive}: ${msg}; unpack it by hand into ${into}`,
      archive,
    );
  }
}

/**
 * Download (resumable, verified) and unpack one dataset into `<cacheDir>/<dir>`; returns that
 * folder. A `.unpacked` marker per archive makes a second call free. No public link → DataError
 * saying what to place where.
 */
export async function fetchDataset(
  ds: DatasetSource,
  opts: { cacheDir?: string; signal?: AbortSignal } = {},
): Promise<string> {
  const cacheDir = opts.cacheDir ?? dataCacheDir();
  const into = join(cacheDir, ds.dir);
  const manual = ds.manual.replaceAll("<data>", cacheDir);
  if (ds.files.length === 0) throw new DataError(`no data for ${ds.name}: ${manual}`, into);
  for (const f of ds.files) {
    const file = basename(new URL(f.url).pathname);
    const marker = join(into, `.unpacked-${file}`);
    try {
      await Deno.stat(marker);
      continue;
    } catch { /* not unpacked yet */ }
    const dest = join(cacheDir, "downloads", file);
    // An archive placed by hand was never verified: check it before unpacking.
    if (await exists(dest)) await verifyFile(dest, f);
    const archive = await downloadVerified({
      url: f.url,
      dest,
      sha256: f.sha256,
      md5: f.md5,
      size: f.size,
      label: `${ds.id} ${file}`,
      signal: opts.signal,
      manualHint: manual,
    });
    await unpack(archive, into);
    await Deno.writeTextFile(marker, `${f.url}\n`);
  }
  return into;
}
