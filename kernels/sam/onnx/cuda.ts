/**
 * Whether onnxruntime-node's CUDA execution provider loads here. Its provider library
 * (libonnxruntime_providers_cuda.so) is not in the npm package: the package's install script
 * fetches it from NuGet when asked (`ONNXRUNTIME_NODE_INSTALL=cuda12`, README "GPU"), and it needs
 * the CUDA 12 and cuDNN 9 libraries at load time. The probe opens a one-node session on the CUDA
 * EP, which is what fails when any of those is missing.
 */
import p from "onnx-proto";
import * as ort from "onnxruntime-node";

const { onnx } = p;

/** A float32 graph input or output of fixed `dims` (bench/gpu/vit_graph.ts uses it too). */
export function floatValueInfo(name: string, dims: number[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => ({ dimValue: d })) },
      },
    },
  });
}

/** A model with one Identity node, x [1] → y [1] (float32). */
function identityModel(): Uint8Array {
  const info = (name: string) => floatValueInfo(name, [1]);
  return onnx.ModelProto.encode(onnx.ModelProto.create({
    irVersion: 8,
    producerName: "alignsam-cuda-probe",
    opsetImport: [{ domain: "", version: 17 }],
    graph: onnx.GraphProto.create({
      name: "probe",
      input: [info("x")],
      output: [info("y")],
      node: [onnx.NodeProto.create({ opType: "Identity", input: ["x"], output: ["y"] })],
    }),
  })).finish();
}

/** true if a session starts on the CUDA EP; else why not (onnxruntime's message). */
export async function cudaProviderLoads(): Promise<true | string> {
  // deno-lint-ignore no-explicit-any
  const listed = ((ort as any).listSupportedBackends?.() as { name: string }[] | undefined)
    ?.some((b) => b.name === "cuda");
  if (!listed) return "this onnxruntime-node build has no CUDA execution provider";
  // A missing provider library is logged by onnxruntime's native logger as an error: the
  // fallback is expected, so keep the probe quiet; the caller says what was chosen.
  const level = ort.env.logLevel;
  ort.env.logLevel = "fatal";
  try {
    const session = await ort.InferenceSession.create(identityModel(), { executionProviders: ["cuda"] });
    await session.release();
    return true;
  } catch (e) {
    return `onnxruntime-node's CUDA provider did not load (${(e as Error).message.split("\n")[0]})`;
  } finally {
    ort.env.logLevel = level;
  }
}
