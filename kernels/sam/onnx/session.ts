/**
 * onnxruntime-node sessions: the execution provider is chosen once per process (CUDA where the
 * runtime offers it and a session starts on it, else CPU) and logged once; every session's
 * inputs and outputs are checked against the registry's tensor specs on load, so a wrong file
 * fails at once with its name, the tensor, and expected vs actual — not deep inside a decode.
 */
import * as ort from "onnxruntime-node";
import { ModelError } from "../../../core/errors.ts";
import type { TensorSpec } from "../registry.ts";

export type Provider = "cuda" | "cpu";
let chosen: Provider | undefined;

/** Whether this onnxruntime build lists the CUDA execution provider at all. */
function cudaListed(): boolean {
  try {
    // deno-lint-ignore no-explicit-any
    const list = (ort as any).listSupportedBackends?.() as { name: string }[] | undefined;
    return !!list?.some((b) => b.name === "cuda");
  } catch {
    return false;
  }
}

/** The provider chosen for this process, if a session was made already. */
export function chosenProvider(): Provider | undefined {
  return chosen;
}

/**
 * Create a session for `path`. The first call decides the provider: `ALIGNSAM_ORT_EP=cpu|cuda`
 * forces one; otherwise CUDA is tried where listed and CPU is the fallback.
 */
export async function createSession(path: string): Promise<ort.InferenceSession> {
  try {
    await Deno.stat(path);
  } catch {
    throw new ModelError(`model file not found: ${path}`, path);
  }
  const forced = Deno.env.get("ALIGNSAM_ORT_EP");
  if (forced && forced !== "cpu" && forced !== "cuda") {
    throw new ModelError(`ALIGNSAM_ORT_EP=${forced} is not accepted (accepted: cpu, cuda)`);
  }
  const open = (p: Provider) => ort.InferenceSession.create(path, { executionProviders: [p] });
  try {
    if (chosen) return await open(chosen);
    const want: Provider = (forced as Provider | undefined) ?? (cudaListed() ? "cuda" : "cpu");
    let session: ort.InferenceSession;
    // A missing CUDA provider library is logged by onnxruntime's native logger as an error: the
    // fallback is expected, so keep the probe quiet and say what was chosen below.
    const level = ort.env.logLevel;
    if (want === "cuda" && !forced) ort.env.logLevel = "fatal";
    try {
      session = await open(want);
      chosen = want;
    } catch (e) {
      if (want !== "cuda" || forced === "cuda") throw e;
      session = await open("cpu");
      chosen = "cpu";
    } finally {
      ort.env.logLevel = level;
    }
    console.error(`[alignsam] onnxruntime execution provider: ${chosen}`);
    return session;
  } catch (e) {
    if (e instanceof ModelError) throw e;
    throw new ModelError(`cannot load ONNX model ${path}: ${(e as Error).message}`, path);
  }
}

const fmtShape = (s: readonly (number | string)[]) => `[${s.join(",")}]`;

function checkOne(
  path: string,
  kind: "input" | "output",
  want: TensorSpec,
  have: ort.InferenceSession.ValueMetadata | undefined,
  names: string[],
): void {
  if (!have) {
    throw new ModelError(
      `${path}: ${kind} '${want.name}' missing (expected ${want.type}${fmtShape(want.shape)}; ` +
        `the file's ${kind}s: ${names.join(", ")})`,
      path,
    );
  }
  if (!have.isTensor) throw new ModelError(`${path}: ${kind} '${want.name}' is not a tensor`, path);
  if (have.type !== want.type) {
    throw new ModelError(
      `${path}: ${kind} '${want.name}' has type ${have.type}, expected ${want.type}`,
      path,
    );
  }
  const shape = have.shape;
  // An empty shape means "not declared": nothing to compare.
  if (shape.length === 0) return;
  const ok = shape.length === want.shape.length &&
    want.shape.every((d, i) => d < 0 || typeof shape[i] !== "number" || shape[i] < 0 || shape[i] === d);
  if (!ok) {
    throw new ModelError(
      `${path}: ${kind} '${want.name}' has shape ${fmtShape(shape)}, expected ${fmtShape(want.shape)} ` +
        `(-1 = any)`,
      path,
    );
  }
}

/**
 * Check a session against the registry: every expected input and output present with its
 * type and (where both are fixed) its sizes, and no extra required input the wrapper cannot feed.
 */
export function checkInterface(
  session: ort.InferenceSession,
  path: string,
  inputs: TensorSpec[],
  outputs: TensorSpec[],
): void {
  const inNames = session.inputMetadata.map((m) => m.name);
  const outNames = session.outputMetadata.map((m) => m.name);
  for (const want of inputs) {
    checkOne(path, "input", want, session.inputMetadata.find((m) => m.name === want.name), inNames);
  }
  for (const want of outputs) {
    checkOne(path, "output", want, session.outputMetadata.find((m) => m.name === want.name), outNames);
  }
  const extra = inNames.filter((n) => !inputs.some((s) => s.name === n));
  if (extra.length) {
    throw new ModelError(
      `${path}: unexpected input(s) ${extra.join(", ")} (expected exactly: ${
        inputs.map((s) => s.name).join(", ")
      })`,
      path,
    );
  }
}

export { ort };
