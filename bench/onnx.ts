/**
 * ONNX backend benchmarks: the wrapper's own cost around a trivial SAM-signature graph (built
 * by tests/fixtures/onnx/sam_graphs.ts: pooling + 1×1 conv encoder, arithmetic decoder), the
 * preprocessing, the embedding file format, PerSAM's location prior; and real SAM-family
 * embed/decode times for every family whose files are present (else a "needs weights" row).
 */
import type { BenchRow } from "./row.ts";
import { FAMILIES } from "../kernels/sam/registry.ts";
import { createOnnxSegmenter } from "../kernels/sam/onnx/segmenter.ts";
import { encoderInput } from "../kernels/sam/onnx/preprocess.ts";
import { decoderFeeds, readDecoderOutputs } from "../kernels/sam/onnx/decoder.ts";
import { createSegmenter, segmenterFingerprint } from "../kernels/sam/factory.ts";
import { decodeEmbedding, encodeEmbedding } from "../kernels/sam/embedding_io.ts";
import { locationPrior } from "../kernels/persam/target.ts";
import type { RGBImage } from "../core/image.ts";
import type { Segmenter } from "../kernels/sam/segmenter.ts";
import { samDecoderGraph, samEncoderGraph } from "../tests/fixtures/onnx/sam_graphs.ts";

const W = 500, H = 375;

function testImage(): RGBImage {
  const data = new Uint8Array(W * H * 3);
  for (let i = 0; i < W * H; i++) data.set([(i * 7) % 256, (i * 13) % 256, (i >> 8) % 256], i * 3);
  return { width: W, height: H, data };
}

/** Median ms of `n` runs after one warm-up (bench/gpu.ts uses it too). */
export async function median(n: number, fn: () => unknown): Promise<number> {
  await fn();
  const t: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return t[Math.floor(n / 2)];
}

async function realFamily(name: string, img: RGBImage): Promise<BenchRow[]> {
  const fp = await segmenterFingerprint(name, { download: false });
  if (fp.startsWith("missing")) {
    return [{
      area: "onnx",
      what: `${name}: embed + decode need its weights (${fp})`,
      value: NaN,
      unit: "ms",
    }];
  }
  const seg = await createSegmenter(name, { download: false });
  try {
    const embedMs = await median(2, () => seg.embed(img));
    const emb = await seg.embed(img);
    const pts = [{ x: 250, y: 180, label: 1 as const }];
    const decodeMs = await median(20, () => seg.decode(emb, pts));
    return [
      { area: "onnx", what: `${name}: embed 500×375 (real weights)`, value: embedMs, unit: "ms" },
      { area: "onnx", what: `${name}: decode 1 point (real weights)`, value: decodeMs, unit: "ms" },
    ];
  } finally {
    await seg.dispose?.();
  }
}

export async function bench(): Promise<BenchRow[]> {
  const dir = await Deno.makeTempDir({ prefix: "alignsam-bench-onnx-" });
  let seg: Segmenter | undefined;
  try {
    await Deno.writeFile(`${dir}/enc.onnx`, samEncoderGraph());
    await Deno.writeFile(`${dir}/dec.onnx`, samDecoderGraph());
    seg = await createOnnxSegmenter({
      family: FAMILIES["sam-vit-b"],
      encoderPath: `${dir}/enc.onnx`,
      decoderPath: `${dir}/dec.onnx`,
      id: "bench",
    });
    const img = testImage();
    const pre = await median(5, () => encoderInput(img, "sam-pad-1024"));
    const embedMs = await median(5, () => seg!.embed(img));
    const emb = await seg.embed(img);
    const pts = [{ x: 250, y: 100, label: 1 as const }, { x: 20, y: 20, label: 0 as const }];
    const single = await median(50, () => seg!.decode(emb, pts));
    const prev = new Float32Array(256 * 256);
    const fed = await median(50, () => seg!.decode(emb, pts, { multimask: true, prevLowRes: prev }));
    // The wrapper alone: feeds in, mask choice + threshold out (outputs shaped as SAM's export).
    const raw = {
      full: { dims: [1, 4, H, W], data: new Float32Array(4 * W * H) },
      scores: { dims: [1, 4], data: new Float32Array([0.1, 0.3, 0.9, 0.5]) },
      lowRes: { dims: [1, 4, 256, 256], data: new Float32Array(4 * 256 * 256) },
    };
    const fam = FAMILIES["sam-vit-b"];
    const wrapper = await median(50, () => {
      decoderFeeds(fam, emb, pts, { prevLowRes: prev });
      readDecoderOutputs(fam, raw, W, H, true, true);
    });
    const io = await median(20, () => decodeEmbedding(encodeEmbedding(emb)));
    const target = new Float32Array(256).fill(1 / 16);
    const prior = await median(20, () => locationPrior(emb, target));
    const rows: BenchRow[] = [
      {
        area: "onnx",
        what: "preprocess 500×375 → [1,3,1024,1024] (resize, normalise, pad)",
        value: pre,
        unit: "ms",
      },
      {
        area: "onnx",
        what: "embed 500×375, test graph (preprocess + pool/1×1 conv)",
        value: embedMs,
        unit: "ms",
      },
      {
        area: "onnx",
        what: "decode 2 points, test graph, single mask (wrapper + masks at 500×375)",
        value: single,
        unit: "ms",
      },
      { area: "onnx", what: "decode 2 points, test graph, multimask + mask_input", value: fed, unit: "ms" },
      {
        area: "onnx",
        what: "decode wrapper only (feeds + mask choice + threshold at 500×375)",
        value: wrapper,
        unit: "ms",
      },
      { area: "onnx", what: "embedding encode + decode, 256×64×64 float32", value: io, unit: "ms" },
      { area: "onnx", what: "PerSAM location prior, 256×64×64 → 500×375", value: prior, unit: "ms" },
    ];
    for (const name of Object.keys(FAMILIES)) rows.push(...(await realFamily(name, img)));
    return rows;
  } finally {
    await seg?.dispose?.();
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) console.table(await bench());
