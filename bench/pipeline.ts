/**
 * Runner benchmarks (issue 3): a no-op `reproduce` of a fully cached 200-item DAG (target < 1 s)
 * whose stages declare the runner's own source files as code (canonical hashes, issue 13), the
 * cold and warm cost of those code hashes, and the store's hashing throughput on a 100 MB output.
 */
import { join } from "node:path";
import type { BenchRow } from "./row.ts";
import { reproduce, type RunnerOptions, status } from "../pipeline/runner.ts";
import { manifest } from "../pipeline/store.ts";
import { TOY_PROFILES, TOY_SCHEMA, wideStages } from "../tests/fixtures/pipeline/toy.ts";
import { BUSY_PROFILES, BUSY_SCHEMA, STAGES as BUSY } from "../tests/fixtures/pipeline/busy.ts";

const TOY_CLI = new URL("../tests/fixtures/pipeline/toy_cli.ts", import.meta.url).pathname;
const ROOT = new URL("..", import.meta.url).pathname;
/** the runner's own files as the wide stages' code: real TypeScript for the canonical hashes */
const CODE = [...Deno.readDirSync(join(ROOT, "pipeline"))].map((e) => `pipeline/${e.name}`).sort();
const quiet = { tick() {}, update() {}, done() {} };

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** Wall time of 8 busy items with 1 job and with every core (at most 4), each in a fresh cache. */
async function jobsSpeedup(dir: string): Promise<{ jobs: number; ratio: number }> {
  const jobs = Math.max(2, Math.min(4, navigator.hardwareConcurrency));
  const run = (n: number) =>
    timed(() =>
      reproduce({
        stages: BUSY,
        schema: BUSY_SCHEMA,
        profiles: BUSY_PROFILES,
        profile: "base",
        overrides: { n: 8, ms: 1000 },
        root: dir,
        cacheDir: join(dir, `busy-${n}`),
        stagesModule: new URL("../tests/fixtures/pipeline/busy.ts", import.meta.url).href,
        jobs: n,
        log: () => {},
        progress: () => quiet,
        handleSignals: false,
      })
    );
  const one = await run(1);
  const many = await run(jobs);
  return { jobs, ratio: one / many };
}

export async function bench(): Promise<BenchRow[]> {
  const dir = await Deno.makeTempDir({ prefix: "alignsam-bench-" });
  try {
    const opts: RunnerOptions = {
      stages: wideStages(200, CODE),
      schema: TOY_SCHEMA,
      profiles: TOY_PROFILES,
      profile: "base",
      root: ROOT,
      cacheDir: join(dir, "cache"),
      log: () => {},
      progress: () => quiet,
      handleSignals: false,
    };
    const build = await timed(() => reproduce(opts));
    const noop: number[] = [];
    for (let i = 0; i < 3; i++) noop.push(await timed(() => reproduce(opts)));
    const res = await reproduce(opts);
    if (res.ran.length !== 0 || res.fresh.length !== 200) {
      throw new Error(`no-op run built ${res.ran.length}`);
    }
    const st = await timed(() => status(opts));
    // the whole command as a user runs it: process start, module load, config, no-op run
    const cliMs = await timed(async () => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", TOY_CLI, ROOT, "reproduce", "--profile", "base"],
        env: { ALIGNSAM_CACHE: opts.cacheDir, TOY_WIDE: "200", TOY_CODE: CODE.join(",") },
        stdout: "null",
        stderr: "piped",
      }).output();
      const err = new TextDecoder().decode(out.stderr);
      if (!out.success || !err.includes("0 item(s) built, 200 cached")) throw new Error(`cli no-op: ${err}`);
    });
    const verify = await timed(() => reproduce({ ...opts, verify: true }));
    // code hashes in a fresh process: with the memo of the cache above, and with an empty one
    const codeMs = async (cacheDir: string) => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["eval", CODE_HASH_SCRIPT, cacheDir, ...CODE.map((c) => join(ROOT, c))],
        stdout: "piped",
      }).output();
      if (!out.success) throw new Error("code hash script failed");
      return Number(new TextDecoder().decode(out.stdout));
    };
    const warmCode = await codeMs(opts.cacheDir);
    const coldCode = await codeMs(join(dir, "empty-cache"));

    const big = join(dir, "big");
    await Deno.mkdir(big);
    const mb = 100;
    const chunk = new Uint8Array(1 << 20).map((_, i) => (i * 2654435761) >>> 24);
    {
      using f = await Deno.open(join(big, "out.bin"), { write: true, create: true });
      for (let i = 0; i < mb; i++) await f.write(chunk);
    }
    const hashMs = await timed(() => manifest(big, false));
    const hashSyncMs = await timed(() => manifest(big, true));
    const first = noop[0];
    const speedup = await jobsSpeedup(dir);
    return [
      { area: "pipeline", what: "build 200-item toy DAG (hash+fsync+rename)", value: build, unit: "ms" },
      {
        area: "pipeline",
        what: "no-op reproduce, 200 cached items",
        value: first,
        unit: "ms",
        target: "< 1000 ms",
        ok: first < 1000,
      },
      {
        area: "pipeline",
        what: "no-op reproduce, best of 3",
        value: Math.min(...noop),
        unit: "ms",
        target: "< 1000 ms",
        ok: Math.min(...noop) < 1000,
      },
      {
        area: "pipeline",
        what: "no-op `reproduce` CLI process, 200 cached items",
        value: cliMs,
        unit: "ms",
        target: "< 1000 ms",
        ok: cliMs < 1000,
      },
      { area: "pipeline", what: "status, 200 cached items", value: st, unit: "ms" },
      {
        area: "pipeline",
        what: `code hashes of ${CODE.length} files, memoised (fresh process)`,
        value: warmCode,
        unit: "ms",
      },
      {
        area: "pipeline",
        what: `code hashes of ${CODE.length} files, cold (TypeScript load + canonical print)`,
        value: coldCode,
        unit: "ms",
      },
      { area: "pipeline", what: "no-op reproduce --verify (re-hash all)", value: verify, unit: "ms" },
      { area: "pipeline", what: "store hashing, 100 MB output", value: mb / (hashMs / 1000), unit: "MB/s" },
      {
        area: "pipeline",
        what: "store hashing + fsync, 100 MB output",
        value: mb / (hashSyncMs / 1000),
        unit: "MB/s",
      },
      {
        area: "pipeline",
        what: `--jobs ${speedup.jobs} vs 1, 8 CPU-bound items of 1 s (worker threads)`,
        value: speedup.ratio,
        unit: "× faster",
        target: `> ${(0.8 * speedup.jobs).toFixed(1)}×`,
        ok: speedup.ratio > 0.8 * speedup.jobs,
      },
    ];
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** `deno eval` body: time codeFileHash over argv[1..] with memo dir argv[0]; prints ms. */
const CODE_HASH_SCRIPT = `
import { codeFileHash } from ${JSON.stringify(new URL("../pipeline/canon.ts", import.meta.url).href)};
const [memo, ...files] = Deno.args;
const t0 = performance.now();
for (const f of files) await codeFileHash(f, memo);
console.log(performance.now() - t0);
`;
