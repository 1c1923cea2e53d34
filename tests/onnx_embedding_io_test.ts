import assert from "node:assert/strict";
import { decodeEmbedding, encodeEmbedding } from "../kernels/sam/embedding_io.ts";
import type { Embedding } from "../kernels/sam/segmenter.ts";

function sample(aux: boolean): Embedding {
  const data = new Float32Array(3 * 64 * 64).map((_, i) => Math.sin(i) * 1e3);
  data[5] = -0; // signed zero and special values survive bit for bit
  data[6] = Number.MIN_VALUE;
  data[7] = 3.4e38;
  return {
    data,
    channels: 3,
    width: 500,
    height: 375,
    segmenter: "abc123",
    ...(aux ? { aux: { fine: { shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) } } } : {}),
  };
}

Deno.test("embedding round-trips bit for bit, with and without aux arrays", () => {
  for (const withAux of [false, true]) {
    const e = sample(withAux);
    const bytes = encodeEmbedding(e);
    const back = decodeEmbedding(bytes);
    assert.equal(back.channels, 3);
    assert.equal(back.width, 500);
    assert.equal(back.height, 375);
    assert.equal(back.segmenter, "abc123");
    assert.deepEqual(new Uint8Array(back.data.buffer), new Uint8Array(e.data.buffer));
    if (withAux) {
      assert.deepEqual(back.aux?.fine.shape, [2, 3]);
      assert.deepEqual(Array.from(back.aux!.fine.data), [1, 2, 3, 4, 5, 6]);
    } else {
      assert.equal(back.aux, undefined);
    }
    // header + 4-byte aligned float32 payload
    const payload = e.data.length * 4 + (withAux ? 24 : 0);
    assert.equal((bytes.length - payload) % 4, 0);
  }
});

Deno.test("the header is readable JSON with dtype and shape; the data is little-endian float32", () => {
  const bytes = encodeEmbedding(sample(true));
  const len = new DataView(bytes.buffer).getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + len)));
  assert.equal(header.dtype, "float32");
  assert.deepEqual(header.shape, [3, 64, 64]);
  assert.deepEqual(header.aux, [{ name: "fine", shape: [2, 3] }]);
  const first = new DataView(bytes.buffer).getFloat32(8 + len + 4, true);
  assert.equal(first, Math.fround(Math.sin(1) * 1e3));
});

Deno.test("truncated or foreign bytes fail with a message", () => {
  const bytes = encodeEmbedding(sample(false));
  assert.throws(() => decodeEmbedding(bytes.subarray(0, bytes.length - 4)), /truncated/);
  assert.throws(() => decodeEmbedding(new TextEncoder().encode("PNG....")), /ASEM/);
});

Deno.test("an embedding that is not [C, S, S] is refused", () => {
  const e = { data: new Float32Array(3 * 10), channels: 3, width: 1, height: 1, segmenter: "x" };
  assert.throws(() => encodeEmbedding(e), /not 3 square channels/);
});
