/**
 * Glue for the report stage: stage outputs (core/records.ts) → ReportInput pieces. Traces keep
 * their points in the original image's frame while their PNGs are thumbnails (long side ≤ 256,
 * kernels/agent/trace.ts), so the points are scaled to the PNG's pixel frame here.
 */
import { join } from "node:path";
import sharp from "sharp";
import type { EvalSummary, Trace } from "../core/records.ts";
import type { EvalRow, TraceInput } from "./data.ts";

/** An evaluate summary without per-image detail. */
export function evalRowOf(s: EvalSummary & { shots?: number; trainCount?: number }): EvalRow {
  const { images: _i, traces: _t, ...row } = s;
  return row;
}

async function pngSize(bytes: Uint8Array, path: string): Promise<{ width: number; height: number }> {
  const m = await sharp(bytes).metadata();
  if (!m.width || !m.height) throw new Error(`report: ${path} is not a readable PNG`);
  return { width: m.width, height: m.height };
}

/**
 * One trace of an evaluate entry, its PNGs read from `entryDir`.
 * @param original the size of the image the points were chosen on (preprocess sample); omit when
 *   the points are already in the PNG's frame
 * @example await traceInputOf(summary.traces[0], dir, { task: "blur", policy: "rl", seed: 0, original: { width: 640, height: 480 } });
 */
export async function traceInputOf(
  trace: Trace,
  entryDir: string,
  o: { task: string; policy: string; seed: number; original?: { width: number; height: number } },
): Promise<TraceInput> {
  const read = (rel: string) => Deno.readFile(join(entryDir, rel));
  const image = await read(trace.image);
  const size = await pngSize(image, join(entryDir, trace.image));
  const sx = o.original ? size.width / o.original.width : 1;
  const sy = o.original ? size.height / o.original.height : 1;
  const steps = [];
  for (const s of trace.steps) {
    const mask = await read(s.mask);
    const m = await pngSize(mask, join(entryDir, s.mask));
    steps.push({
      t: s.t,
      points: s.points.map((p) => ({ x: p.x * sx, y: p.y * sy, label: p.label })),
      mask,
      width: m.width,
      height: m.height,
    });
  }
  return {
    task: o.task,
    policy: o.policy,
    seed: o.seed,
    stem: trace.stem,
    image,
    gt: await read(trace.gt),
    width: size.width,
    height: size.height,
    steps,
  };
}
