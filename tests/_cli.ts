/**
 * cli/main.ts as `deno task reproduce` runs it, for the tests that drive the real CLI: the V8
 * flags come from deno.json's reproduce task, so a flag change there reaches these tests too.
 */
const CLI = new URL("../cli/main.ts", import.meta.url).pathname;
const TASKS = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url))).tasks;

/** `--v8-flags=...` of deno.json's reproduce task. */
export const V8_FLAGS: string = String(TASKS.reproduce).match(/--v8-flags=\S+/)?.[0] ?? "";

/** Run the CLI with `args` and exactly `env` added (NO_COLOR set); its exit code and output. */
export async function runCli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; out: string; err: string }> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", V8_FLAGS, CLI, ...args],
    env: { ...env, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
}
