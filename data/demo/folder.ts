/**
 * The demo tasks on disk: generated once into `<data cache>/demo/<task>/{train,test}/{images,masks}`
 * (PNGs, masks 0/255) and read by `demoAdapter` like any dataset in its own layout. No download:
 * a few seconds of CPU the first time.
 *
 * Deterministic, so a rerun (or another machine) builds nothing new: the pixels come from fixed
 * seeds, and every file's mtime is derived from the generator's version digest (the data
 * fingerprint reads path, size and mtime), so a generator change moves every mtime and
 * preprocess reruns, and an unchanged generator gives the same fingerprint everywhere.
 *
 * @example
 * const dir = await ensureDemoData(dataCacheDir()); // → <cache>/data/demo
 */
import { basename, join } from "node:path";
import { createHash } from "node:crypto";
import { encodeGrayPng, encodeRgbPng } from "../../core/image_io.ts";
import { type Adapter, imagesMasksPairs, type Split, SPLITS } from "../adapters/common.ts";
import { DEMO_KINDS, demoSample, demoSeed, demoTaskId } from "./generate.ts";

export const DEMO_DIR = "demo";
/** What reports and messages call the demo data. */
export const DEMO_DATASET =
  "synthetic demo tasks, not the paper's datasets (data/demo, generated from seeds)";
/** Pairs per split: the paper's 50 training images (§4.1), and as many to test on. */
export const DEMO_COUNTS: Record<Split, number> = { train: 50, test: 50 };
const MARKER = ".demo-version";
const SOURCES = ["noise.ts", "generate.ts", "folder.ts"];

let version: Promise<string> | undefined;

/** sha256 of the generator's sources and counts: what the generated files depend on. */
export function demoVersion(): Promise<string> {
  version ??= (async () => {
    const h = createHash("sha256").update(JSON.stringify(DEMO_COUNTS));
    for (const f of SOURCES) h.update(await Deno.readTextFile(new URL(f, import.meta.url)));
    return h.digest("hex");
  })();
  return version;
}

/** A fixed time per generator version (see the module note). */
function mtimeOf(v: string): Date {
  return new Date(Date.UTC(2024, 0, 1) + (parseInt(v.slice(0, 8), 16) % 31_536_000) * 1000);
}

async function markerOf(dir: string): Promise<string | undefined> {
  try {
    return (await Deno.readTextFile(join(dir, MARKER))).trim();
  } catch {
    return undefined;
  }
}

async function writeFixed(path: string, bytes: Uint8Array, mtime: Date): Promise<void> {
  await Deno.writeFile(path, bytes);
  await Deno.utime(path, mtime, mtime);
}

/** Write every demo task's pairs under `dir` (which must not exist). */
async function generate(dir: string, v: string): Promise<void> {
  const mtime = mtimeOf(v);
  for (const kind of DEMO_KINDS) {
    for (const split of SPLITS) {
      const base = join(dir, demoTaskId(kind), split);
      await Deno.mkdir(join(base, "images"), { recursive: true });
      await Deno.mkdir(join(base, "masks"), { recursive: true });
      for (let i = 0; i < DEMO_COUNTS[split]; i++) {
        const { image, mask } = demoSample(kind, demoSeed(kind, split, i));
        const stem = `${kind}-${split}-${String(i).padStart(3, "0")}`;
        const m255 = mask.data.map((v) => (v ? 255 : 0));
        await writeFixed(join(base, "images", `${stem}.png`), await encodeRgbPng(image), mtime);
        await writeFixed(
          join(base, "masks", `${stem}.png`),
          await encodeGrayPng(mask.width, mask.height, m255),
          mtime,
        );
      }
    }
  }
  await Deno.writeTextFile(join(dir, MARKER), `${v}\n`);
}

/**
 * `<cacheDir>/demo`, generated when absent or made by another generator version. Written in a
 * temporary folder and renamed, so a reader never sees half of it.
 */
export async function ensureDemoData(cacheDir: string): Promise<string> {
  const dir = join(cacheDir, DEMO_DIR);
  const v = await demoVersion();
  if ((await markerOf(dir)) === v) return dir;
  await Deno.mkdir(cacheDir, { recursive: true });
  const tmp = await Deno.makeTempDir({ dir: cacheDir, prefix: `.${DEMO_DIR}-` });
  try {
    await generate(tmp, v);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    await Deno.rename(tmp, dir);
  } catch (e) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    // another process may have generated the same version meanwhile
    if ((await markerOf(dir)) !== v) throw e;
  }
  return dir;
}

/** Reads `<data root>/demo/<task>/<split>/{images,masks}` when its generator version is current. */
export const demoAdapter: Adapter = {
  name: "demo",
  dataset: DEMO_DATASET,
  dirs: [DEMO_DIR],
  detect: async (base) => basename(base) === DEMO_DIR && (await markerOf(base)) === (await demoVersion()),
  original: (base, task, split) => imagesMasksPairs(join(base, task.id, split)),
  watched: (base, task) => [join(base, task.id)],
};
