/**
 * `--executor slurm` on a real SLURM (issue 13 (a), (b), (e)): the toy DAG of
 * tests/fixtures/pipeline/toy.ts through tests/fixtures/slurm/toy_cli.ts, one sbatch job per item
 * (`--slurm-group 0`); the last tests queue the toy's cheap items for worker jobs (the default).
 */
import { join } from "node:path";
import { assert, assertEquals, assertMatch } from "./pipeline_assert.ts";
import { needsSlurm, requireSlurm } from "./_slurm.ts";
import { cacheDifferences, indexKeys } from "./_caches.ts";

const TOY_CLI = new URL("./fixtures/slurm/toy_cli.ts", import.meta.url).pathname;
const dec = new TextDecoder();

function cli(root: string, cache: string, args: string[], env: Record<string, string> = {}) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", TOY_CLI, root, ...args],
    env: { ALIGNSAM_CACHE: cache, NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  });
}

async function run(root: string, cache: string, args: string[], env: Record<string, string> = {}) {
  const out = await cli(root, cache, args, env).output();
  return { code: out.code, stderr: dec.decode(out.stderr) };
}

const GROUPED = ["reproduce", "--executor", "slurm"];
const SLURM = [...GROUPED, "--slurm-group", "0"];

/** A test on the real SLURM, in a fresh project root with its cache at ROOT/cache. */
function slurmTest(name: string, fn: (root: string, cache: string) => Promise<void>) {
  Deno.test({
    name,
    ...needsSlurm(),
    fn: async () => {
      requireSlurm();
      const root = await Deno.makeTempDir({ prefix: "alignsam-slurm-" });
      await fn(root, join(root, "cache"));
      await Deno.remove(root, { recursive: true });
    },
  });
}

slurmTest(
  "slurm (a): the toy DAG built by SLURM jobs has local's keys and byte-identical entries; reruns build nothing",
  async (root, slurm) => {
    const local = join(root, "cache-local");
    const l = await run(root, local, ["reproduce"]);
    assertEquals(l.code, 0, l.stderr);
    const s = await run(root, slurm, SLURM);
    assertEquals(s.code, 0, s.stderr);
    assertMatch(
      s.stderr,
      /submitted double\[task=a\] as SLURM job \d+ \(log .*slurm-logs\/double\/task=a-\d+\.log\)/,
    );
    assertMatch(s.stderr, /5 item\(s\) built, 0 cached/);
    // the job script reruns the item by hand
    const script = await Deno.readTextFile(join(slurm, "slurm-logs", "sum", "_.sh"));
    assertMatch(script, /'build-item' '--stage' 'sum' '--item' '\{\}' .*'--cache' /);

    const kl = await indexKeys(local);
    assertEquals(Object.keys(kl).length, 5);
    assertEquals(await indexKeys(slurm), kl);
    assertEquals(await cacheDifferences(local, slurm), []);
    // a rerun in either mode, on either cache, builds nothing
    for (const [cache, args] of [[slurm, SLURM], [slurm, ["reproduce"]], [local, SLURM]] as const) {
      const r = await run(root, cache, [...args]);
      assertEquals(r.code, 0, r.stderr);
      assertMatch(r.stderr, /0 item\(s\) built, 5 cached/);
      assert(!r.stderr.includes("submitted"), r.stderr);
    }
  },
);

slurmTest(
  "slurm: a stage marked local is built by the coordinator, the others by jobs; same entries as local",
  async (root, slurm) => {
    const local = join(root, "cache-local");
    assertEquals((await run(root, local, ["reproduce"])).code, 0);
    const s = await run(root, slurm, SLURM, { TOY_LOCAL: "sum" });
    assertEquals(s.code, 0, s.stderr);
    assertMatch(s.stderr, /submitted double\[task=a\] as SLURM job \d+/);
    assert(!s.stderr.includes("submitted sum"), s.stderr);
    // no job script or log: the coordinator built it
    assertEquals(await Deno.stat(join(slurm, "slurm-logs", "sum")).catch(() => "none"), "none");
    assertMatch(s.stderr, /5 item\(s\) built, 0 cached/);
    assertEquals(await cacheDifferences(local, slurm), []);
  },
);

slurmTest(
  "slurm (c): two coordinators started at once on one cache build every key exactly once",
  async (root, cache) => {
    const log = join(root, "builds.log");
    const [a, b] = await Promise.all([0, 1].map(() => run(root, cache, SLURM, { TOY_BUILD_LOG: log })));
    assertEquals(a.code, 0, a.stderr);
    assertEquals(b.code, 0, b.stderr);
    // both may submit a job for one item: the second job finds the key claimed, waits, uses the entry
    const built = (await Deno.readTextFile(log)).trim().split("\n").map((l) => l.split(" ")[0]).sort();
    assertEquals(built, ["double[task=a]", "double[task=b]", "source[task=a]", "source[task=b]", "sum"]);
    assertEquals(await indexKeys(cache).then((k) => Object.keys(k).length), 5);
  },
);

/** Items fresh in `cache` (status through the CLI, with these flags and env). */
async function freshItems(
  root: string,
  cache: string,
  args: string[] = [],
  env: Record<string, string> = {},
) {
  const out = await cli(root, cache, ["status", ...args], env).output();
  return dec.decode(out.stdout).split("\n").filter((l) => /^ {2}fresh /.test(l)).map((l) =>
    l.trim().split(/\s+/)[1]
  )
    .sort();
}

slurmTest(
  "slurm: a failed job is reported with its job id, node, log and the log's last lines; the others are kept",
  async (root, cache) => {
    const busy = { TOY_STAGES: "busy" };
    const set = ["--set", "n=3", "--set", "ms=200", "--set", "failAt=1"];
    const r = await run(root, cache, [...SLURM, ...set], busy);
    assertEquals(r.code, 1, r.stderr);
    const m = r.stderr.match(
      /\nerror: spin\[i=1\]: SLURM job (\d+) exited with status 1 on node (\S+); log (\S+); last lines:\n/,
    );
    assert(m, r.stderr);
    assertEquals(m[3], join(cache, "slurm-logs", "spin", `i=1-${m[1]}.log`));
    assertMatch(r.stderr.slice(m.index), /\n {4}error: spin\[i=1\] failed: boom at 1\n/);
    assertEquals(await freshItems(root, cache, set, busy), ["spin[i=0]", "spin[i=2]"]);
  },
);

/** Start a coordinator whose double[task=a] job writes slowly; resolves once that job is writing. */
async function slowRun(root: string, cache: string) {
  const marker = join(root, "marker");
  const child = cli(root, cache, SLURM, { TOY_SLOW: "a", TOY_MARKER: marker }).spawn();
  const stderr = new Response(child.stderr).text();
  const t0 = Date.now();
  while (Date.now() - t0 < 60_000) {
    try {
      await Deno.stat(marker);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const q = await new Deno.Command("squeue", {
    args: ["-h", "-o", "%i", "-n", "alignsam:double[task=a]", "-t", "RUNNING"],
    stdout: "piped",
  }).output();
  const job = dec.decode(q.stdout).trim();
  assertMatch(job, /^\d+$/);
  return { child, stderr, job };
}

slurmTest(
  "slurm (b): scancel of a running job: the coordinator names the job and its log, fails, keeps the rest",
  async (root, cache) => {
    const { child, stderr, job } = await slowRun(root, cache);
    await new Deno.Command("scancel", { args: [job] }).output();
    const status = await child.status;
    const err = await stderr;
    assertEquals(status.code, 1, err);
    const log = join(cache, "slurm-logs", "double", `task=a-${job}.log`);
    assert(
      err.includes(`error: double[task=a]: SLURM job ${job} ended CANCELLED on node `) &&
        err.includes(`log ${log}`),
      err,
    );
    assertEquals(await freshItems(root, cache), ["double[task=b]", "source[task=a]", "source[task=b]"]);
    const again = await run(root, cache, SLURM);
    assertEquals(again.code, 0, again.stderr);
    assertMatch(again.stderr, /2 item\(s\) built, 3 cached/);
  },
);

slurmTest(
  "slurm: status shows the job building its claimed key; Ctrl-C of the coordinator cancels (scancel) its jobs",
  async (root, cache) => {
    const { child, stderr, job } = await slowRun(root, cache);
    // the job holds its key's claim: status names it with its SLURM job id
    const st = await cli(root, cache, ["status"]).output();
    assertMatch(
      dec.decode(st.stdout),
      new RegExp(`double\\[task=a\\] on host \\S+, pid \\d+, job ${job}\\b`),
    );
    child.kill("SIGINT");
    const status = await child.status;
    const err = await stderr;
    assertEquals(status.code, 130, err);
    // double[task=b]'s job may still be running too: every job in flight is cancelled
    assertMatch(err, new RegExp(`cancelled \\d SLURM job\\(s\\): ([\\d ]* )?${job}( |\\n)`));
    const q = await new Deno.Command("squeue", {
      args: ["-h", "-t", "all", "-o", "%T", "-j", job],
      stdout: "piped",
    })
      .output();
    assertMatch(dec.decode(q.stdout), /CANCELLED|COMPLETING/);
  },
);

slurmTest(
  "slurm (e): sbatch missing, or slurmctld down: one clear error that names the command",
  async (root, cache) => {
    const empty = join(root, "bin");
    await Deno.mkdir(empty);
    const missing = await run(root, cache, SLURM, { PATH: empty });
    assertEquals(missing.code, 1, missing.stderr);
    assertEquals(
      missing.stderr.trim().split("\n").filter((l) => l.startsWith("error:")),
      [
        "error: --executor slurm: sbatch not found on PATH (the coordinator needs SLURM's client commands: sbatch, squeue, scancel)",
      ],
    );
    // a controller that does not answer: this cluster's configuration on a port nobody listens on
    const conf = Deno.env.get("SLURM_CONF") ?? "/etc/slurm/slurm.conf";
    const down = join(root, "down.conf");
    const lines = (await Deno.readTextFile(conf)).split("\n").filter((l) =>
      !/^\s*SlurmctldPort\s*=/i.test(l)
    );
    await Deno.writeTextFile(down, ["SlurmctldPort=6999", ...lines].join("\n"));
    const t0 = Date.now();
    const dead = await run(root, cache, SLURM, { SLURM_CONF: down });
    assertEquals(dead.code, 1, dead.stderr);
    const errors = dead.stderr.trim().split("\n").filter((l) => l.startsWith("error:"));
    assertEquals(errors.length, 1, dead.stderr);
    assertMatch(
      errors[0],
      /^error: --executor slurm: the SLURM controller does not answer: `scontrol ping` exited 1: /,
    );
    assert(Date.now() - t0 < 30_000, "fails fast, before sbatch's own retries");
    assert(!dead.stderr.includes("submitted"), dead.stderr);
  },
);

slurmTest(
  "slurm worker jobs: cheap items of a stage are built by worker jobs; same keys and bytes as local; reruns build nothing",
  async (root, slurm) => {
    const local = join(root, "cache-local");
    assertEquals((await run(root, local, ["reproduce"])).code, 0);
    // the toy prices every item at 2 s: both doubles are queued for worker jobs
    const s = await run(root, slurm, GROUPED);
    assertEquals(s.code, 0, s.stderr);
    const m = s.stderr.match(
      /submitted a worker job of double \(2 waiting\) as SLURM job (\d+) \(log (\S+)\)/,
    );
    assert(m, s.stderr);
    assertMatch(m[2], /slurm-logs\/double\/worker-\d+-\d+\.log$/);
    assert(!/submitted double\[/.test(s.stderr), s.stderr);
    // the workers' logs name both items, built
    const logs = [...s.stderr.matchAll(/worker job of double .* \(log (\S+)\)/g)].map((x) => x[1]);
    const said = (await Promise.all(logs.map((l) => Deno.readTextFile(l)))).join("\n");
    for (const t of ["a", "b"]) assertMatch(said, new RegExp(`^double\\[task=${t}\\]: built \\(key `, "m"));
    // sum is alone in its stage: a worker job for its one item
    assertMatch(s.stderr, /submitted a worker job of sum \(1 waiting\) as SLURM job \d+/);
    assertMatch(s.stderr, /5 item\(s\) built, 0 cached/);
    assertEquals(await indexKeys(slurm), await indexKeys(local));
    assertEquals(await cacheDifferences(local, slurm), []);
    const again = await run(root, slurm, GROUPED);
    assertMatch(again.stderr, /0 item\(s\) built, 5 cached/);
    assert(!again.stderr.includes("submitted"), again.stderr);
  },
);

slurmTest(
  "slurm worker jobs: a failed item fails alone, naming the worker job, its log and the error; the others are kept",
  async (root, cache) => {
    const busy = { TOY_STAGES: "busy" };
    const set = ["--set", "n=3", "--set", "ms=200", "--set", "failAt=1"];
    const r = await run(root, cache, [...GROUPED, ...set], busy);
    assertEquals(r.code, 1, r.stderr);
    const m = r.stderr.match(
      /\nerror: spin\[i=1\]: SLURM job (\d+) \(a worker job of spin\) on node (\S+) failed it: spin\[i=1\] failed: boom at 1; log (\S+worker-\d+-\d+\.log)\n/,
    );
    assert(m, r.stderr);
    assertMatch(await Deno.readTextFile(m[3]), /^spin\[i=1\]: failed: spin\[i=1\] failed: boom at 1$/m);
    // the workers went on past the failure: both others are in the cache
    assertEquals(await freshItems(root, cache, set, busy), ["spin[i=0]", "spin[i=2]"]);
    assert(!/error: spin\[i=[02]\]/.test(r.stderr), r.stderr);
  },
);
