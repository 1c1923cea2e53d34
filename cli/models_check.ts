/**
 * `deno task models --check`: one family's files against the registry, on one screen — the
 * checksum and its provenance, each session's inputs and outputs (name, dtype, shape) vs what
 * the registry expects, what the decoder does (mask count, score kind, padding point, point
 * limit), and the built-in portrait/landscape decode comparing the graph's own full-size masks
 * with our postprocess (kernels/sam/onnx/check.ts). Verdict: OK, FLAG (usable: our masks are
 * unaffected, but look) or FAIL (the wrapper cannot use the files).
 */
import { fileSha256, verifiedSha256 } from "../kernels/models/resolve.ts";
import type { FamilySpec, TensorSpec } from "../kernels/sam/registry.ts";
import { checkSegmenterFiles, type FileCheck } from "../kernels/sam/onnx/check.ts";
import { createOnnxSegmenter } from "../kernels/sam/onnx/segmenter.ts";
import { createSession, fmtShape, type InterfaceRow, interfaceRows } from "../kernels/sam/onnx/session.ts";

export type Verdict = "OK" | "FLAG" | "FAIL";

export interface CheckReport {
  lines: string[];
  verdict: Verdict;
}

function rowText(r: InterfaceRow): string {
  const h = r.have;
  const have = !h ? "—" : h.isTensor ? `${h.name} ${h.type}${fmtShape(h.shape)}` : `${h.name} (not a tensor)`;
  const want = r.want ? `${r.want.type}${fmtShape(r.want.shape)}` : "(not expected)";
  return `${r.kind.padEnd(6)} ${have.padEnd(48)} expected ${want.padEnd(24)} ${
    r.problem ? `✗ ${r.problem}` : "ok"
  }`;
}

async function sessionRows(
  path: string,
  inputs: TensorSpec[],
  outputs: TensorSpec[],
): Promise<InterfaceRow[]> {
  const s = await createSession(path);
  try {
    return interfaceRows(s, inputs, outputs);
  } finally {
    await s.release();
  }
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** The decode part of the report from a FileCheck. */
function checkLines(fam: FamilySpec, c: FileCheck): string[] {
  const choice = c.masksOut === 1
    ? "1 (single-mask export: the graph picks; multimask has no effect)"
    : c.masksOut === 4
    ? "4 (mask 0 single; multimask = best of 1–3)"
    : `${c.masksOut} (always the best)`;
  const measured = fam.scoreKind === "predicted-iou-or-stability" ? "measured" : "registry";
  const lines = [
    `decode    masks out ${choice}; scores: ${c.scoreKind} (${measured}); padding point: ${
      fam.paddingPoint ? "added" : "none"
    }; max points: ${fam.maxPoints ?? "no limit"}`,
  ];
  for (const i of c.images) {
    const worst = i.fullSize?.reduce((a, b) => (b.disagree > a.disagree ? b : a));
    const full = worst
      ? `graph full-size vs ours: worst mask ${worst.k} differs on ${pct(worst.disagree)} (IoU ${
        worst.iou.toFixed(3)
      })`
      : "no full-size output (ours is the only one)";
    const order = i.lowResOrder.some((p, k) => p !== k)
      ? `; low-res planes reordered [${i.lowResOrder}]`
      : "";
    lines.push(
      `${`${i.name} ${i.width}×${i.height}`.padEnd(18)}${full}; disc IoU ${i.discIou.toFixed(2)}${order}`,
    );
  }
  return lines;
}

/**
 * Check `fam` on these files. `registryFiles`: they are the registry's own (the sha256 is
 * compared with the pin); otherwise a user's export checked against the family's interface.
 */
export async function checkFamilyFiles(
  fam: FamilySpec,
  encoderPath: string,
  decoderPath: string,
  registryFiles: boolean,
): Promise<CheckReport> {
  const lines: string[] = [];
  const fails: string[] = [];
  for (
    const [role, f, path] of [["encoder", fam.encoder, encoderPath], [
      "decoder",
      fam.decoder,
      decoderPath,
    ]] as const
  ) {
    let sha = "";
    if (registryFiles) {
      try {
        sha = await verifiedSha256(f, path);
        const pinned = f.sha256 ? "matches the pin" : f.sha256Ends ? "matches the pinned ends" : "not pinned";
        sha = `sha256 ${sha.slice(0, 12)}… ${pinned} (${f.checksum})`;
      } catch (e) {
        fails.push((e as Error).message);
        sha = "sha256 MISMATCH";
      }
    } else sha = `sha256 ${(await fileSha256(path)).slice(0, 12)}… (not the registry's file: not compared)`;
    lines.push(`${role.padEnd(9)} ${path}  ${sha}`);
  }
  for (
    const [role, path, ins, outs] of [
      ["encoder", encoderPath, fam.encoderInputs, fam.encoderOutputs],
      ["decoder", decoderPath, fam.decoderInputs, fam.decoderOutputs],
    ] as const
  ) {
    try {
      const rows = await sessionRows(path, ins, outs);
      rows.forEach((r, i) => lines.push(`${(i === 0 ? role : "").padEnd(9)} ${rowText(r)}`));
      fails.push(...rows.filter((r) => r.problem).map((r) => `${path}: ${r.problem}`));
    } catch (e) {
      fails.push((e as Error).message);
    }
  }
  let check: FileCheck | undefined;
  if (!fails.some((f) => !f.includes("sha256"))) {
    try {
      const seg = await createOnnxSegmenter({ family: fam, encoderPath, decoderPath, id: "models-check" });
      try {
        check = await checkSegmenterFiles(seg);
      } finally {
        await seg.dispose?.();
      }
      lines.push(...checkLines(fam, check));
    } catch (e) {
      fails.push((e as Error).message);
    }
  }
  const verdict: Verdict = fails.length ? "FAIL" : check?.flags.length ? "FLAG" : "OK";
  const why = verdict === "FAIL" ? fails : verdict === "FLAG" ? check!.flags : [
    check?.images.some((i) => i.fullSize)
      ? "interface as the registry expects; the graph's full-size masks agree with ours (from the low-res logits)"
      : "interface as the registry expects; no full-size output to compare (ours come from the low-res logits)",
  ];
  lines.push(`verdict   ${verdict}: ${why[0]}`, ...why.slice(1).map((w) => `          ${w}`));
  return { lines, verdict };
}
