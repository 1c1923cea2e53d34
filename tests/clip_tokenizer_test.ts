/**
 * CLIP's BPE tokenizer on the real vocabulary (../shared/models/clip).
 *
 * Where the expected ids come from:
 * - [H] by hand from CLIP's vocabulary construction (openai/CLIP simple_tokenizer.py): ids
 *   0..255 are the bytes in bytes_to_unicode order ('!'..'~' first, so byte b in 33..126 has
 *   id b − 33), 256..511 the same with `</w>`, then merge line L of the file (1-based, line 1
 *   is the "#version" header) has id L + 510, e.g. `zcat bpe_simple_vocab_16e6.txt.gz | sed -n
 *   615p` = "pho to</w>" → id 1125; start 49406, end 49407 (the last two ids).
 * - [P] published ids: "a photo of a cat" / "a photo of a dog" as fed to HF's CLIP text model
 *   in elixir-nx/bumblebee's tests and many other ports; the other phrases from a third-party
 *   parity test (found via code search) whose ids were generated with transformers'
 *   CLIPTokenizer on the same vocabulary. The [H] checks below confirm the single-symbol ids.
 */
import assert from "node:assert/strict";
import { needsShared, SHARED } from "./_shared.ts";
import { CONTEXT_LENGTH, EOT, loadTokenizer, makeTokenizer, SOT } from "../kernels/clip/tokenizer.ts";
import { ModelError } from "../core/errors.ts";

const VOCAB = `${SHARED}models/clip/bpe_simple_vocab_16e6.txt.gz`;
const opts = needsShared("models/clip");

const CASES: [string, number[]][] = [
  // [P] bumblebee / HF; [H] 320 = "a</w>" = 256 + ('a' − 33); 1125, 539, 2368 = lines 615, 29, 1858.
  ["a photo of a cat", [320, 1125, 539, 320, 2368]],
  ["a photo of a dog", [320, 1125, 539, 320, 1929]],
  // [P] lower-casing and whitespace clean-up; [H] "!</w>" = 256 + ('!' − 33) = 256.
  ["A PHOTO of  a Cat!", [320, 1125, 539, 320, 2368, 256]],
  // [P] contraction split by the pattern ('t), digits one by one; [H] "4</w>" = 256 + 19 = 275.
  ["don't stop 42 times", [847, 713, 1691, 275, 273, 1661]],
  // [P] punctuation runs: [H] "-</w>" 268, ",</w>" 267, ".</w>" 269, "(</w>" 263, ")</w>" 264.
  ["hello-world, 3.14 (test)", [3306, 268, 1002, 267, 274, 269, 272, 275, 263, 1628, 264]],
  // [P] unicode: é (C3 A9) goes through the byte map before BPE ("cafÃ©</w>", "Ã¼", …).
  ["caf\u00e9 \u00fcber na\u00efve", [15304, 6522, 1516, 1097, 35689, 563]],
  // [P] leading/trailing/multiple spaces collapse; "spaced" is two pieces ("spac", "ed</w>").
  ["  spaced   out  ", [10336, 538, 620]],
  // [H] the task prompts: "shadow</w>" line 6558 → 7068, "glass</w>" line 2803 → 3313.
  ["shadow", [7068]],
  ["glass", [3313]],
  // [H] HTML entities are unescaped (CLIP's html.unescape): "&</w>" = 256 + ('&' − 33) = 261.
  ["fish &amp; chips", [2759, 261, 8855]],
];

Deno.test({
  name: "clip tokenizer: ids of documented phrases on the real vocabulary",
  ...opts,
  fn: async () => {
    const tok = await loadTokenizer(VOCAB);
    assert.deepStrictEqual(tok.vocab.length, 49408);
    assert.deepStrictEqual(tok.vocab[SOT], "<|startoftext|>");
    assert.deepStrictEqual(tok.vocab[EOT], "<|endoftext|>");
    // [H] single-symbol ids from bytes_to_unicode order, and merge ids from file lines.
    assert.deepStrictEqual([tok.vocab[0], tok.vocab[64], tok.vocab[320], tok.vocab[256]], [
      "!",
      "a",
      "a</w>",
      "!</w>",
    ]);
    assert.deepStrictEqual([tok.vocab[1125], tok.vocab[2368], tok.vocab[7068]], [
      "photo</w>",
      "cat</w>",
      "shadow</w>",
    ]);
    for (const [text, ids] of CASES) assert.deepStrictEqual(tok.encode(text), ids, JSON.stringify(text));
    // ftfy.fix_text's documented defaults (uncurl_quotes, fix_latin_ligatures,
    // fix_character_width) make these spell the same ids as their plain-ASCII forms.
    assert.deepStrictEqual(tok.encode("it\u2019s a \ufb01sh \uff21"), tok.encode("it's a fish a"));
  },
});

Deno.test({
  name: "clip tokenizer: start/end tokens, zero padding to 77, truncation keeps EOT last",
  ...opts,
  fn: async () => {
    const tok = await loadTokenizer(VOCAB);
    const rows = tok.tokenize(["a photo of a cat", "", "cat ".repeat(200)]);
    assert.deepStrictEqual(rows.length, 3 * CONTEXT_LENGTH);
    const row = (i: number) => Array.from(rows.subarray(i * 77, (i + 1) * 77));
    assert.deepStrictEqual(row(0).slice(0, 8), [49406, 320, 1125, 539, 320, 2368, 49407, 0]);
    assert.deepStrictEqual(row(0).slice(7), new Array(70).fill(0));
    assert.deepStrictEqual(row(1).slice(0, 3), [49406, 49407, 0]);
    const long = row(2);
    assert.deepStrictEqual(long[0], SOT);
    assert.deepStrictEqual(long.slice(1, 76), new Array(75).fill(2368));
    assert.deepStrictEqual(long[76], EOT);
  },
});

Deno.test("clip tokenizer: a truncated vocabulary file is a named ModelError", () => {
  assert.throws(
    () => makeTokenizer("#version: 0.2\ni n\n", "short.txt"),
    (e) => e instanceof ModelError && /short\.txt/.test(e.message),
  );
});

Deno.test("clip tokenizer: a missing vocabulary file names the path", async () => {
  await assert.rejects(
    loadTokenizer("no/such/bpe_simple_vocab_16e6.txt.gz"),
    (e) => e instanceof ModelError && e.message.includes("no/such/bpe_simple_vocab_16e6.txt.gz"),
  );
});
