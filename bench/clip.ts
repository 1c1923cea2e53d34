/**
 * CLIP Surgery timing (issue 6): map time per image at 224 and 512 input on the chosen tfjs
 * backend, with random weights of the real ViT-B/16 shape built in memory (no 600 MB file).
 * Text embeddings are per text (memoised by the stage), so they get their own row.
 */
import type { BenchRow } from "./row.ts";
import { initTf } from "../kernels/tf/backend.ts";
import { randomClipTensors } from "../kernels/clip/random.ts";
import { mapWeights, VIT_B_16 } from "../kernels/clip/weights.ts";
import { createClipSurgery, loadTemplates } from "../kernels/clip/model.ts";
import { type ClipTokenizer, loadTokenizer, makeTokenizer } from "../kernels/clip/tokenizer.ts";
import { makeRng } from "../core/rng.ts";

const SHARED_CLIP = new URL("../../shared/models/clip/", import.meta.url).pathname;

/**
 * The real vocabulary and 85 templates when ../shared has them (token lengths decide the text
 * cost); else a synthetic merges table and stand-in templates of similar length, said in the row.
 */
async function textSide(): Promise<{ tokenizer: ClipTokenizer; templates: string[]; note: string }> {
  try {
    return {
      tokenizer: await loadTokenizer(`${SHARED_CLIP}bpe_simple_vocab_16e6.txt.gz`),
      templates: await loadTemplates(`${SHARED_CLIP}prompt_templates.json`),
      note: "real vocabulary and templates",
    };
  } catch {
    const merges = Array.from({ length: 49152 - 256 - 2 }, (_, i) => `x${i} y`).join("\n");
    const words = ["bad", "cropped", "bright", "dark", "blurry", "good", "large", "small", "clean", "dirty"];
    return {
      tokenizer: makeTokenizer(`#version: 0.2\n${merges}\n`, "synthetic merges"),
      templates: Array.from({ length: 85 }, (_, i) => `a ${words[i % 10]} photo of the {}.`),
      note: "synthetic vocabulary (../shared absent): one token per character",
    };
  }
}

export async function bench(): Promise<BenchRow[]> {
  const backend = await initTf();
  const tensors = new Map(
    [...randomClipTensors(VIT_B_16, 0)].map(([k, v]) => [k, { dtype: "F32", ...v }]),
  );
  const text = await textSide();
  const cs = createClipSurgery(
    mapWeights(tensors, VIT_B_16, "random ViT-B/16"),
    text.tokenizer,
    text.templates,
  );
  const rng = makeRng(1);
  const image = {
    width: 640,
    height: 480,
    data: Uint8Array.from({ length: 640 * 480 * 3 }, () => rng.int(256)),
  };
  const rows: BenchRow[] = [];
  const area = "clip";
  let t = performance.now();
  cs.textEmbedding("shadow"); // the "" embedding (shared by every text) is made in the warm-up
  rows.push({
    area,
    what: `text ensemble, 85 templates of "shadow", ${text.note} [${backend}]`,
    value: Math.round(performance.now() - t),
    unit: "ms per text",
  });
  // 224: one warm-up and one timed run; 512 (~5× the work): one run, to keep the bench ~2 min.
  for (const [size, warm, reps] of [[224, 1, 1], [512, 0, 1]] as const) {
    for (let i = 0; i < warm; i++) cs.map(image, "shadow", size);
    const times: number[] = [];
    for (let i = 0; i < reps; i++) {
      t = performance.now();
      cs.map(image, "shadow", size);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    rows.push({
      area,
      what: `map per image, ${size}×${size} input (${(size / 16) ** 2} tokens), 640×480 image [${backend}]`,
      value: Math.round(times[Math.floor(times.length / 2)]),
      unit: reps > 1 ? `ms (median of ${reps})` : "ms (one run)",
    });
  }
  cs.dispose();
  return rows;
}

if (import.meta.main) console.table(await bench());
