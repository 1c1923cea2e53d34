/**
 * Every file whose code can change a stage's outputs is in that stage's declared `code` (the list
 * its cache key hashes). The lists are written by hand (DVC's declared deps), so this test walks
 * the real module graph (`deno info --json`, the same resolver that runs the code) from each
 * stage's module along value imports — `import type` cannot change an output — and fails on any
 * project file the list leaves out. Without it an edit of, say, the weight-free colour grid served
 * stale embeddings from the cache.
 *
 * The walk stops at another stage's module and at pipeline/ (the runner): another stage's code
 * reaches this one through that stage's key, which is an input of this one.
 */
import { relative } from "node:path";
import { assertEquals } from "./pipeline_assert.ts";
import { STAGES } from "../stages/mod.ts";

const ROOT = new URL("..", import.meta.url).pathname;

/**
 * Files that cannot change any output: error texts, the progress bar, and stages/code.ts (the lists
 * themselves, which enter each key as the set of files hashed).
 */
const NEVER_IN_OUTPUT = new Set(["core/errors.ts", "core/progress.ts", "stages/code.ts"]);

interface InfoModule {
  specifier: string;
  dependencies?: { code?: { specifier: string } }[];
}

/** Project-relative files reachable from `entry` along value imports, stopping at `stops`. */
function valueClosure(entry: string, stops: Set<string>): string[] {
  const out = new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).outputSync();
  if (out.code !== 0) throw new Error(`deno info ${entry}: ${new TextDecoder().decode(out.stderr)}`);
  const info = JSON.parse(new TextDecoder().decode(out.stdout));
  const mods = new Map<string, InfoModule>(info.modules.map((m: InfoModule) => [m.specifier, m]));
  const seen = new Set<string>();
  const walk = (spec: string) => {
    if (!spec.startsWith("file://")) return; // npm: and node: packages are pinned by the lock file
    const rel = relative(ROOT, new URL(spec).pathname);
    if (seen.has(rel) || (rel !== entry && (stops.has(rel) || rel.startsWith("pipeline/")))) return;
    seen.add(rel);
    for (const d of mods.get(spec)?.dependencies ?? []) if (d.code) walk(d.code.specifier);
  };
  walk(info.roots[0]);
  return [...seen].sort();
}

Deno.test("stage code: each stage's declared code covers every file its module runs (value imports)", () => {
  const modules = new Set(STAGES.map((s) => s.code[0]));
  const missing: Record<string, string[]> = {};
  const checked = new Map<string, string[]>(); // one walk per module (the studies share one)
  for (const s of STAGES) {
    const entry = s.code[0];
    if (!checked.has(entry)) checked.set(entry, valueClosure(entry, modules));
    const covered = (f: string) => s.code.some((d) => f === d || f.startsWith(`${d}/`));
    const gaps = checked.get(entry)!.filter((f) => !covered(f) && !NEVER_IN_OUTPUT.has(f));
    if (gaps.length) missing[s.name] = gaps;
  }
  assertEquals(missing, {}, "files each stage runs but does not hash into its key");
});
