/**
 * `--executor slurm` against `--executor local` (issue 13), on the SLURM that `.ci/slurm.sh`
 * starts: wall time of the smoke DAG (issue 13's target: SLURM ≤ 1.3× local; fresh caches, local
 * with --jobs = the node's CPUs, SLURM with 1-CPU jobs and the default worker jobs, as
 * tests/e2e_smoke_test.ts runs them; needs ALIGNSAM_DATA), of a small CPU-bound toy DAG (8 busy
 * items of 5 s + a gather, one job per item), and the scheduler's submit → start latency per job.
 * (The paper profile's plan on 1, 8 and 64 workers is bench/plan.ts's: it needs no SLURM.)
 */
import { join } from "node:path";
import type { BenchRow } from "./row.ts";
import { reproduceSmoke } from "./_smoke.ts";

const TOY_CLI = new URL("../tests/fixtures/slurm/toy_cli.ts", import.meta.url).pathname;
/** tests/e2e_smoke_test.ts's: no GPU here, and two 1-CPU jobs side by side on a 2-core node */
const SMOKE_SLURM = [
  "--executor",
  "slurm",
  "--slurm-gres",
  "none",
  "--slurm-args=--cpus-per-task=1 --mem=3G",
];
const dec = new TextDecoder();

async function sh(cmd: string, args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(cmd, { args, env, stdout: "piped", stderr: "piped" }).output();
  const res = { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  if (res.code !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${res.stderr.trim().split("\n").at(-1)}`);
  return res;
}

/** Seconds from just before `sbatch` to the job's first command, for `n` jobs one after another. */
async function latencies(dir: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const f = join(dir, `start-${i}`);
    const t0 = Date.now() / 1000;
    await sh("sbatch", ["--parsable", `--output=${dir}/lat-%j.log`, "--wrap", `date +%s.%N > ${f}`]);
    for (;;) {
      try {
        const t = Number((await Deno.readTextFile(f)).trim());
        if (t > 0) {
          out.push(t - t0);
          break;
        }
      } catch {
        // not started yet
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  return out;
}

/** `reproduce --profile smoke` into a fresh `cache`: seconds, and how many jobs were submitted. */
async function smokeBuild(cache: string, args: string[]): Promise<{ seconds: number; jobs: number }> {
  const r = await reproduceSmoke(cache, args);
  if (r.code !== 0 || !/\d+ item\(s\) built, 0 cached/.test(r.stderr)) {
    throw new Error(`smoke ${args.join(" ")}: ${r.stderr.trim().split("\n").at(-1)}`);
  }
  return { seconds: r.seconds, jobs: r.stderr.match(/^submitted .* as SLURM job/gm)?.length ?? 0 };
}

async function smokeRows(dir: string, cpus: number): Promise<BenchRow[]> {
  if (!Deno.env.get("ALIGNSAM_DATA")) throw new Error("the smoke rows need ALIGNSAM_DATA");
  const local = await smokeBuild(join(dir, "smoke-local"), ["--jobs", String(cpus)]);
  const slurm = await smokeBuild(join(dir, "smoke-slurm"), SMOKE_SLURM);
  return [
    { area: "slurm", what: `smoke DAG, local --jobs ${cpus}`, value: local.seconds, unit: "s" },
    {
      area: "slurm",
      what: `smoke DAG, --executor slurm (1-CPU jobs, default --slurm-group: ${slurm.jobs} jobs)`,
      value: slurm.seconds,
      unit: "s",
    },
    {
      area: "slurm",
      what: "smoke DAG: slurm / local wall time",
      value: slurm.seconds / local.seconds,
      unit: "×",
      target: "≤ 1.3",
      ok: slurm.seconds / local.seconds <= 1.3,
    },
  ];
}

async function timedBuild(root: string, cache: string, args: string[]): Promise<number> {
  const t0 = performance.now();
  const r = await sh(Deno.execPath(), ["run", "-A", TOY_CLI, root, "reproduce", ...args], {
    ALIGNSAM_CACHE: cache,
    TOY_STAGES: "busy",
  });
  if (!r.stderr.includes("9 item(s) built")) throw new Error(`busy DAG: ${r.stderr}`);
  return (performance.now() - t0) / 1000;
}

export async function bench(): Promise<BenchRow[]> {
  const ping = await sh("scontrol", ["ping"]).catch((e) => ({ stdout: String(e) }));
  if (!/\bUP\b/.test(ping.stdout)) {
    throw new Error("needs a running SLURM controller (.ci/slurm.sh start DIR)");
  }
  const dir = await Deno.makeTempDir({ prefix: "alignsam-bench-slurm-" });
  try {
    const cpus = navigator.hardwareConcurrency;
    const smoke = await smokeRows(dir, cpus);
    const set = ["--set", "n=8", "--set", "ms=5000"];
    const local = await timedBuild(dir, join(dir, "local"), [...set, "--jobs", String(cpus)]);
    const slurm = await timedBuild(dir, join(dir, "slurm"), [
      ...set,
      "--executor",
      "slurm",
      "--slurm-group",
      "0",
    ]);
    const lat = await latencies(dir, 5);
    return [
      ...smoke,
      {
        area: "slurm",
        what: `busy DAG (8 × 5 s + gather), local --jobs ${cpus}`,
        value: local,
        unit: "s",
      },
      { area: "slurm", what: "busy DAG, --executor slurm (one 1-CPU job per item)", value: slurm, unit: "s" },
      {
        area: "slurm",
        // no target: 5 s items, one job each, show a job's start-up; the target is the smoke DAG's
        what: "busy DAG: slurm / local wall time (one job per 5 s item)",
        value: slurm / local,
        unit: "×",
      },
      {
        area: "slurm",
        what: "submit → start latency per job (sbatch --wrap, mean of 5)",
        value: lat.reduce((a, b) => a + b, 0) / lat.length * 1000,
        unit: "ms",
      },
    ];
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
