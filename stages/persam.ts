/**
 * persam: the training-free PerSAM baseline of supp. Table 5 on the run's segmenter, with k
 * reference samples (k ∈ persamShots) drawn with the seed from the task's training subset, and
 * every test image segmented from their mean target feature (kernels/persam). The summary says
 * which PerSAM parts ran on this decoder (`parts`), and which could not.
 *
 * Metrics: miou (per-image mean IoU), iou_pooled (Σ∩/Σ∪, PerSAM's eval_miou.py convention),
 * fbeta, ephi, mae, ber — of binary masks.
 */
import { join } from "node:path";
import type { Item, Params, Stage } from "../pipeline/stage.ts";
import { drawReferences } from "./references.ts";
import { metricsFor } from "../kernels/metrics/index.ts";
import { type IouCounts, pooledIou } from "../kernels/metrics/iou.ts";
import { decoderCapabilities, sharedSegmenter } from "../kernels/sam/factory.ts";
import { persamParts, persamSegment } from "../kernels/persam/persam.ts";
import { targetFeature } from "../kernels/persam/target.ts";
import { expandTasks } from "../data/tasks.ts";
import type { PersamSummary } from "../core/records.ts";
import { readPreprocessManifest, readSample, type SampleEntry } from "./preprocess.ts";
import { readEmbedding } from "./embed_cache.ts";
import { METRICS_CODE, SEGMENTER_CODE } from "./code.ts";

const CODE = [
  "stages/persam.ts",
  "stages/references.ts",
  "kernels/persam",
  // the decoders PerSAM calls (the embeddings come in through embed-cache's key)
  ...SEGMENTER_CODE,
  ...METRICS_CODE,
] as const;

function nums(v: unknown, fallback: number[]): number[] {
  return Array.isArray(v) ? v.map(Number) : fallback;
}

export const persamStage: Stage = {
  name: "persam",
  doc: "training-free PerSAM with k reference samples on the run's segmenter (supp. Table 5)",
  code: CODE,
  // shots, seed and task are the item; the segmenter names the decoder (and its parts).
  params: ["segmenter"],
  items: (params: Params) => {
    const out: Item[] = [];
    for (const t of expandTasks((params.tasks as string[] | undefined) ?? [])) {
      for (const shots of nums(params.persamShots, [1, 5, 20])) {
        for (const seed of nums(params.seeds, [0])) out.push({ task: t.id, shots, seed });
      }
    }
    return out;
  },
  inputs: (item: Item) => [
    { stage: "preprocess", item: { task: item.task } },
    { stage: "embed-cache", item: { task: item.task } },
  ],
  after: ["preprocess", "embed-cache"],
  outputs: ["summary.json"],
  async run(ctx) {
    const task = String(ctx.item.task), shots = Number(ctx.item.shots), seed = Number(ctx.item.seed);
    const pre = ctx.input({ stage: "preprocess", item: { task } });
    const embDir = ctx.input({ stage: "embed-cache", item: { task } });
    const manifest = await readPreprocessManifest(pre);
    const name = String(ctx.params.segmenter);
    const seg = await sharedSegmenter(name);
    // as loaded: the mask count is read from the file, EdgeSAM's score kind measured on first use
    const caps = decoderCapabilities(seg);
    const summary: PersamSummary = {
      task,
      shots,
      seed,
      segmenter: seg.label,
      metrics: {},
      parts: persamParts(caps),
    };
    const write = () =>
      Deno.writeTextFile(join(ctx.outDir, "summary.json"), JSON.stringify(summary, null, 1) + "\n");

    const refsEntries = drawReferences(manifest.train, shots, seed);
    if (refsEntries.length < shots) {
      ctx.log(
        `${task}: ${shots} references wanted, the training subset has ${refsEntries.length}: using all`,
      );
    }
    const refs = [];
    for (const e of refsEntries) {
      const s = await readSample(pre, e);
      refs.push({ emb: await readEmbedding(embDir, e.imageHash), mask: s.gt.mask });
    }
    const target = refs.length ? targetFeature(refs) : { feature: new Float32Array(), used: 0 };
    if (target.used === 0 || manifest.test.length === 0) {
      // No usable reference (or no test image): an empty metrics table the report shows as
      // "not produced", never as zeros.
      const why = target.used === 0 ? "no training sample with a non-empty mask" : "no test images";
      ctx.log(`${task}: PerSAM not run: ${why}`);
      summary.parts = [`not run: ${why}`, ...summary.parts];
      await write();
      return;
    }
    summary.parts = [`references: ${target.used} of ${shots} requested`, ...summary.parts];

    // Only the metrics the summary reports: S-measure and weighted F-β cost ~1 s per megapixel.
    const names = ["iou", "mae", "ber", "fbeta", "ephi"] as const;
    const sums = { iou: 0, mae: 0, ber: 0, fbeta: 0, ephi: 0 };
    const counts: IouCounts[] = [];
    let done = 0;
    for (const e of manifest.test as SampleEntry[]) {
      if (ctx.signal.aborted) throw ctx.signal.reason ?? new Error("interrupted");
      const s = await readSample(pre, e);
      const emb = await readEmbedding(embDir, e.imageHash);
      const r = await persamSegment(seg, emb, target.feature, caps);
      const m = metricsFor(names, r.mask, s.gt.mask.data, e.width, e.height, s.gt.ignore);
      sums.iou += m.iou!;
      sums.mae += m.mae!;
      sums.ber += m.ber!;
      sums.fbeta += m.fbeta!.mean; // binary masks: adaptive = mean = max
      sums.ephi += m.ephi!.mean;
      counts.push(m.iouCounts!);
      ctx.progress(++done, manifest.test.length, `${task} persam k=${shots}`);
    }
    const n = manifest.test.length;
    summary.metrics = {
      miou: sums.iou / n,
      iou_pooled: pooledIou(counts),
      fbeta: sums.fbeta / n,
      ephi: sums.ephi / n,
      mae: sums.mae / n,
      ber: sums.ber / n,
    };
    await write();
  },
};

/** summary.json of a persam entry. */
export async function readPersamSummary(dir: string): Promise<PersamSummary> {
  return JSON.parse(await Deno.readTextFile(join(dir, "summary.json"))) as PersamSummary;
}
