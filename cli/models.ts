/**
 * `deno task models [--fetch] [--check] [--models DIR] [--segmenter NAME ...]`: per SAM-family
 * segmenter (and CLIP ViT-B/16 for CLIP Surgery), which files are present (and where), which are
 * missing, and what `--fetch` would download (URL, size, checksum source). With --fetch,
 * downloads the missing files, verified. With --check, checks the present SAM-family files
 * against the registry (cli/models_check.ts); `--encoder F --decoder F --segmenter S` checks
 * one's own export against family S's interface.
 *
 * @example
 * deno task models                      # what is here, what is missing
 * deno task models --fetch --segmenter mobilesam
 * deno task models --check --segmenter edgesam
 */
import { resolve } from "node:path";
import { helpText, parseFlags, runMain } from "./args.ts";
import { UsageError } from "../core/errors.ts";
import {
  downloadModelFile,
  findModelFile,
  fmtBytes,
  modelCacheDir,
  type ModelFileRef,
  userModelsDir,
} from "../kernels/models/resolve.ts";
import { FAMILIES, type FamilySpec, STANDIN_BACKBONE, STANDIN_NAME } from "../kernels/sam/registry.ts";
import { CLIP_TEMPLATES_FILE, CLIP_VIT_B16_FILE, CLIP_VOCAB_FILE } from "../kernels/clip/files.ts";
import { checkFamilyFiles } from "./models_check.ts";

/** One block of the listing: a segmenter family or CLIP. */
interface Group {
  name: string;
  label: string;
  files: { role: string; file: ModelFileRef }[];
  notes: string[];
}

const CLIP_NAME = "clip-vit-b-16";

/** The registry's decoder interface in one line: outputs by role, padding point, score kind, point limit. */
function decoderNote(f: FamilySpec): string {
  const o = f.decoderOutputs, r = f.outputs;
  const outs = [`low-res ${o[r.lowRes].name}`, `scores ${o[r.scores].name}`];
  if (r.full !== undefined) outs.push(`full-size ${o[r.full].name} (checked only)`);
  return `decoder: ${outs.join(", ")}; padding point ${f.paddingPoint ? "added" : "none"}; scores ${
    f.scoreKind === "predicted-iou" ? "predicted IoU" : "predicted IoU or stability (measured)"
  }; ${f.maxPoints ? `at most ${f.maxPoints} points` : "no point limit"}`;
}

function groups(): Group[] {
  const out: Group[] = Object.values(FAMILIES).map((f) => ({
    name: f.name,
    label: f.label,
    files: [{ role: "encoder", file: f.encoder }, { role: "decoder", file: f.decoder }],
    notes: [decoderNote(f), ...f.notes],
  }));
  out.push({
    name: STANDIN_NAME,
    label: "stand-in (MobileNetV2 features), not SAM — the offline profiles' segmenter where present",
    files: [{ role: "backbone", file: STANDIN_BACKBONE }],
    notes: ["ImageNet MobileNetV2, ONNX Model Zoo int8, Apache-2.0; --models ../shared/models finds it"],
  });
  out.push({
    name: CLIP_NAME,
    label: "CLIP ViT-B/16 for CLIP Surgery (clip-maps)",
    files: [
      { role: "weights", file: CLIP_VIT_B16_FILE },
      { role: "vocab", file: CLIP_VOCAB_FILE },
      { role: "prompts", file: CLIP_TEMPLATES_FILE },
    ],
    notes: ["vocab and prompt templates ship in ../shared/models: --models ../shared/models finds them"],
  });
  return out;
}

/** Whether --fetch can download it (the templates list has no file URL). */
const fetchable = (f: ModelFileRef) => /^https:\/\/\S+$/.test(f.url);

const FLAGS = {
  fetch: {
    type: "boolean",
    multiple: false,
    doc: "download the missing files (verified) into the model cache",
  },
  check: {
    type: "boolean",
    multiple: false,
    doc: "check the present SAM-family files: checksum, interface, built-in decode vs the graph's own masks",
  },
  encoder: {
    type: "string",
    multiple: false,
    doc: "with --check and one --segmenter: check this encoder file",
  },
  decoder: {
    type: "string",
    multiple: false,
    doc: "with --check and one --segmenter: check this decoder file",
  },
  models: { type: "string", multiple: false, doc: "folder holding model files", default: "$ALIGNSAM_MODELS" },
  segmenter: {
    type: "string",
    multiple: true,
    doc: `only these (repeatable): ${[...Object.keys(FAMILIES), CLIP_NAME].join(", ")}`,
    default: "all",
  },
} as const;

function checksumText(f: ModelFileRef): string {
  if (f.sha256) return `sha256 ${f.sha256.slice(0, 12)}… (${f.checksum})`;
  const ends = f.sha256Ends;
  if (ends) {
    return `sha256 ${ends.prefix}…${ends.suffix} (${f.checksum}; the rest recorded on first download)`;
  }
  if (f.md5) return `md5 ${f.md5.slice(0, 12)}… checked; sha256 recorded on first download`;
  return f.checksum === "first verified download" ? "sha256 recorded on first download" : f.checksum;
}

async function main(): Promise<number> {
  const { values } = parseFlags("models", Deno.args, FLAGS);
  if (values.help) {
    console.log(helpText("models", "List the SAM-family model files: present, missing, to download.", FLAGS));
    return 0;
  }
  const modelsDir = values.models as string | undefined;
  if (modelsDir) Deno.env.set("ALIGNSAM_MODELS", modelsDir);
  const all = groups();
  const names = all.map((g) => g.name);
  const wanted = (values.segmenter as string[] | undefined) ?? names;
  for (const w of wanted) {
    if (!names.includes(w)) {
      throw new UsageError(`models: unknown --segmenter ${w} (accepted: ${names.join(", ")})`);
    }
  }
  const opts = { modelsDir };
  if (values.check) {
    return await check(
      wanted,
      opts,
      values.encoder as string | undefined,
      values.decoder as string | undefined,
    );
  }
  if (values.encoder || values.decoder) throw new UsageError("models: --encoder/--decoder go with --check");
  const user = userModelsDir(opts);
  console.log(`models folder: ${user ? resolve(user) : "(none: pass --models DIR or set ALIGNSAM_MODELS)"}`);
  console.log(`model cache:   ${resolve(modelCacheDir())}`);
  console.log(`weight-free:   needs no files (not SAM; every report says so)\n`);

  const toFetch: ModelFileRef[] = [];
  const manual: ModelFileRef[] = [];
  let unknownSize = 0;
  for (const g of all.filter((g) => wanted.includes(g.name))) {
    console.log(`${g.name} — ${g.label}`);
    for (const { role, file: f } of g.files) {
      const at = await findModelFile(f, opts);
      const state = at ? `present  ${at}` : `missing  → ${f.url}`;
      console.log(`  ${role.padEnd(7)} ${f.name.padEnd(44)} ${fmtBytes(f.bytes).padStart(12)}  ${state}`);
      console.log(`          ${checksumText(f)}`);
      if (at) continue;
      if (!fetchable(f)) {
        manual.push(f);
        continue;
      }
      toFetch.push(f);
      if (f.bytes === undefined) unknownSize++;
    }
    for (const n of g.notes) console.log(`  note: ${n}`);
    console.log("");
  }
  if (manual.length) {
    console.log(`not downloadable, place by hand: ${manual.map((f) => f.name).join(", ")}`);
  }
  const total = toFetch.reduce((s, f) => s + (f.bytes ?? 0), 0);
  const sizeText = [
    total > 0 ? fmtBytes(total) : "",
    unknownSize ? `${unknownSize} file(s) of unknown size` : "",
  ]
    .filter(Boolean).join(" + ");
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

/** --check: every wanted family with files present (or the one family on --encoder/--decoder). */
async function check(wanted: string[], opts: { modelsDir?: string }, encoder?: string, decoder?: string) {
  // the stand-in's one backbone file has no encoder/decoder interface to check
  const fams = wanted.filter((w) => w !== CLIP_NAME && w !== STANDIN_NAME).map((w) => FAMILIES[w]);
  if (encoder || decoder) {
    if (!encoder || !decoder || fams.length !== 1 || wanted.length !== 1) {
      throw new UsageError(
        "models --check: --encoder and --decoder go together, with exactly one --segmenter",
      );
    }
  }
  const verdicts: string[] = [];
  for (const fam of fams) {
    const paths = encoder && decoder
      ? [encoder, decoder]
      : await Promise.all([fam.encoder, fam.decoder].map((f) => findModelFile(f, opts)));
    if (!paths[0] || !paths[1]) {
      if (wanted.includes(fam.name) && fams.length === 1) {
        console.log(
          `${fam.name}: files missing (deno task models --segmenter ${fam.name} says where to get them)`,
        );
        verdicts.push(`${fam.name}: MISSING`);
      }
      continue;
    }
    console.log(`${fam.name} — ${fam.label}`);
    const r = await checkFamilyFiles(fam, paths[0], paths[1], !(encoder && decoder));
    for (const l of r.lines) console.log(`  ${l}`);
    console.log("");
    verdicts.push(`${fam.name}: ${r.verdict}`);
  }
  if (verdicts.length === 0) {
    console.log("no SAM-family files present to check (deno task models lists what is missing)");
    return 0;
  }
  console.log(verdicts.join(" · "));
  return verdicts.some((v) => v.endsWith("FAIL") || v.endsWith("MISSING")) ? 1 : 0;
}

if (import.meta.main) runMain(main);
