/**
 * One stage item built outside the runner, into a folder of the caller's choosing: for scripts and
 * test fixtures that need a stage's output (preprocess, embed-cache) without a cache, keys or
 * claims. The item is built only when the stage's first output is missing from `dir`.
 * @example
 * const pre = await buildStageOnce(preprocessStage, { task: "glass" }, params, {}, "out/pre");
 */
import { join } from "node:path";
import type { Item, Params, RunContext, Stage } from "../pipeline/stage.ts";

export async function buildStageOnce(
  stage: Stage,
  item: Item,
  params: Params,
  /** stage name → folder of that input's output */
  inputs: Record<string, string>,
  dir: string,
  log: (m: string) => void = () => {},
): Promise<string> {
  try {
    await Deno.stat(join(dir, stage.outputs[0]));
    return dir;
  } catch { /* not built yet */ }
  await Deno.mkdir(dir, { recursive: true });
  await stage.run({
    item,
    params,
    outDir: dir,
    inputs: [],
    input: (ref: { stage: string }) => inputs[ref.stage],
    progress: () => {},
    log,
    note: () => {},
    memo: (_k: string, make: () => Promise<Uint8Array>) => make(),
    signal: new AbortController().signal,
  } as unknown as RunContext);
  return dir;
}
