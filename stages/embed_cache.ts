/**
 * embed-cache: the frozen encoder's embedding of every image of a task (paper §3.1: F_I = E_I(x),
 * computed once per image; DESIGN.md §3). One `<imageHash>.emb` per image (kernels/sam/
 * embedding_io.ts: JSON header + raw float32) and `index.json`.
 *
 * The embedding is memoised in the store under `embed/<segmenter id>/<image hash>`, so an image
 * shared by several tasks (VOC classes) is embedded once, and the only param is `segmenter`:
 * changing it re-embeds and changes nothing upstream. The segmenter id hashes weights + config;
 * `fingerprint` brings it into the key, so replacing a weight file re-embeds too.
 */
import { join } from "node:path";
import type { Item, Params, Stage } from "../pipeline/stage.ts";
import { DataError } from "../core/errors.ts";
import { decodeEmbedding, encodeEmbedding } from "../kernels/sam/embedding_io.ts";
import { segmenterFingerprint, sharedSegmenter } from "../kernels/sam/factory.ts";
import type { Embedding } from "../kernels/sam/segmenter.ts";
import { readRgb } from "../core/image_io.ts";
import { expandTasks } from "../data/tasks.ts";
import { readPreprocessManifest } from "./preprocess.ts";
import { SEGMENTER_CODE } from "./code.ts";

/** index.json of an embed-cache entry. */
export interface EmbedIndex {
  task: string;
  /** the segmenter name (config) and its content id */
  segmenter: string;
  segmenterId: string;
  label: string;
  isSam: boolean;
  images: { imageHash: string; stems: string[]; width: number; height: number; file: string }[];
}

const CODE = ["stages/embed_cache.ts", ...SEGMENTER_CODE] as const;

export const embedCacheStage: Stage = {
  name: "embed-cache",
  doc: "the segmenter's embedding of every image of a task (memoised per image across tasks)",
  code: CODE,
  params: ["segmenter"],
  items: (params: Params) =>
    expandTasks((params.tasks as string[] | undefined) ?? []).map((t) => ({ task: t.id })),
  inputs: (item: Item) => [{ stage: "preprocess", item: { task: item.task } }],
  after: ["preprocess"],
  outputs: ["index.json"],
  fingerprint: (_item: Item, params: Params) => segmenterFingerprint(String(params.segmenter)),
  async run(ctx) {
    const task = String(ctx.item.task);
    const dir = ctx.input({ stage: "preprocess", item: { task } });
    const manifest = await readPreprocessManifest(dir);
    const name = String(ctx.params.segmenter);
    const seg = await sharedSegmenter(name);
    ctx.log(`${task}: embedding with ${seg.label} (id ${seg.id.slice(0, 12)})`);

    // One embedding per distinct image, whichever split(s) and stems it appears under.
    const byHash = new Map<string, EmbedIndex["images"][number] & { path: string }>();
    for (const e of [...manifest.train, ...manifest.test]) {
      const have = byHash.get(e.imageHash);
      if (have) {
        if (!have.stems.includes(e.stem)) have.stems.push(e.stem);
        continue;
      }
      byHash.set(e.imageHash, {
        imageHash: e.imageHash,
        stems: [e.stem],
        width: e.width,
        height: e.height,
        file: `${e.imageHash}.emb`,
        path: join(dir, e.image),
      });
    }
    const all = [...byHash.values()];
    let done = 0;
    for (const img of all) {
      if (ctx.signal.aborted) throw ctx.signal.reason ?? new Error("interrupted");
      const bytes = await ctx.memo(`embed/${seg.id}/${img.imageHash}`, async () => {
        const emb = await seg.embed(await readRgb(img.path));
        return encodeEmbedding(emb);
      });
      await Deno.writeFile(join(ctx.outDir, img.file), bytes);
      ctx.progress(++done, all.length, `${task} embed`);
    }
    const index: EmbedIndex = {
      task,
      segmenter: name,
      segmenterId: seg.id,
      label: seg.label,
      isSam: seg.isSam,
      images: all.map(({ path: _path, ...rest }) => rest),
    };
    await Deno.writeTextFile(join(ctx.outDir, "index.json"), JSON.stringify(index, null, 1) + "\n");
  },
};

/** index.json of an embed-cache entry. */
export async function readEmbedIndex(dir: string): Promise<EmbedIndex> {
  const path = join(dir, "index.json");
  try {
    return JSON.parse(await Deno.readTextFile(path)) as EmbedIndex;
  } catch (e) {
    throw new DataError(`cannot read embed-cache index ${path}: ${(e as Error).message}`, path);
  }
}

/** One image's embedding (4 MB for SAM's 256×64×64: stream them where a task is large). */
export async function readEmbedding(dir: string, imageHash: string): Promise<Embedding> {
  const path = join(dir, `${imageHash}.emb`);
  try {
    return decodeEmbedding(await Deno.readFile(path));
  } catch (e) {
    throw new DataError(`cannot read embedding ${path}: ${(e as Error).message}`, path);
  }
}

/** Every embedding of an entry, by image hash. */
export async function readEmbeddings(dir: string): Promise<Map<string, Embedding>> {
  const index = await readEmbedIndex(dir);
  const out = new Map<string, Embedding>();
  for (const img of index.images) out.set(img.imageHash, await readEmbedding(dir, img.imageHash));
  return out;
}
