/**
 * `reproduce --profile smoke` as a user runs it (`deno task reproduce`'s flags), for the benches
 * that time whole builds (plan.ts, slurm.ts). Files starting with "_" are helpers, not benches.
 */
import { fileURLToPath } from "node:url";
import { JOB_V8_FLAGS } from "../cli/main.ts";

const MAIN = fileURLToPath(new URL("../cli/main.ts", import.meta.url));

/** Run it into `cache` with `args` appended: wall seconds from outside, exit code, stderr. */
export async function reproduceSmoke(
  cache: string,
  args: string[],
): Promise<{ seconds: number; code: number; stderr: string }> {
  const t0 = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--unstable-webgpu",
      JOB_V8_FLAGS, // deno.json's tasks' flags (tests/train_reproducible_test.ts)
      MAIN,
      "reproduce",
      "--profile",
      "smoke",
      ...args,
    ],
    env: { ALIGNSAM_CACHE: cache, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    seconds: (performance.now() - t0) / 1000,
    code: out.code,
    stderr: new TextDecoder().decode(out.stderr),
  };
}
