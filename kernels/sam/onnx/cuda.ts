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

/** A float32 graph input or output of fixed `dims`. */
function floatValueInfo(name: string, dims: number[]) {
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

/** The parts of an opset-17 model whose inputs and outputs are float32 tensors of fixed size. */
export interface FloatGraph {
  name: string;
  producer: string;
  inputs: [string, number[]][];
  outputs: [string, number[]][];
  nodes: InstanceType<typeof onnx.NodeProto>[];
  initializer?: InstanceType<typeof onnx.TensorProto>[];
}

/** Serialise `g` as an ONNX model (the probe below; bench/gpu/vit_graph.ts). */
export function floatModel(g: FloatGraph): Uint8Array {
  return onnx.ModelProto.encode(onnx.ModelProto.create({
    irVersion: 8,
    producerName: g.producer,
    opsetImport: [{ domain: "", version: 17 }],
    graph: onnx.GraphProto.create({
      name: g.name,
      input: g.inputs.map(([n, d]) => floatValueInfo(n, d)),
      output: g.outputs.map(([n, d]) => floatValueInfo(n, d)),
      initializer: g.initializer ?? [],
      node: g.nodes,
    }),
  })).finish();
}

/** A model with one Identity node, x [1] → y [1] (float32). */
const identityModel = () =>
  floatModel({
    name: "probe",
    producer: "alignsam-cuda-probe",
    inputs: [["x", [1]]],
    outputs: [["y", [1]]],
    nodes: [onnx.NodeProto.create({ opType: "Identity", input: ["x"], output: ["y"] })],
  });

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
