/**
 * A synthetic ReportInput (seeded, made-up numbers — never a result) for the report's tests and
 * bench: a few tasks × 2 seeds, ablation variants, a T/E sweep, PerSAM at k = 1, 5, training
 * logs, one trace with tiny PNGs, a missing SCLIP cell and an explicit branch that did not run.
 */
import sharp from "sharp";
import { makeRng } from "../core/rng.ts";
import type { EvalRow, ReportInput, RunProvenance, TraceInput } from "./data.ts";

async function png(data: Uint8Array, w: number, h: number, channels: 1 | 3): Promise<Uint8Array> {
  return new Uint8Array(await sharp(data, { raw: { width: w, height: h, channels } }).png().toBuffer());
}

/**
 * A w×h trace: a gradient image, a centred rectangle GT, `steps` masks growing towards it; the
 * initial prompts (a positive centre, a negative corner) then one point per step, alternating
 * labels — step t shows 2 + t points.
 */
export async function syntheticTrace(
  w = 32,
  h = 24,
  steps = 3,
  stem = "synthetic_0001",
): Promise<TraceInput> {
  const rgb = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) {
    rgb.set([Math.round(((i % w) / w) * 255), Math.round((Math.floor(i / w) / h) * 255), 128], 3 * i);
  }
  const rect = (f: number) =>
    Uint8Array.from({ length: w * h }, (_, i) => {
      const x = i % w, y = Math.floor(i / w);
      return Math.abs(x - w / 2) < (f * w) / 4 && Math.abs(y - h / 2) < (f * h) / 4 ? 255 : 0;
    });
  const pts = [{ x: w / 2, y: h / 2, label: 1 as 0 | 1 }, { x: 2, y: 2, label: 0 as 0 | 1 }];
  for (let t = 1; t < steps; t++) {
    const a = (t * 2.4) % (2 * Math.PI);
    const r = t % 2 ? 0.2 : 0.42;
    pts.push({ x: w / 2 + Math.cos(a) * r * w, y: h / 2 + Math.sin(a) * r * h, label: (t % 2) as 0 | 1 });
  }
  return {
    task: "blur",
    policy: "rl",
    seed: 0,
    stem,
    image: await png(rgb, w, h, 3),
    gt: await png(rect(1), w, h, 1),
    width: w,
    height: h,
    steps: await Promise.all(Array.from({ length: steps }, async (_, t) => ({
      t,
      points: pts.slice(0, 2 + t),
      mask: await png(rect((t + 1) / steps), w, h, 1),
      width: w,
      height: h,
    }))),
  };
}

/** The synthetic input; `seeds` defaults to [0, 1]. */
/** Provenance for a synthetic report (made up, like the rest). */
export const SYNTHETIC_PROVENANCE: RunProvenance = {
  command: "deno task reproduce --profile synthetic",
  createdAt: "2026-01-01T00:00:00Z",
  stageTimes: [
    { stage: "preprocess", item: "task=blur", seconds: 1.5 },
    { stage: "train-agent", item: "seed=0,task=blur", seconds: 12.25 },
    { stage: "train-agent", item: "seed=1,task=blur", seconds: 11.75 },
  ],
};

export async function syntheticReportInput(seeds: number[] = [0, 1]): Promise<ReportInput> {
  const rng = makeRng(42);
  const evals: EvalRow[] = [];
  const add = (
    task: string,
    policy: EvalRow["policy"],
    variant: string,
    branch: EvalRow["branch"],
    over: Partial<EvalRow> = {},
  ) => {
    for (const seed of seeds) {
      const base = policy === "rl" ? 0.6 : policy === "random" ? 0.45 : 0.35;
      const m = base + 0.05 * rng.next();
      evals.push({
        task,
        dataset: task === "glass" ? "GDD (substitute for MSD)" : task.toUpperCase(),
        policy,
        variant,
        branch,
        seed,
        T: 5,
        E: 2,
        metrics: {
          miou: m,
          iou_pooled: m + 0.01,
          fbeta: m + 0.1,
          ephi: m + 0.2,
          mae: 0.1 * (1 - m),
          ber: 0.5 * (1 - m),
          fr: m - 0.1,
        },
        perStep: [{ t: 0, miou: m / 2, fr: 0 }, { t: 5, miou: m, fr: m - 0.1 }],
        ...over,
      });
    }
  };
  for (const task of ["blur", "glass", "saliency"]) {
    for (
      const [policy, variant] of [["rl", "srm"], ["random", "srm"], ["single", "srm"], [
        "rl",
        "none",
      ]] as const
    ) {
      add(task, policy, variant, "implicit");
    }
  }
  add("shadow", "rl", "srm", "implicit"); // explicit branch needs CLIP: the report falls back with a note
  add("shadow", "random", "srm", "implicit");
  for (const c of ["voc-bottle", "voc-car"]) {
    for (const v of ["srm", "last", "none"]) add(c, "rl", v, "implicit");
    add(c, "random", "srm", "implicit");
    for (const T of [1, 3]) add(c, "rl", "srm", "implicit", { T });
  }
  for (const T of [3, 5]) {
    for (const E of [1, 2]) if (!(T === 5 && E === 2)) add("blur", "rl", "srm", "implicit", { T, E });
  }
  add("blur", "rl", "srm", "implicit", { trainCount: 5 });
  const persam = [1, 5].flatMap((shots) =>
    seeds.map((seed) => ({
      task: "blur",
      shots,
      seed,
      segmenter: "weight-free",
      metrics: { miou: 0.4 + 0.02 * shots + 0.01 * seed },
      parts: ["target feature", "location prior"],
    }))
  );
  const training = seeds.map((seed) => ({
    task: "blur",
    variant: "srm",
    branch: "implicit" as const,
    seed,
    T: 5,
    E: 2,
    updates: [1, 2, 3].map((update) => ({
      update,
      pg_loss: 0,
      v_loss: 0,
      entropy: 4,
      approx_kl: 0.01,
      clipfrac: 0.1,
      explained_variance: 0.2,
      mean_return: update + seed,
      fr: 0.3 + 0.1 * update,
      srm_loss: 0.5,
    })),
  }));
  return {
    run: {
      profile: "synthetic",
      segmenter: { id: "weight-free", label: "weight-free (not SAM)", isSam: false },
      clip: null,
      datasets: {
        blur: "CUHK",
        glass: "GDD (substitute for MSD)",
        saliency: "DUTS",
        shadow: "SBU",
        voc: "VOC2012",
      },
      dataHashes: { blur: "ab".repeat(32), glass: "cd".repeat(32) },
      branches: {
        blur: "implicit",
        glass: "implicit",
        saliency: "implicit",
        shadow: "explicit",
        voc: "explicit",
      },
      trainImages: { blur: 3, glass: 10, saliency: 10 },
      config: { T: 5, E: 2, trainCount: 10, sweepTasks: ["blur"] },
      dag: "preprocess → embed-cache → train-agent → evaluate → report",
    },
    evals,
    persam,
    training,
    traces: [await syntheticTrace()],
    missing: [{ table: "supp-3", cell: "RL+SCLIP", reason: "needs CLIP weights" }],
    skipped: [{ task: "glass", path: "glass/test/images/x.jpg", reason: "mask size differs" }],
  };
}
