/**
 * CLIP's text transformer (causal mask, EOT pooling, projection) and CLIP Surgery's prompt
 * ensemble over the 85 templates.
 */
import { tf } from "../tf/backend.ts";
import { causalMask, layerNorm, linear, residualBlock, type TfClip } from "./layers.ts";
import { EOT } from "./tokenizer.ts";
import type { ClipTokenizer } from "./tokenizer.ts";
import { normalizeRows } from "./surgery.ts";

/**
 * Text embeddings [B, D] of token rows [B, context]. The mask is causal and the output is read
 * at EOT, so positions after the longest EOT cannot change the result: we run only the first
 * `max EOT index + 1` positions (about 12 instead of 77 for the templates), a pure speed-up.
 */
export function encodeText(m: TfClip, tokens: Int32Array): Float32Array {
  const { context, heads } = m.weights.config.text;
  const b = tokens.length / context;
  const eotAt = new Int32Array(b);
  for (let r = 0; r < b; r++) {
    let at = -1;
    for (let j = 0; j < context; j++) if (tokens[r * context + j] === EOT) at = at < 0 ? j : at;
    // CLIP pools at argmax(token id); EOT (49407) is the largest id, so its first occurrence.
    eotAt[r] = at < 0 ? argmax(tokens.subarray(r * context, (r + 1) * context)) : at;
  }
  const len = Math.max(...eotAt) + 1;
  const ids = new Int32Array(b * len);
  for (let r = 0; r < b; r++) ids.set(tokens.subarray(r * context, r * context + len), r * len);
  const mask = causalMask(len);
  let x = tf.tidy(() =>
    tf.add(
      tf.reshape(tf.gather(m.text.token, tf.tensor1d(ids, "int32")), [b, len, -1]),
      tf.slice(m.text.pos, [0, 0], [len, -1]),
    )
  );
  for (const blk of m.text.blocks) {
    const next = residualBlock(x, blk, heads, mask);
    x.dispose();
    x = next;
  }
  const out = tf.tidy(() => {
    const flat = tf.reshape(layerNorm(x, m.text.lnFinal), [b * len, -1]);
    const rows = tf.tensor1d(Array.from(eotAt, (at, r) => r * len + at), "int32");
    return linear(tf.gather(flat, rows), m.text.proj);
  });
  x.dispose();
  mask.dispose();
  const data = out.dataSync() as Float32Array;
  out.dispose();
  return data;
}

function argmax(a: Int32Array): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
  return best;
}

/**
 * CLIP Surgery's `encode_text_with_prompt_ensemble` for one text: every template filled with
 * the text, encoded, L2-normalised, averaged, normalised again. [D]
 */
export function encodeTextEnsemble(
  m: TfClip,
  tokenizer: ClipTokenizer,
  text: string,
  templates: readonly string[],
  batch = 32,
): Float32Array {
  const d = m.weights.config.embedDim;
  const context = m.weights.config.text.context;
  const prompts = templates.map((t) => t.replaceAll("{}", text));
  const tokens = tokenizer.tokenize(prompts, context);
  // Batch prompts of similar length together: each batch runs only up to its longest EOT.
  const length = (i: number) => tokens.subarray(i * context, (i + 1) * context).indexOf(EOT);
  const order = prompts.map((_, i) => i).sort((a, b) => length(a) - length(b));
  const mean = new Float32Array(d);
  for (let i = 0; i < order.length; i += batch) {
    const rows = order.slice(i, i + batch);
    const chunk = new Int32Array(rows.length * context);
    rows.forEach((r, j) => chunk.set(tokens.subarray(r * context, (r + 1) * context), j * context));
    const emb = normalizeRows(encodeText(m, chunk), d);
    for (let r = 0; r < rows.length; r++) for (let j = 0; j < d; j++) mean[j] += emb[r * d + j];
  }
  return normalizeRows(mean, d);
}
