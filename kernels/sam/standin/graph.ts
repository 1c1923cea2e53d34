/**
 * The stand-in backbone's graph, edited in code from the ONNX Model Zoo's int8 MobileNetV2
 * (../shared/models/mobilenetv2/README.md): every activation there is a uint8 tensor
 * `<n>_quantized` with its scale `<n>_scale` and zero point `<n>_zero_point` as initializers.
 *
 * Edit: one DequantizeLinear per tapped block output; per tap an L2 normalisation over channels
 * (so each stride weighs the same, whatever its activation scale) and a fixed 1×1 projection to
 * P channels (a seeded Gaussian matrix, features.ts says why); the coarser taps bilinearly
 * upsampled (half-pixel centres, as torch's align_corners = false) to stride 8; their sum is the
 * one output `features` [1, P, H/8, W/8]. Every node the taps do not need (the later blocks,
 * the pool, the classifier) is dropped, and the input's spatial dims are symbolic: the network is
 * fully convolutional up to the pool, so it runs on SAM's padded frame (512 here), not 224.
 * Projecting before upsampling equals upsampling then projecting (both are linear) at a
 * fraction of the cost.
 */
import p from "onnx-proto";
import { ModelError } from "../../../core/errors.ts";
const { onnx } = p;

/** A tapped activation of the zoo graph. */
export interface Tap {
  /** prefix of `<n>_quantized`, e.g. "365" */
  tensor: string;
  /** stride w.r.t. the input */
  stride: number;
  /** channels of the block output */
  channels: number;
}

/** The input tensor's name in the zoo file, and the edited graph's one output. */
export const INPUT = "input";
export const OUTPUT = "features";
/** Stride of the output grid (the finest tap's). */
export const OUTPUT_STRIDE = 8;

const FLOAT = onnx.TensorProto.DataType.FLOAT;

function floats(name: string, dims: number[], data: ArrayLike<number>) {
  return onnx.TensorProto.create({ name, dims, dataType: FLOAT, floatData: Array.from(data) });
}

type Attr = { name: string; i?: number; s?: string };
function node(opType: string, input: string[], output: string[], attrs: Attr[] = []) {
  const attribute = attrs.map((a) =>
    a.s !== undefined
      ? { name: a.name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(a.s) }
      : { name: a.name, type: onnx.AttributeProto.AttributeType.INT, i: a.i }
  );
  return onnx.NodeProto.create({ name: output[0], opType, input, output, attribute });
}

/**
 * The edited model's bytes. `projection[k]` is tap k's matrix [P, C_k] row-major. Throws a
 * ModelError naming the file and the tensor when the file lacks a tap or its quantisation
 * parameters (a different MobileNetV2 export).
 */
export function featureGraph(
  bytes: Uint8Array,
  taps: readonly Tap[],
  projection: Float32Array[],
  path = "the MobileNetV2 file",
): Uint8Array {
  let model;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new ModelError(`${path}: not an ONNX model (${(e as Error).message})`, path);
  }
  const g = model.graph;
  if (!g?.node?.length || !g.input?.some((i) => i.name === INPUT)) {
    throw new ModelError(`${path}: no graph with an input '${INPUT}'`, path);
  }
  const produced = new Set(g.node.flatMap((n) => n.output ?? []));
  const inits = new Set((g.initializer ?? []).map((t) => t.name));
  for (const t of taps) {
    if (!produced.has(`${t.tensor}_quantized`)) {
      throw new ModelError(
        `${path}: no activation ${t.tensor}_quantized (not the zoo's int8 MobileNetV2?)`,
        path,
      );
    }
    for (const q of ["scale", "zero_point"]) {
      if (!inits.has(`${t.tensor}_${q}`)) {
        throw new ModelError(`${path}: no initializer ${t.tensor}_${q}`, path);
      }
    }
  }
  const P = projection[0].length / taps[0].channels;
  const added = [], addedInits = [floats("roi_empty", [0], [])];
  const summands: string[] = [];
  for (const [k, t] of taps.entries()) {
    if (projection[k].length !== P * t.channels) {
      throw new Error(`featureGraph: projection ${k} is not [${P}, ${t.channels}]`);
    }
    const q = `${t.tensor}_quantized`;
    added.push(
      node("DequantizeLinear", [q, `${t.tensor}_scale`, `${t.tensor}_zero_point`], [`tap_${t.tensor}`]),
    );
    added.push(
      node("LpNormalization", [`tap_${t.tensor}`], [`norm_${t.tensor}`], [{ name: "axis", i: 1 }, {
        name: "p",
        i: 2,
      }]),
    );
    addedInits.push(floats(`proj_${t.tensor}_w`, [P, t.channels, 1, 1], projection[k]));
    added.push(node("Conv", [`norm_${t.tensor}`, `proj_${t.tensor}_w`], [`proj_${t.tensor}`]));
    let out = `proj_${t.tensor}`;
    if (t.stride !== OUTPUT_STRIDE) {
      const f = t.stride / OUTPUT_STRIDE;
      addedInits.push(floats(`up_${t.tensor}_scales`, [4], [1, 1, f, f]));
      added.push(node("Resize", [out, "roi_empty", `up_${t.tensor}_scales`], [`up_${t.tensor}`], [
        { name: "mode", s: "linear" },
        { name: "coordinate_transformation_mode", s: "half_pixel" },
      ]));
      out = `up_${t.tensor}`;
    }
    summands.push(out);
  }
  added.push(node("Sum", summands, [OUTPUT]));

  // Keep only what the output needs: walk back from it through the producing nodes.
  const nodes = [...g.node, ...added];
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => (n.output ?? []).forEach((o) => producer.set(o, i)));
  const keep = new Set<number>(), used = new Set<string>();
  const stack = [OUTPUT];
  while (stack.length) {
    const name = stack.pop()!;
    used.add(name);
    const i = producer.get(name);
    if (i === undefined || keep.has(i)) continue;
    keep.add(i);
    for (const x of nodes[i].input ?? []) if (x) stack.push(x);
  }
  g.node = nodes.filter((_, i) => keep.has(i));
  g.initializer = [...(g.initializer ?? []).filter((t) => used.has(t.name ?? "")), ...addedInits];
  g.input = g.input.filter((i) => i.name === INPUT);
  const dims = [{ dimValue: 1 }, { dimValue: 3 }, { dimParam: "height" }, { dimParam: "width" }];
  g.input[0].type!.tensorType!.shape!.dim = dims.map((d) => onnx.TensorShapeProto.Dimension.create(d));
  g.output = [onnx.ValueInfoProto.create({ name: OUTPUT, type: { tensorType: { elemType: FLOAT } } })];
  g.valueInfo = []; // shapes inferred for 224 would contradict the symbolic input
  return onnx.ModelProto.encode(model).finish();
}
