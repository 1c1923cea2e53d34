/**
 * GPU rows (issue 14), each marked by its device: a ViT-B-sized encoder graph (bench/gpu/
 * vit_graph.ts, random weights) on onnxruntime-node CPU, onnxruntime-web WebGPU and
 * onnxruntime-node CUDA; the SRM train step, one PPO update and a CLIP-Surgery map at 224 and 512
 * on tfjs wasm and WebGPU. `ALIGNSAM_GPU_BENCH=full|small` picks the sizes; default full where a
 * GPU is found (CUDA, or a hardware WebGPU adapter), small elsewhere: a software adapter (llvmpipe)
 * runs the full encoder for hours. Targets (on a real GPU, full size): encoder ≥ 20× the CPU,
 * SRM step ≥ 10× wasm. Run alone: `deno task bench --only gpu`.
 */
import type { BenchRow } from "./row.ts";
import { vitEncoderGraph } from "./gpu/vit_graph.ts";
import { findAdapter, probeCuda } from "../kernels/device.ts";
import { openSession, ort } from "../kernels/sam/onnx/session.ts";
import { type BackendName, initTf, useTfBackend } from "../kernels/tf/backend.ts";
import { createSrm, SRM_LR } from "../kernels/srm/srm.ts";
import { createActorCritic } from "../kernels/agent/policy.ts";
import { createOptimizer, PPO_DEFAULTS, ppoUpdate } from "../kernels/agent/ppo.ts";
import { CELL_FEATURES } from "../kernels/agent/features.ts";
import { createClipSurgery } from "../kernels/clip/model.ts";
import { randomClipTensors } from "../kernels/clip/random.ts";
import { type ClipConfig, mapWeights, VIT_B_16 } from "../kernels/clip/weights.ts";
import { makeRng } from "../core/rng.ts";
import { charTokenizer, randomRollout } from "../tests/gpu_helpers.ts";
import { median } from "./onnx.ts";

const SMALL_CLIP: ClipConfig = {
  vision: { width: 128, layers: 2, heads: 2, patch: 16, imageSize: 224 },
  text: { width: 64, layers: 1, heads: 2, vocab: 49408, context: 77 },
  embedDim: 64,
};
const SIZES = {
  small: { side: 128, depth: 1, channels: 32, episodes: 2, epochs: 1, clip: SMALL_CLIP, reps: 1 },
  full: { side: 1024, depth: 12, channels: 256, episodes: 50, epochs: 4, clip: VIT_B_16, reps: 5 },
};
type Size = (typeof SIZES)["full"];

function said(r: BenchRow): BenchRow {
  const target = r.target ? ` (target ${r.target}: ${r.ok ? "met" : "NOT met"})` : "";
  console.error(`[gpu row] ${r.what}: ${Number.isNaN(r.value) ? "-" : `${r.value} ${r.unit}`}${target}`);
  return r;
}

/** A row, also printed as soon as it is measured: bench/gpu.sh keeps these if its time limit cuts the run. */
const row = (
  what: string,
  device: string,
  ms: number,
  reps: number,
  target?: string,
  ok?: boolean,
): BenchRow =>
  said({
    area: "gpu",
    what: `${what} [${device}]`,
    value: Math.round(ms * 10) / 10,
    unit: Number.isNaN(ms) ? "" : `ms (median of ${reps})`,
    ...(target ? { target, ok } : {}),
  });

async function encoderRows(s: Size, gpu: { cuda: boolean; webgpu: boolean }, targets: boolean) {
  const what = `ViT-B-sized encoder graph, ${s.depth} blocks, ${s.side}×${s.side} input`;
  const model = vitEncoderGraph({ side: s.side, depth: s.depth });
  const x = new ort.Tensor("float32", new Float32Array(3 * s.side * s.side).fill(0.25), [
    1,
    3,
    s.side,
    s.side,
  ]);
  const rows: BenchRow[] = [];
  let cpuMs = NaN;
  for (const device of ["cpu", "webgpu", "cuda"] as const) {
    if ((device === "cuda" && !gpu.cuda) || (device === "webgpu" && !gpu.webgpu)) {
      rows.push(
        row(
          `${what}: needs ${device === "cuda" ? "the CUDA provider (README GPU)" : "a WebGPU adapter"}`,
          device,
          NaN,
          0,
        ),
      );
      continue;
    }
    const session = await openSession(model, device);
    const ms = await median(s.reps, () => session.run({ x }));
    await session.release();
    if (device === "cpu") cpuMs = ms;
    const speedup = cpuMs / ms;
    rows.push(
      device === "cpu" || !targets
        ? row(what, device, ms, s.reps)
        : row(`${what} (${speedup.toFixed(1)}× cpu)`, device, ms, s.reps, "≥ 20× cpu", speedup >= 20),
    );
  }
  return rows;
}

function srmStep(s: Size): () => void {
  const rng = makeRng(1), n = 64 * 64;
  const embedding = Float32Array.from({ length: s.channels * n }, () => rng.normal());
  const gt = Float32Array.from(
    { length: n },
    (_, p) => (Math.hypot((p % 64) - 32, (p >> 6) - 32) < 16 ? 1 : 0),
  );
  const x = { embedding, channels: s.channels, prevMask: gt.map((v) => 0.3 + 0.5 * v) };
  const srm = createSrm({ branch: "implicit", channels: s.channels, seed: 0, lr: SRM_LR, state: "signed" });
  return () => srm.train(x, gt, 1);
}

function ppoStep(s: Size): () => void {
  const batch = randomRollout(s.episodes);
  const agent = createActorCritic({ features: CELL_FEATURES, seed: 0 });
  const cfg = { ...PPO_DEFAULTS, updateEpochs: s.epochs };
  const optimizer = createOptimizer(cfg);
  return () => ppoUpdate(agent, optimizer, batch, cfg, makeRng(3));
}

function clipMap(s: Size, side: number): () => void {
  const tensors = new Map([...randomClipTensors(s.clip, 0)].map(([k, v]) => [k, { dtype: "F32", ...v }]));
  const cs = createClipSurgery(mapWeights(tensors, s.clip, "random"), charTokenizer, ["a photo of a {}."]);
  const rng = makeRng(4);
  const image = {
    width: 640,
    height: 480,
    data: Uint8Array.from({ length: 640 * 480 * 3 }, () => rng.int(256)),
  };
  return () => cs.map(image, "shadow", side);
}

async function tfRows(s: Size, webgpu: boolean, targets: boolean): Promise<BenchRow[]> {
  const clip = s.clip === VIT_B_16
    ? "ViT-B/16"
    : `width-${s.clip.vision.width} ${s.clip.vision.layers}-layer`;
  const cases: [string, () => () => void, string?][] = [
    [`SRM train step (implicit, ${s.channels}-channel embedding)`, () => srmStep(s), "≥ 10× wasm"],
    [`one PPO update (${s.episodes * 15} transitions, K = ${s.epochs})`, () => ppoStep(s)],
    [`CLIP-Surgery map 224×224 (random ${clip})`, () => clipMap(s, 224)],
    [`CLIP-Surgery map 512×512 (random ${clip})`, () => clipMap(s, 512)],
  ];
  const rows: BenchRow[] = [];
  for (const [what, make, target] of cases) {
    let wasmMs = NaN;
    for (const backend of ["wasm", "webgpu"] as BackendName[]) {
      if (backend === "webgpu" && !webgpu) {
        rows.push(row(`${what}: needs a WebGPU adapter`, backend, NaN, 0));
        continue;
      }
      await useTfBackend(backend);
      const ms = await median(s.reps, make());
      if (backend === "wasm") wasmMs = ms;
      const speedup = wasmMs / ms;
      rows.push(
        backend === "wasm" || !target || !targets
          ? row(what, backend, ms, s.reps)
          : row(`${what} (${speedup.toFixed(1)}× wasm)`, backend, ms, s.reps, target, speedup >= 10),
      );
    }
  }
  return rows;
}

export async function bench(): Promise<BenchRow[]> {
  const adapter = await findAdapter();
  const cuda = (await probeCuda()) === true;
  const hardware = cuda || (adapter !== undefined && !adapter.software);
  const asked = Deno.env.get("ALIGNSAM_GPU_BENCH");
  if (asked && asked !== "small" && asked !== "full") {
    throw new Error(`ALIGNSAM_GPU_BENCH=${asked} is not a size (accepted: small, full)`);
  }
  const size = (asked ?? (hardware ? "full" : "small")) as keyof typeof SIZES;
  const s = SIZES[size];
  const note: BenchRow = {
    area: "gpu",
    what: `size ${size}; WebGPU adapter: ${
      adapter ? `${adapter.description}${adapter.software ? " (software)" : ""}` : "none"
    }; CUDA provider: ${cuda ? "loaded" : "absent"}`,
    value: NaN,
    unit: "",
  };
  // Targets speak of a real GPU at full size; on a software adapter or the small size they would mislead.
  const targets = hardware && size === "full";
  const before = await initTf();
  try {
    return [
      note,
      ...await encoderRows(s, { cuda, webgpu: !!adapter }, targets),
      ...await tfRows(s, !!adapter, targets),
    ];
  } finally {
    await useTfBackend(before); // the benches after this one run on the process's own backend
  }
}

if (import.meta.main) console.table(await bench());
