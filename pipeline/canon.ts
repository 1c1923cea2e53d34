/**
 * Code hashes that survive comments and formatting (issue 13 point 3): a TypeScript/JavaScript
 * file is hashed over its canonical form, the AST printed back by TypeScript's own printer with
 * comments removed and trailing commas dropped, so a comment edit or a reformat keeps every key
 * and a one-token code edit changes it. Other files hash as their bytes.
 *
 * Loading the compiler costs ~0.5 s, so canonical hashes are memoised by the file's raw sha256
 * under `<cache>/code/<CANON_VERSION>/`: a no-op run reads one small file per declared code file
 * and never loads TypeScript. The memo is a pure function of the bytes, safe to share between
 * clones, users and hosts.
 */
import { join } from "node:path";
import { sha256Hex } from "./hash.ts";

/** Changes whenever the canonical form could (printer version, options, transforms). */
export const CANON_VERSION = "ts5.9.3-c1";

const SCRIPT = /\.(?:[cm]?[jt]s|[jt]sx)$/;

// deno-lint-ignore no-explicit-any
type TsModule = any;
let tsModule: Promise<TsModule> | undefined;
const typescript = () => tsModule ??= import("typescript").then((m) => m.default ?? m);

/** The canonical text of a script: comments, whitespace and trailing commas gone. */
export async function canonicalScript(name: string, text: string): Promise<string> {
  const ts = await typescript();
  const kind = /x$/.test(name) ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const sf = ts.createSourceFile(name, text, ts.ScriptTarget.Latest, false, kind);
  // a trailing comma is formatting: deno fmt adds or drops it as a list wraps or unwraps
  const visit = (node: TsModule): void =>
    ts.forEachChild(node, visit, (list: TsModule) => {
      list.hasTrailingComma = false;
      for (const n of list) visit(n);
    });
  visit(sf);
  const printer = ts.createPrinter({ removeComments: true, newLine: ts.NewLineKind.LineFeed });
  return printer.printFile(sf);
}

/**
 * Hash of a code file's content for cache keys: sha256 of the canonical form for scripts, of
 * the bytes otherwise. `memoDir` (the cache directory) memoises script hashes by raw sha256.
 */
export async function codeFileHash(path: string, memoDir?: string): Promise<string> {
  const bytes = await Deno.readFile(path);
  if (!SCRIPT.test(path)) return sha256Hex(bytes);
  const raw = sha256Hex(bytes);
  const memo = memoDir ? join(memoDir, "code", CANON_VERSION, raw) : undefined;
  if (memo) {
    try {
      const known = Deno.readTextFileSync(memo);
      if (/^[0-9a-f]{64}$/.test(known)) return known;
    } catch {
      // not memoised yet
    }
  }
  const canon = sha256Hex(await canonicalScript(path, new TextDecoder().decode(bytes)));
  if (memo) await writeMemo(memo, canon);
  return canon;
}

/** Best effort (a read-only cache only costs speed): temp + rename, so readers see all or nothing. */
async function writeMemo(path: string, value: string): Promise<void> {
  try {
    const dir = join(path, "..");
    await Deno.mkdir(dir, { recursive: true });
    const tmp = `${path}.${crypto.randomUUID()}`;
    await Deno.writeTextFile(tmp, value);
    await Deno.rename(tmp, path);
  } catch {
    // read-only or vanished cache: the hash is still right, just not memoised
  }
}
