/**
 * Training is bit-reproducible under the V8 flags `deno task reproduce` runs with (deno.json). With
 * V8's default background compilation, the same small training gave different weights in about
 * half of the runs, even one after another on an idle machine (issue 13: two builds of one key must
 * agree); `--no-concurrent-recompilation` (and its sparkplug and OSR kin) makes V8 compile JS on the
 * main thread, at the same points every run (the GC may stay concurrent: it changes no value).
 */
import { join } from "node:path";
import { assert, assertEquals } from "./pipeline_assert.ts";
import { needsShared, SHARED_DATA } from "./_shared.ts";
import { V8_FLAGS } from "./_cli.ts";
import { JOB_V8_FLAGS } from "../cli/main.ts";

const FIXTURE = new URL("./fixtures/agent/train_hash.ts", import.meta.url).pathname;

Deno.test({
  name: "train: four runs of one small training under deno task's V8 flags give byte-identical weights",
  ...needsShared("data/saliency"),
  fn: async () => {
    const v8 = V8_FLAGS;
    assert(v8, "deno.json's reproduce task has no --v8-flags");
    // what the SLURM jobs run with too
    assertEquals(JOB_V8_FLAGS, v8);
    for (const f of ["--no-concurrent-recompilation", "--no-concurrent-sparkplug", "--no-concurrent-osr"]) {
      assert(v8.includes(f), `reproduce's V8 flags lack ${f}: ${v8}`);
    }
    const work = await Deno.makeTempDir({ prefix: "alignsam-repro-" });
    try {
      const hashes: string[] = [];
      for (let i = 0; i < 4; i++) {
        const out = await new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", v8, FIXTURE, SHARED_DATA, join(work, "stages")],
          stdout: "piped",
          stderr: "piped",
        }).output();
        const err = new TextDecoder().decode(out.stderr);
        assertEquals(out.code, 0, err.slice(-2000));
        hashes.push(new TextDecoder().decode(out.stdout).trim());
      }
      assertEquals(new Set(hashes).size, 1, `weights differ between runs: ${hashes.join(", ")}`);
    } finally {
      await Deno.remove(work, { recursive: true });
    }
  },
});
