/**
 * Supp. Fig. 2 (sensitivity to T and E) and the training curves (mean return and FR per PPO
 * update) as Vega-Lite specs; arquero averages the seeds.
 */
import * as aq from "arquero";
import type { ReportInput } from "../data.ts";
import { formatSeeds, toPaperScale } from "../data.ts";
import type { VlSpec } from "../tables/model.ts";
import { missingReason, pickEvals } from "../tables/select.ts";

/** A figure: Vega-Lite charts (each with a file stem), or the reason it is empty. */
export interface ReportFigure {
  id: string;
  title: string;
  caption: string;
  charts: { id: string; spec: VlSpec }[];
  /** inline SVG strips (supp. Fig. 1), each with a file stem */
  strips?: { id: string; title: string; svg: string }[];
  missing?: string;
}

/** The metric a task's Fig. 2 panel plots (the paper's headline metric for the dataset). */
function headline(task: string): string {
  return task === "saliency" ? "ephi" : task.startsWith("voc-") ? "iou_pooled" : "miou";
}

/** Per (task, T, E): mean and std over seeds, with the seeds' values as text. */
function sweepPoints(input: ReportInput): Record<string, unknown>[] {
  const sweepTasks = Array.isArray(input.run.config.sweepTasks)
    ? input.run.config.sweepTasks as string[]
    : undefined;
  const ours = input.evals.filter((e) =>
    e.policy === "rl" && e.variant === "srm" && (sweepTasks ? sweepTasks.includes(e.task) : true)
  );
  // One point per (task, T, E), chosen as the tables choose (pickEvals): full training data only
  // (the few-shot agents of supp. Table 5 share the main T and E) and one branch per task.
  const combos = new Map(ours.map((e) => [`${e.task}|${e.T}|${e.E}`, { task: e.task, T: e.T, E: e.E }]));
  const rows = [...combos.values()].flatMap(({ task, T, E }) =>
    pickEvals(input, task, { policy: "rl", variant: "srm", T, E }).rows
  ).flatMap((e) => {
    const m = headline(e.task);
    const v = e.metrics[m] ?? e.metrics.miou;
    return typeof v === "number"
      ? [{ task: e.task, T: e.T, E: e.E, seed: e.seed, metric: m, value: toPaperScale(m, v) }]
      : [];
  });
  if (rows.length === 0) return [];
  const stats = aq.from(rows).groupby("task", "T", "E", "metric")
    .rollup({ mean: aq.op.mean("value"), std: aq.op.stdev("value"), n: aq.op.count() })
    .objects() as {
      task: string;
      T: number;
      E: number;
      metric: string;
      mean: number;
      std?: number;
      n: number;
    }[];
  return stats.map((s) => {
    const seeds = rows.filter((r) => r.task === s.task && r.T === s.T && r.E === s.E)
      .map((r) => ({ seed: r.seed, value: r.value }));
    const sd = Number.isFinite(s.std) ? s.std! : 0;
    return {
      ...s,
      std: sd,
      lo: s.mean - sd,
      hi: s.mean + sd,
      seeds: formatSeeds({ mean: s.mean, std: sd, n: s.n, values: seeds }),
    };
  });
}

function lineSpec(title: string, values: Record<string, unknown>[], x: "T" | "E", color: "T" | "E"): VlSpec {
  const enc = {
    x: { field: x, type: "quantitative", title: x, scale: { zero: false } },
    color: { field: color, type: "ordinal", title: color },
  };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    data: { values },
    facet: { column: { field: "task", type: "nominal", title: null } },
    spec: {
      width: 200,
      height: 160,
      layer: [
        {
          mark: { type: "line" },
          encoding: {
            ...enc,
            y: { field: "mean", type: "quantitative", title: "metric (%)", scale: { zero: false } },
          },
        },
        {
          mark: { type: "rule" },
          encoding: { ...enc, y: { field: "lo", type: "quantitative" }, y2: { field: "hi" } },
        },
        {
          mark: { type: "point", filled: true },
          encoding: {
            ...enc,
            y: { field: "mean", type: "quantitative" },
            tooltip: [
              { field: "task" },
              { field: "metric" },
              { field: "T" },
              { field: "E" },
              { field: "mean", format: ".2f" },
              {
                field: "std",
                format: ".2f",
              },
              { field: "n" },
              { field: "seeds" },
            ],
          },
        },
      ],
    },
    resolve: { scale: { y: "independent" } },
  };
}

/** supp. Fig. 2: the headline metric vs T (one line per E) and vs E (one line per T). */
export function suppFigure2(input: ReportInput): ReportFigure {
  const values = sweepPoints(input);
  const fig: ReportFigure = {
    id: "supp-fig-2",
    title: "Supp. Fig. 2 — sensitivity to T and E",
    caption: "Ours (rl, SRM) per sweep task: mIoU (E_φ for saliency), mean ± std over seeds; the paper's " +
      "figure prints no numbers (its best setting: T = 15, E = 50).",
    charts: [],
  };
  const Ts = new Set(values.map((v) => v.T)), Es = new Set(values.map((v) => v.E));
  if (Ts.size < 2 && Es.size < 2) {
    fig.missing = missingReason(input, "supp-fig-2", "*", "sweep") +
      " (needs at least two T or two E values)";
    return fig;
  }
  fig.charts.push({ id: "supp-fig-2-T", spec: lineSpec("metric vs T (colour: E)", values, "T", "E") });
  fig.charts.push({ id: "supp-fig-2-E", spec: lineSpec("metric vs E (colour: T)", values, "E", "T") });
  return fig;
}

/** Training curves: mean episode return and FR per PPO update, one panel per training item. */
export function trainingFigure(input: ReportInput): ReportFigure {
  const values = input.training.flatMap((t) =>
    t.updates.map((u) => ({
      run: `${t.task} ${t.variant} ${t.branch} T=${t.T} E=${t.E}`,
      seed: t.seed,
      update: u.update,
      mean_return: u.mean_return,
      fr: u.fr * 100,
    }))
  );
  const fig: ReportFigure = {
    id: "training",
    title: "Training curves",
    caption: "Per PPO update: mean episode return and FR (%) of the rollout, one line per seed.",
    charts: [],
  };
  if (values.length === 0) {
    fig.missing = missingReason(input, "training", "*", "training");
    return fig;
  }
  const spec = (field: string, title: string): VlSpec => ({
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    data: { values },
    facet: { field: "run", type: "nominal", title: null },
    columns: 4,
    spec: {
      width: 180,
      height: 120,
      mark: { type: "line", point: true },
      encoding: {
        x: { field: "update", type: "quantitative" },
        y: { field, type: "quantitative", title },
        color: { field: "seed", type: "nominal" },
        tooltip: [{ field: "run" }, { field: "seed" }, { field: "update" }, { field, format: ".3f" }],
      },
    },
  });
  fig.charts.push({ id: "training-return", spec: spec("mean_return", "mean episode return") });
  fig.charts.push({ id: "training-fr", spec: spec("fr", "FR (%)") });
  return fig;
}
