/**
 * SRM timing (issue 7): one train step (Adam update of Dice + BCE) and one predict per branch on
 * the backend initTf() picks, with random embeddings of the weight-free width (32 channels) and
 * SAM's (256). As in an episode step, predict sees a new previous mask (so it includes pooling
 * and uploading the state) and train then reuses that state (q updates on the same s_t).
 * On a shared, loaded machine wall time overstates the cost, so each op also gets a row with
 * this process's CPU time per call (user + system, all threads).
 */
import process from "node:process";
import type { BenchRow } from "./row.ts";
import { initTf } from "../kernels/tf/backend.ts";
import { defaultConvPath } from "../kernels/tf/conv2d.ts";
import { type Branch, createSrm, SRM_LR } from "../kernels/srm/srm.ts";
import { makeRng } from "../core/rng.ts";

const N = 64 * 64;
const REPS = 30;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function bench(): Promise<BenchRow[]> {
  const backend = await initTf();
  const on = `[${backend}, conv ${defaultConvPath()}]`;
  const rows: BenchRow[] = [];
  const cases: [Branch, number, number, number][] = [
    ["implicit", 32, 25, 5],
    ["implicit", 256, 0, 0],
    ["explicit", 32, 75, 15],
    ["explicit", 256, 0, 0],
  ];
  for (const [branch, channels, trainTarget, predictTarget] of cases) {
    const rng = makeRng(channels);
    const embedding = Float32Array.from({ length: channels * N }, () => rng.normal());
    const gt = Float32Array.from(
      { length: N },
      (_, p) => (Math.hypot((p % 64) - 32, Math.floor(p / 64) - 32) < 16 ? 1 : 0),
    );
    const clipMap = Float32Array.from({ length: N }, () => rng.next());
    const srm = createSrm({ branch, channels, seed: 0, lr: SRM_LR, state: "signed" });
    const train: number[] = [], predict: number[] = [];
    let cpuTrain = 0, cpuPredict = 0;
    const cpuMs = (c: { user: number; system: number }) => (c.user + c.system) / 1000;
    for (let i = 0; i < REPS + 3; i++) {
      const prevMask = Float32Array.from({ length: N }, () => rng.next());
      const x = { embedding, channels, clipMap, prevMask };
      let c = process.cpuUsage(), t = performance.now();
      srm.predict(x);
      const tp = performance.now() - t, cp = cpuMs(process.cpuUsage(c));
      c = process.cpuUsage(), t = performance.now();
      srm.train(x, gt, 1);
      const tt = performance.now() - t, ct = cpuMs(process.cpuUsage(c));
      if (i < 3) continue; // the first calls compile kernels
      predict.push(tp), train.push(tt), cpuPredict += cp / REPS, cpuTrain += ct / REPS;
    }
    srm.dispose();
    const what = (op: string) => `${branch} ${op}, ${channels}-channel embedding ${on}`;
    const row = (op: string, value: number, target: number): BenchRow => ({
      area: "srm",
      what: what(op),
      value: Math.round(value * 10) / 10,
      unit: `ms (median of ${REPS})`,
      ...(target > 0 ? { target: `≤ ${target} ms`, ok: value <= target } : {}),
    });
    rows.push(row("train step (1 Adam update)", median(train), trainTarget));
    rows.push(row("predict (new state)", median(predict), predictTarget));
    for (const [op, v] of [["train step", cpuTrain], ["predict", cpuPredict]] as const) {
      rows.push({
        area: "srm",
        what: what(`${op}, process CPU time`),
        value: Math.round(v * 10) / 10,
        unit: "ms (mean)",
      });
    }
  }
  return rows;
}

if (import.meta.main) console.table(await bench());
