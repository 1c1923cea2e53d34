/**
 * A ViT-B-sized image encoder as an ONNX graph, built in memory for the GPU bench (random weights,
 * SAM's shapes): 16×16 patch embedding to width 768, `depth` pre-norm blocks with 12 heads and a
 * 3072 MLP, attention in 14×14 windows except every third block (SAM ViT-B's global blocks 2, 5,
 * 8, 11), and SAM's neck (1×1 conv to 256, LayerNorm, 3×3 conv, LayerNorm): x [1,3,S,S] →
 * image_embeddings [1,256,S/16,S/16]. The blocks share one set of weights (same compute, a 30 MB
 * file instead of 350 MB); GELU is the sigmoid form x·σ(1.702x), which every EP runs natively.
 */
import p from "onnx-proto";
import { floatModel } from "../../kernels/sam/onnx/cuda.ts";

const { onnx } = p;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;
const WIDTH = 768, HEADS = 12, MLP = 3072, WINDOW = 14, NECK = 256;

export interface VitGraphOptions {
  /** input side (SAM: 1024) */
  side: number;
  /** transformer blocks (ViT-B: 12) */
  depth: number;
  seed?: number;
}

class Graph {
  readonly nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  readonly inits: InstanceType<typeof onnx.TensorProto>[] = [];
  private n = 0;
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 1;
  }

  /** xorshift32 normal-ish values (sum of 4 uniforms): weights need no quality, only a spread. */
  private random(count: number, std: number): Float32Array {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      let s = 0;
      for (let k = 0; k < 4; k++) {
        this.state ^= this.state << 13;
        this.state ^= this.state >>> 17;
        this.state ^= this.state << 5;
        s += (this.state >>> 0) / 4294967296 - 0.5;
      }
      out[i] = s * std * 1.732;
    }
    return out;
  }

  weight(dims: number[], std: number, fill?: number): string {
    const name = `w${this.inits.length}`;
    const count = dims.reduce((a, b) => a * b, 1);
    const data = fill === undefined ? this.random(count, std) : new Float32Array(count).fill(fill);
    this.inits.push(
      onnx.TensorProto.create({ name, dims, dataType: FLOAT, rawData: new Uint8Array(data.buffer) }),
    );
    return name;
  }

  ints(values: number[]): string {
    const name = `i${this.inits.length}`;
    this.inits.push(
      onnx.TensorProto.create({ name, dims: [values.length], dataType: INT64, int64Data: values }),
    );
    return name;
  }

  op(type: string, inputs: string[], attrs: Record<string, number | number[]> = {}, out?: string): string {
    const output = out ?? `t${this.n++}`;
    const attribute = Object.entries(attrs).map(([name, v]) =>
      Array.isArray(v)
        ? { name, type: onnx.AttributeProto.AttributeType.INTS, ints: v }
        : Number.isInteger(v)
        ? { name, type: onnx.AttributeProto.AttributeType.INT, i: v }
        : { name, type: onnx.AttributeProto.AttributeType.FLOAT, f: v }
    );
    this.nodes.push(onnx.NodeProto.create({ opType: type, input: inputs, output: [output], attribute }));
    return output;
  }

  reshape(x: string, dims: number[]): string {
    return this.op("Reshape", [x, this.ints(dims)]);
  }
}

/** Multi-head self-attention on x [B, T, 768] with shared projections. */
function attention(g: Graph, x: string, b: number, t: number, w: Record<string, string>): string {
  const dh = WIDTH / HEADS;
  const heads = (y: string) => g.op("Transpose", [g.reshape(y, [b, t, HEADS, dh])], { perm: [0, 2, 1, 3] });
  const q = heads(g.op("MatMul", [x, w.q])),
    k = heads(g.op("MatMul", [x, w.k])),
    v = heads(g.op("MatMul", [x, w.v]));
  const kt = g.op("Transpose", [k], { perm: [0, 1, 3, 2] });
  const scores = g.op("Mul", [g.op("MatMul", [q, kt]), w.scale]);
  const ctx = g.op("MatMul", [g.op("Softmax", [scores], { axis: -1 }), v]);
  const merged = g.reshape(g.op("Transpose", [ctx], { perm: [0, 2, 1, 3] }), [b, t, WIDTH]);
  return g.op("Add", [g.op("MatMul", [merged, w.o]), w.ob]);
}

/** Attention in WINDOW×WINDOW windows of the [1, G·G, 768] token grid (zero-padded to whole windows). */
function windowed(g: Graph, x: string, grid: number, w: Record<string, string>): string {
  const nw = Math.ceil(grid / WINDOW), p = nw * WINDOW;
  let y = g.reshape(x, [1, grid, grid, WIDTH]);
  if (p > grid) y = g.op("Pad", [y, g.ints([0, 0, 0, 0, 0, p - grid, p - grid, 0])]);
  y = g.op("Transpose", [g.reshape(y, [1, nw, WINDOW, nw, WINDOW, WIDTH])], { perm: [0, 1, 3, 2, 4, 5] });
  y = attention(g, g.reshape(y, [nw * nw, WINDOW * WINDOW, WIDTH]), nw * nw, WINDOW * WINDOW, w);
  y = g.op("Transpose", [g.reshape(y, [1, nw, nw, WINDOW, WINDOW, WIDTH])], { perm: [0, 1, 3, 2, 4, 5] });
  y = g.reshape(y, [1, p, p, WIDTH]);
  if (p > grid) y = g.op("Slice", [y, g.ints([0, 0]), g.ints([grid, grid]), g.ints([1, 2])]);
  return g.reshape(y, [1, grid * grid, WIDTH]);
}

export function vitEncoderGraph(opts: VitGraphOptions): Uint8Array {
  const { side, depth } = opts;
  if (side % 16 !== 0) throw new Error(`vitEncoderGraph: side ${side} is not a multiple of 16`);
  const grid = side / 16, tokens = grid * grid;
  const g = new Graph(opts.seed ?? 1);
  const ln = (x: string) =>
    g.op("LayerNormalization", [x, g.weight([WIDTH], 0, 1), g.weight([WIDTH], 0, 0)], { axis: -1 });
  const std = 0.02;
  const w = {
    q: g.weight([WIDTH, WIDTH], std),
    k: g.weight([WIDTH, WIDTH], std),
    v: g.weight([WIDTH, WIDTH], std),
    o: g.weight([WIDTH, WIDTH], std),
    ob: g.weight([WIDTH], std),
    scale: g.weight([1], 0, 1 / Math.sqrt(WIDTH / HEADS)),
  };
  const fc1 = g.weight([WIDTH, MLP], std), fc1b = g.weight([MLP], std);
  const fc2 = g.weight([MLP, WIDTH], std), fc2b = g.weight([WIDTH], std), gelu = g.weight([1], 0, 1.702);

  const patches = g.op("Conv", ["x", g.weight([WIDTH, 3, 16, 16], std), g.weight([WIDTH], std)], {
    kernel_shape: [16, 16],
    strides: [16, 16],
  });
  let h = g.reshape(g.op("Transpose", [patches], { perm: [0, 2, 3, 1] }), [1, tokens, WIDTH]);
  h = g.op("Add", [h, g.weight([1, tokens, WIDTH], std)]);
  for (let i = 0; i < depth; i++) {
    const a = ln(h);
    const att = i % 3 === 2 ? attention(g, a, 1, tokens, w) : windowed(g, a, grid, w);
    h = g.op("Add", [h, att]);
    const m = g.op("Add", [g.op("MatMul", [ln(h), fc1]), fc1b]);
    const act = g.op("Mul", [m, g.op("Sigmoid", [g.op("Mul", [m, gelu])])]);
    h = g.op("Add", [h, g.op("Add", [g.op("MatMul", [act, fc2]), fc2b])]);
  }
  // Neck: 1×1 conv → LayerNorm over channels → 3×3 conv → LayerNorm, back to NCHW.
  const nchw = g.op("Transpose", [g.reshape(h, [1, grid, grid, WIDTH])], { perm: [0, 3, 1, 2] });
  const lnC = (x: string) =>
    g.op("Transpose", [
      g.op("LayerNormalization", [
        g.op("Transpose", [x], { perm: [0, 2, 3, 1] }),
        g.weight([NECK], 0, 1),
        g.weight([NECK], 0, 0),
      ], { axis: -1 }),
    ], { perm: [0, 3, 1, 2] });
  const n1 = lnC(g.op("Conv", [nchw, g.weight([NECK, WIDTH, 1, 1], std)]));
  const n2 = g.op("Conv", [n1, g.weight([NECK, NECK, 3, 3], std)], { pads: [1, 1, 1, 1] });
  g.op("Identity", [lnC(n2)], {}, "image_embeddings");

  return floatModel({
    name: "vit_b_encoder",
    producer: "alignsam-bench",
    inputs: [["x", [1, 3, side, side]]],
    outputs: [["image_embeddings", [1, NECK, grid, grid]]],
    nodes: g.nodes,
    initializer: g.inits,
  });
}
