/**
 * CLIP's byte-level BPE tokenizer (facts from openai/CLIP simple_tokenizer.py; our code).
 *
 * Vocabulary (49408 ids): the 256 byte symbols in `bytesToUnicode` order, the same 256 with the
 * word-end marker `</w>`, one id per merge line 1..48894 of `bpe_simple_vocab_16e6.txt.gz`
 * (line 0 is a version header), then `<|startoftext|>` = 49406 and `<|endoftext|>` = 49407.
 * So a merged token's id is 512 + its merge rank, and `tokenize` pads with 0 to 77 ids.
 *
 * Cleaning: CLIP runs ftfy.fix_text, html.unescape twice, collapses whitespace and lower-cases.
 * We reproduce ftfy's default fixes for well-formed text (quotes, ligatures, widths, NFC) and
 * the HTML unescape, not its mojibake repair: prompts here are class names and templates.
 *
 * @example
 * const tok = await loadTokenizer("../shared/models/clip/bpe_simple_vocab_16e6.txt.gz");
 * tok.encode("a photo of a cat"); // [320, 1125, 539, 320, 2368]
 */
import { ModelError } from "../../core/errors.ts";

export const SOT = 49406;
export const EOT = 49407;
export const CONTEXT_LENGTH = 77;
/** merges kept from the file: 49152 − 256 − 2 (CLIP's slice merges[1 : 49152-256-2+1]) */
const MERGE_COUNT = 49152 - 256 - 2;

/**
 * CLIP's reversible map from the 256 bytes to printable unicode characters: `char[b]` is byte
 * b's symbol; `order` lists the bytes in vocabulary order (ids 0..255).
 */
export function bytesToUnicode(): { char: string[]; order: number[] } {
  const printable: number[] = [];
  for (let b = 33; b <= 126; b++) printable.push(b); // '!'..'~'
  for (let b = 161; b <= 172; b++) printable.push(b); // '¡'..'¬'
  for (let b = 174; b <= 255; b++) printable.push(b); // '®'..'ÿ'
  const order = printable.slice();
  const chars = printable.map((b) => String.fromCodePoint(b));
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (printable.includes(b)) continue;
    order.push(b);
    chars.push(String.fromCodePoint(256 + n++));
  }
  const char = new Array<string>(256);
  order.forEach((b, i) => (char[b] = chars[i]));
  return { char, order };
}

// CLIP's pre-tokenizer: specials, English contractions, letter runs, single digits, other runs.
const PATTERN =
  /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+/giu;

const NAMED_ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: "\u00a0",
};

function htmlUnescape(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (m, body: string) => {
    if (body[0] === "#") {
      const code = body[1] === "x" || body[1] === "X"
        ? parseInt(body.slice(2), 16)
        : parseInt(body.slice(1), 10);
      return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : m;
    }
    return NAMED_ENTITIES[body.toLowerCase()] ?? m;
  });
}

const LIGATURES: Record<string, string> = {
  "\ufb00": "ff",
  "\ufb01": "fi",
  "\ufb02": "fl",
  "\ufb03": "ffi",
  "\ufb04": "ffl",
  "\ufb05": "st",
  "\ufb06": "st",
};

/**
 * The parts of ftfy.fix_text's default configuration that apply to clean unicode input:
 * curly quotes to straight ones (uncurl_quotes), Latin ligatures spelled out
 * (fix_latin_ligatures), full-width ASCII to normal width (fix_character_width), NFC.
 * Mojibake repair (text decoded with the wrong codec) is not reproduced.
 */
function ftfyLite(text: string): string {
  return text
    .replace(/[\u2018\u2019\u201a\u201b]/g, "'")
    .replace(/[\u201c\u201d\u201e\u201f]/g, '"')
    .replace(/[\ufb00-\ufb06]/g, (c) => LIGATURES[c])
    .replace(/[\uff01-\uff5e]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/\u3000/g, " ")
    .normalize("NFC");
}

/** CLIP's basic_clean + whitespace_clean + lower-case (ftfy approximated, see ftfyLite). */
export function cleanText(text: string): string {
  const t = htmlUnescape(htmlUnescape(ftfyLite(text))).trim();
  return t.replace(/\s+/g, " ").trim().toLowerCase();
}

export interface ClipTokenizer {
  /** BPE ids of the cleaned text, without start/end tokens */
  encode(text: string): number[];
  /** [texts.length, 77]: SOT, ids, EOT, zero padding; too long → truncated with EOT kept last */
  tokenize(texts: readonly string[], contextLength?: number): Int32Array;
  /** token strings by id (for debugging and tests) */
  vocab: readonly string[];
}

/** Build the tokenizer from the merge lines (the decompressed vocabulary file's text). */
export function makeTokenizer(mergesText: string, source = "bpe vocabulary"): ClipTokenizer {
  const lines = mergesText.split("\n").slice(1, MERGE_COUNT + 1);
  if (lines.length !== MERGE_COUNT) {
    throw new ModelError(`${source}: expected ${MERGE_COUNT} merge lines, found ${lines.length}`, source);
  }
  const { char: byteEncoder, order } = bytesToUnicode();
  const base = order.map((b) => byteEncoder[b]);
  const vocab = [...base, ...base.map((c) => c + "</w>")];
  const ranks = new Map<string, number>();
  lines.forEach((line, rank) => {
    const [a, b] = line.split(" ");
    ranks.set(`${a} ${b}`, rank);
    vocab.push(a + b);
  });
  vocab.push("<|startoftext|>", "<|endoftext|>");
  const encoder = new Map<string, number>(vocab.map((v, i) => [v, i]));
  const cache = new Map<string, string[]>();

  // Greedy lowest-rank pair merging, as CLIP's bpe(): the last symbol carries `</w>`.
  function bpe(token: string): string[] {
    const hit = cache.get(token);
    if (hit) return hit;
    const chars = Array.from(token);
    let word = [...chars.slice(0, -1), chars[chars.length - 1] + "</w>"];
    while (word.length > 1) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i < word.length - 1; i++) {
        const r = ranks.get(`${word[i]} ${word[i + 1]}`);
        if (r !== undefined && r < bestRank) {
          bestRank = r;
          best = i;
        }
      }
      if (best < 0) break;
      const first = word[best];
      const second = word[best + 1];
      // Merge every non-overlapping occurrence of the best pair, left to right.
      const merged: string[] = [];
      for (let i = 0; i < word.length;) {
        if (i < word.length - 1 && word[i] === first && word[i + 1] === second) {
          merged.push(first + second);
          i += 2;
        } else merged.push(word[i++]);
      }
      word = merged;
    }
    cache.set(token, word);
    return word;
  }

  const utf8 = new TextEncoder();
  function encode(text: string): number[] {
    const ids: number[] = [];
    for (const m of cleanText(text).matchAll(PATTERN)) {
      if (m[0] === "<|startoftext|>" || m[0] === "<|endoftext|>") {
        ids.push(encoder.get(m[0])!);
        continue;
      }
      const symbols = Array.from(utf8.encode(m[0]), (b) => byteEncoder[b]).join("");
      for (const piece of bpe(symbols)) ids.push(encoder.get(piece)!);
    }
    return ids;
  }

  function tokenize(texts: readonly string[], contextLength = CONTEXT_LENGTH): Int32Array {
    const out = new Int32Array(texts.length * contextLength);
    texts.forEach((text, i) => {
      let ids = [SOT, ...encode(text), EOT];
      // CLIP's truncate=True: keep the first contextLength ids and make the last one EOT, so the
      // text encoder's EOT pooling still finds it.
      if (ids.length > contextLength) ids = [...ids.slice(0, contextLength - 1), EOT];
      out.set(ids, i * contextLength);
    });
    return out;
  }

  return { encode, tokenize, vocab };
}

/** Read the gzipped merges file (bpe_simple_vocab_16e6.txt.gz) and build the tokenizer. */
export async function loadTokenizer(path: string): Promise<ClipTokenizer> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    throw new ModelError(
      `cannot read the CLIP BPE vocabulary ${path} (bpe_simple_vocab_16e6.txt.gz from openai/CLIP): ${
        (e as Error).message
      }`,
      path,
    );
  }
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream("gzip"));
  const text = await new Response(stream).text();
  return makeTokenizer(text, path);
}
