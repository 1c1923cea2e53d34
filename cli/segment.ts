/**
 * `deno task segment --agent SPEC|DIR [--segmenter S] [--out DIR] [--T N] image...`: run a trained
 * agent (a train-agent item spec such as task=glass,seed=0, or its entry directory) with its SRM and a segmenter on
 * new images. Writes `<stem>.mask.png` (0/255) and `<stem>.overlay.png` (the image with the
 * mask tinted and the numbered points, green = positive, red = negative; P_0 is numbered 0).
 *
 * @example
 * deno task segment --agent task=glass,seed=0 --out out/ photo.jpg
 */
import { basename, extname, join } from "node:path";
import sharp from "sharp";
import { Buffer } from "node:buffer";
import { helpText, parseFlags, runMain } from "./args.ts";
import { UsageError } from "../core/errors.ts";
import { findEntry, parseItemSpec } from "../pipeline/lookup.ts";
import { fileURLToPath } from "node:url";
import { encodeMaskPng, readRgb } from "../core/image_io.ts";
import { createSegmenter } from "../kernels/sam/factory.ts";
import { loadAgentWeights } from "../kernels/agent/weights_io.ts";
import { restoreAgent, runEpisode } from "../kernels/agent/episode.ts";
import { initTf } from "../kernels/tf/backend.ts";
import { makeRng } from "../core/rng.ts";
import type { Point, RGBImage } from "../core/image.ts";
import type { FlagSpec } from "./args.ts";

const FLAGS: Record<string, FlagSpec> = {
  agent: {
    type: "string",
    doc: "the trained agent: a train-agent item spec (task=glass,seed=0) or its entry directory",
  },
  segmenter: { type: "string", doc: "segmenter the agent was trained with", default: "weight-free" },
  out: { type: "string", doc: "output directory", default: "." },
  T: { type: "string", doc: "prompting steps (default: the agent's training T)" },
};

/** The overlay: mask tinted blue-green, points as filled circles numbered by step. */
export async function overlayPng(image: RGBImage, mask: Uint8Array, points: Point[]): Promise<Uint8Array> {
  const { width: w, height: h } = image;
  const tinted = new Uint8Array(image.data);
  for (let i = 0; i < w * h; i++) {
    if (!mask[i]) continue;
    tinted[i * 3] = Math.round(tinted[i * 3] * 0.5 + 0 * 0.5);
    tinted[i * 3 + 1] = Math.round(tinted[i * 3 + 1] * 0.5 + 160 * 0.5);
    tinted[i * 3 + 2] = Math.round(tinted[i * 3 + 2] * 0.5 + 255 * 0.5);
  }
  const r = Math.max(6, Math.round(Math.max(w, h) / 60));
  // P_0 holds two points (both numbered 0); agent steps are 1..T.
  const circles = points.map((p, i) => {
    const n = Math.max(0, i - 1);
    const fill = p.label ? "#22c55e" : "#ef4444";
    return `<circle cx="${p.x}" cy="${p.y}" r="${r}" fill="${fill}" stroke="white" stroke-width="${
      r / 4
    }"/>` +
      `<text x="${p.x}" y="${p.y + r * 0.4}" font-size="${r * 1.1}" font-family="sans-serif" ` +
      `font-weight="bold" text-anchor="middle" fill="white">${n}</text>`;
  }).join("");
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">${circles}</svg>`;
  const buf = await sharp(tinted, { raw: { width: w, height: h, channels: 3 } })
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .png()
    .toBuffer();
  return new Uint8Array(buf);
}

/** A directory as given, else a train-agent item spec looked up in the cache's index. */
async function agentDir(agent: string): Promise<string> {
  if (!agent.includes("=")) return agent;
  const cache = Deno.env.get("ALIGNSAM_CACHE") ??
    fileURLToPath(new URL("../.alignsam/cache", import.meta.url));
  return await findEntry(cache, "train-agent", parseItemSpec(agent), "--agent");
}

async function main(): Promise<number> {
  const { values, positionals } = parseFlags("segment", Deno.args, FLAGS, true);
  if (values.help) {
    console.log(
      helpText("segment", "Segment new images with a trained agent + SRM + segmenter.", FLAGS) +
        "  image...                   images to segment\n",
    );
    return 0;
  }
  if (typeof values.agent !== "string") {
    throw new UsageError(
      "segment: --agent is required (e.g. --agent task=glass,seed=0, or a train-agent entry directory)",
    );
  }
  if (positionals.length === 0) {
    throw new UsageError("segment: no images given (usage: segment --agent DIR image...)");
  }
  const T = values.T === undefined ? undefined : Number(values.T);
  if (T !== undefined && !(Number.isInteger(T) && T >= 1 && T <= 100)) {
    throw new UsageError(`segment: --T must be an integer in 1..100, got '${values.T}'`);
  }
  const out = String(values.out ?? ".");
  const weights = await loadAgentWeights(await agentDir(values.agent));
  if (weights.srm.branch === "explicit") {
    throw new UsageError(
      "segment: this agent uses the explicit SRM branch, which needs a CLIP-Surgery map per image; " +
        "segment supports implicit-branch agents only",
    );
  }
  const segName = String(values.segmenter ?? "weight-free");
  const segmenter = await createSegmenter(segName);
  if (segmenter.id !== weights.meta.segmenter) {
    console.error(
      `warning: the agent was trained with segmenter ${weights.meta.segmenter.slice(0, 12)}, ` +
        `not --segmenter ${segName} (${segmenter.id.slice(0, 12)})`,
    );
  }
  await initTf();
  await Deno.mkdir(out, { recursive: true });
  const loaded = restoreAgent(weights);
  try {
    for (const path of positionals) {
      const image = await readRgb(path);
      const emb = await segmenter.embed(image);
      const steps = await runEpisode({
        segmenter,
        emb,
        loaded,
        policy: "rl",
        variant: "srm",
        T: T ?? weights.meta.T,
        feedMask: true,
        multimask: false,
        rng: makeRng(0),
      });
      const last = steps[steps.length - 1];
      const stem = basename(path, extname(path));
      const mask = { width: image.width, height: image.height, data: last.decoded.mask };
      await Deno.writeFile(join(out, `${stem}.mask.png`), await encodeMaskPng(mask));
      await Deno.writeFile(join(out, `${stem}.overlay.png`), await overlayPng(image, mask.data, last.points));
      const pos = last.points.filter((p) => p.label).length;
      console.log(
        `${path}: ${last.points.length} points (${pos} positive) → ${join(out, stem)}.{mask,overlay}.png`,
      );
    }
  } finally {
    loaded.dispose();
    await segmenter.dispose?.();
  }
  return 0;
}

if (import.meta.main) runMain(main);
