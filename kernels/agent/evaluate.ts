/**
 * Evaluation of a trained agent on the test split (paper §4.1, supp. Tables 3–4, Fig. 1):
 * per image the final mask's metrics and the per-step IoU / FR; per dataset mIoU (mean of
 * per-image IoU), pooled IoU (Σ∩/Σ∪), the task's other metrics (mean per image; BER pooled over
 * pixels as shadow papers do) and FR (supp. Eq. 1, mean over images of the per-episode rate).
 * Masks are the segmenter's binary output, so F_β and E_φ are single-threshold values.
 */
import { initTf } from "../tf/backend.ts";
import { makeRng } from "../../core/rng.ts";
import type { Embedding, Segmenter } from "../sam/segmenter.ts";
import type { ClipMap, EvalSummary, ImageResult, Sample, StepRecord, Trace } from "../../core/records.ts";
import { metricsFor } from "../metrics/index.ts";
import { berPooled } from "../metrics/ber.ts";
import { pooledIou } from "../metrics/iou.ts";
import { DataError } from "../../core/errors.ts";
import { type EvalPolicy, restoreAgent, runEpisode } from "./episode.ts";
import type { LabelVariant } from "./labeller.ts";
import type { AgentWeights } from "./weights_io.ts";
import { TraceRecorder } from "./trace.ts";

export interface EvaluateOptions {
  samples: Sample[];
  embeddings: Map<string, Embedding>;
  clipMaps?: Map<string, ClipMap>;
  segmenter: Segmenter;
  weights: AgentWeights;
  policy: EvalPolicy;
  variant: LabelVariant;
  T: number;
  seed: number;
  traceCount: number;
  /** the task's metric names (data/tasks.ts): miou, fbeta, ephi, mae, ber */
  metrics: string[];
  feedMask?: boolean;
  multimask?: boolean;
  /** y_r threshold of the "srm" label (default 0.5, kernels/agent/label.ts) */
  srmThreshold?: number;
  task?: string;
  dataset?: string;
  /** E of the training run, recorded in the summary */
  E?: number;
  /** writes a trace file (entry-relative name); traces are skipped without it */
  writeFile?: (name: string, bytes: Uint8Array) => Promise<void>;
  progress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** kernels/metrics names behind the task's metric names. */
function kernelNames(metrics: string[]): string[] {
  const names = new Set(["iou"]);
  for (const m of metrics) if (m !== "miou") names.add(m);
  return [...names];
}

export async function evaluateAgent(o: EvaluateOptions): Promise<EvalSummary> {
  await initTf();
  const loaded = restoreAgent(o.weights);
  const rng = makeRng(o.seed);
  const names = kernelNames(o.metrics);
  const images: ImageResult[] = [];
  const traces: Trace[] = [];
  const iouCounts: { inter: number; union: number }[] = [];
  const berCounts: { tp: number; tn: number; np: number; nn: number }[] = [];
  const stepIou: number[][] = Array.from({ length: o.T + 1 }, () => []);
  const stepFg: number[][] = Array.from({ length: o.T + 1 }, () => []);
  try {
    for (const [idx, s] of o.samples.entries()) {
      if (o.signal?.aborted) throw o.signal.reason ?? new Error("evaluation aborted");
      const emb = o.embeddings.get(s.imageHash);
      if (!emb) {
        throw new DataError(`no embedding for test image ${s.stem} (hash ${s.imageHash.slice(0, 12)})`);
      }
      const clipMap = o.clipMaps?.get(s.imageHash);
      const { width, height } = s.gt.mask;
      const score = (mask: Uint8Array) => metricsFor(names, mask, s.gt.mask.data, width, height, s.gt.ignore);
      const rec = o.writeFile && idx < o.traceCount
        ? new TraceRecorder(s.stem, s.image, s.gt.mask, o.writeFile)
        : undefined;
      const steps: StepRecord[] = [];
      const episode = await runEpisode({
        segmenter: o.segmenter,
        emb,
        gt: s.gt,
        clipMap,
        loaded,
        policy: o.policy,
        variant: o.variant,
        T: o.T,
        feedMask: o.feedMask ?? true,
        multimask: o.multimask ?? false,
        srmThreshold: o.srmThreshold,
        rng,
        onStep: (st) => {
          const iou = score(st.decoded.mask).iou!;
          steps.push({ t: st.t, action: st.action, point: st.point, fg: st.fg, iou });
          rec?.step(st.t, st.points, { width, height, data: st.decoded.mask });
        },
      });
      const final = score(episode[episode.length - 1].decoded.mask);
      iouCounts.push(final.iouCounts!);
      if (final.berCounts) berCounts.push(final.berCounts);
      const acted = steps.filter((st) => st.t > 0);
      const fr = acted.length ? acted.filter((st) => st.fg).length / acted.length : 0;
      const finalRec: Record<string, number> = { iou: final.iou! };
      if (final.fbeta) finalRec.fbeta = final.fbeta.mean;
      if (final.ephi) finalRec.ephi = final.ephi.mean;
      if (final.mae !== undefined) finalRec.mae = final.mae;
      if (final.ber !== undefined) finalRec.ber = final.ber;
      images.push({ stem: s.stem, steps, final: finalRec, fr });
      for (const st of steps) {
        stepIou[st.t].push(st.iou);
        if (st.t > 0) stepFg[st.t].push(st.fg ? 1 : 0);
      }
      if (rec) traces.push(await rec.done());
      o.progress?.(idx + 1, o.samples.length);
    }
  } finally {
    loaded.dispose();
  }
  if (images.length === 0) throw new DataError("evaluateAgent: no test samples");
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  const metrics: Record<string, number> = {
    miou: mean(images.map((r) => r.final.iou)),
    iou_pooled: pooledIou(iouCounts),
    fr: mean(images.map((r) => r.fr)),
  };
  for (const n of names) {
    if (n === "iou") continue;
    metrics[n] = n === "ber" ? berPooled(berCounts) : mean(images.map((r) => r.final[n]));
  }
  // perStep fr = FR over steps 1..t (cumulative), 0 at t = 0 where no action was taken yet.
  let fgSum = 0, fgN = 0;
  const perStep = stepIou.map((ious, t) => {
    fgSum += stepFg[t].reduce((a, b) => a + b, 0);
    fgN += stepFg[t].length;
    return { t, miou: mean(ious), fr: fgN ? fgSum / fgN : 0 };
  });
  return {
    task: o.task ?? o.weights.meta.task,
    dataset: o.dataset ?? "",
    policy: o.policy,
    variant: o.variant,
    branch: o.weights.meta.branch,
    seed: o.seed,
    T: o.T,
    E: o.E ?? o.weights.meta.E,
    segmenter: o.segmenter.id,
    metrics,
    perStep,
    images,
    traces,
  };
}
