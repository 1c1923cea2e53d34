/**
 * `deno task models [--fetch] [--models DIR] [--segmenter NAME ...]`: per SAM-family segmenter,
 * which files are present (and where), which are missing, and what `--fetch` would download
 * (URL, size, checksum source). With --fetch, downloads the missing files, verified.
 *
 * @example
 * deno task models                      # what is here, what is missing
 * deno task models --fetch --segmenter mobilesam
 */
import { resolve } from "node:path";
import { helpText, parseFlags, runMain } from "./args.ts";
import { UsageError } from "../pipeline/errors.ts";
import { downloadModelFile, findModelFile, modelCacheDir, userModelsDir } from "../kernels/models/resolve.ts";
import { FAMILIES, type ModelFile } from "../kernels/sam/registry.ts";

const FLAGS = {
  fetch: {
    type: "boolean",
    multiple: false,
    doc: "download the missing files (verified) into the model cache",
  },
  models: { type: "string", multiple: false, doc: "folder holding model files", default: "$ALIGNSAM_MODELS" },
  segmenter: {
    type: "string",
    multiple: true,
    doc: `only these families (repeatable): ${Object.keys(FAMILIES).join(", ")}`,
    default: "all",
  },
} as const;

function mb(bytes?: number): string {
  if (bytes === undefined) return "size unknown";
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

function checksumText(f: ModelFile): string {
  if (f.checksum === "record-on-first-download") {
    return f.md5
      ? `md5 ${f.md5.slice(0, 12)}… checked; sha256 recorded on first download`
      : "sha256 recorded on first download";
  }
  return `sha256 ${f.sha256!.slice(0, 12)}… (${f.checksum})`;
}

async function main(): Promise<number> {
  const { values } = parseFlags("models", Deno.args, FLAGS);
  if (values.help) {
    console.log(helpText("models", "List the SAM-family model files: present, missing, to download.", FLAGS));
    return 0;
  }
  const modelsDir = values.models as string | undefined;
  if (modelsDir) Deno.env.set("ALIGNSAM_MODELS", modelsDir);
  const wanted = (values.segmenter as string[] | undefined) ?? Object.keys(FAMILIES);
  for (const w of wanted) {
    if (!FAMILIES[w]) {
      throw new UsageError(
        `models: unknown --segmenter ${w} (accepted: ${Object.keys(FAMILIES).join(", ")})`,
      );
    }
  }
  const opts = { modelsDir };
  const user = userModelsDir(opts);
  console.log(`models folder: ${user ? resolve(user) : "(none: pass --models DIR or set ALIGNSAM_MODELS)"}`);
  console.log(`model cache:   ${resolve(modelCacheDir())}`);
  console.log(`weight-free:   needs no files (not SAM; every report says so)\n`);

  const toFetch: ModelFile[] = [];
  let unknownSize = 0;
  for (const name of wanted) {
    const fam = FAMILIES[name];
    console.log(`${name} — ${fam.label}`);
    for (const f of [fam.encoder, fam.decoder]) {
      const at = await findModelFile(f, opts);
      const state = at ? `present  ${at}` : `missing  → ${f.url}`;
      console.log(`  ${f.role.padEnd(7)} ${f.name.padEnd(44)} ${mb(f.bytes).padStart(10)}  ${state}`);
      console.log(`          ${checksumText(f)}`);
      if (!at) {
        toFetch.push(f);
        if (f.bytes === undefined) unknownSize++;
      }
    }
    for (const n of fam.notes) console.log(`  note: ${n}`);
    console.log("");
  }
  const total = toFetch.reduce((s, f) => s + (f.bytes ?? 0), 0);
  const sizeText = `${mb(total)}${unknownSize ? ` + ${unknownSize} file(s) of unknown size` : ""}`;
  if (toFetch.length === 0) {
    console.log("all listed model files are present.");
    return 0;
  }
  if (!values.fetch) {
    console.log(
      `${toFetch.length} file(s) missing; --fetch would download ${sizeText} into ${
        resolve(modelCacheDir())
      }`,
    );
    return 0;
  }
  console.log(`downloading ${toFetch.length} file(s), ${sizeText}, into ${resolve(modelCacheDir())}`);
  let failed = 0;
  for (const f of toFetch) {
    try {
      console.log(`  ${f.name}: ${await downloadModelFile(f, opts)}`);
    } catch (e) {
      failed++;
      console.error(`  ${f.name}: FAILED — ${(e as Error).message.split("\n")[0]}`);
    }
  }
  if (failed) {
    console.error(
      `${failed} download(s) failed. Place the files by hand in ${resolve(user ?? modelCacheDir())} ` +
        `(or pass --models DIR).`,
    );
    return 1;
  }
  return 0;
}

if (import.meta.main) runMain(main);
