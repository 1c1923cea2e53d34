/**
 * Supp. Fig. 1: per traced example an image strip — the image, its GT, then the mask after each
 * step tinted light green over the image, with the points so far as green (positive) / red
 * (negative) markers numbered by the step that added them (0 = the initial prompt set P_0).
 * Tiles are PNG data URIs (tinted with sharp) inside one SVG, so the strip is self-contained.
 */
import sharp from "sharp";
import type { ReportInput, TraceInput } from "../data.ts";
import type { ReportFigure } from "./charts.ts";
import { missingReason } from "../tables/select.ts";

/** Display height of a tile in the strip (px). */
const TILE_H = 120;
const GAP = 6;
const LABEL_H = 16;
/** SAM-style light green of the paper's overlay. */
const TINT = [120, 230, 120];
const ALPHA = 0.55;

/** JPEG for photos and overlays (a tenth of PNG's size on real images), PNG for the binary GT. */
const JPEG_QUALITY = 82;

function dataUri(bytes: Uint8Array, mime: "image/png" | "image/jpeg"): string {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return `data:${mime};base64,${btoa(bin)}`;
}

/** [h, w] 0/1 from a PNG (any non-zero channel-0 value is foreground), resized to w × h. */
async function binaryMask(png: Uint8Array, w: number, h: number): Promise<Uint8Array> {
  const { data } = await sharp(png).greyscale().resize(w, h, { fit: "fill", kernel: "nearest" }).raw()
    .toBuffer({ resolveWithObject: true });
  return Uint8Array.from(data, (v) => (v > 0 ? 1 : 0));
}

/** The image with the mask tinted, as JPEG. */
function overlay(rgb: Uint8Array, mask: Uint8Array, w: number, h: number): Promise<Uint8Array> {
  const out = new Uint8Array(rgb.length);
  for (let i = 0; i < w * h; i++) {
    for (let c = 0; c < 3; c++) {
      const v = rgb[3 * i + c];
      out[3 * i + c] = mask[i] ? Math.round((1 - ALPHA) * v + ALPHA * TINT[c]) : v;
    }
  }
  return jpeg(out, w, h);
}

async function jpeg(rgb: Uint8Array, w: number, h: number): Promise<Uint8Array> {
  return new Uint8Array(
    await sharp(rgb, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: JPEG_QUALITY })
      .toBuffer(),
  );
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** One trace as a standalone SVG strip. */
export async function traceStrip(tr: TraceInput): Promise<string> {
  const w = tr.width, h = tr.height;
  const { data } = await sharp(tr.image).removeAlpha().resize(w, h, { fit: "fill" }).raw()
    .toBuffer({ resolveWithObject: true });
  const rgb = new Uint8Array(data);
  const gt = await binaryMask(tr.gt, w, h);
  const gtPng = new Uint8Array(
    await sharp(Uint8Array.from(gt, (v) => v * 255), { raw: { width: w, height: h, channels: 1 } }).png()
      .toBuffer(),
  );
  const scale = TILE_H / h;
  const tw = Math.round(w * scale);
  const tiles: {
    label: string;
    uri: string;
    points?: { x: number; y: number; label: 0 | 1; step: number }[];
  }[] = [
    { label: "image", uri: dataUri(await jpeg(rgb, w, h), "image/jpeg") },
    { label: "GT", uri: dataUri(gtPng, "image/png") },
  ];
  const stepOf: number[] = [];
  for (const s of [...tr.steps].sort((a, b) => a.t - b.t)) {
    for (let i = stepOf.length; i < s.points.length; i++) stepOf.push(s.t);
    // Points are in the trace image's pixel frame; a mask PNG at another size is resized to it.
    const mask = await binaryMask(s.mask, w, h);
    tiles.push({
      label: `t=${s.t}`,
      uri: dataUri(await overlay(rgb, mask, w, h), "image/jpeg"),
      points: s.points.map((p, i) => ({ ...p, step: stepOf[i] })),
    });
  }
  const width = tiles.length * (tw + GAP) - GAP;
  const height = LABEL_H + TILE_H;
  const parts = tiles.map((tile, i) => {
    const x0 = i * (tw + GAP);
    const pts = (tile.points ?? []).map((p) => {
      const cx = (x0 + p.x * scale).toFixed(1), cy = (LABEL_H + p.y * scale).toFixed(1);
      const fill = p.label === 1 ? "#18c218" : "#e02020";
      return `<g class="pt"><circle cx="${cx}" cy="${cy}" r="6" fill="${fill}" stroke="#fff" stroke-width="1.2"/>` +
        `<text x="${cx}" y="${cy}" dy="3" text-anchor="middle" font-size="8" fill="#fff">${p.step}</text></g>`;
    }).join("");
    return `<text x="${x0 + tw / 2}" y="12" text-anchor="middle" font-size="11" font-family="sans-serif">${
      esc(tile.label)
    }</text>` +
      `<image x="${x0}" y="${LABEL_H}" width="${tw}" height="${TILE_H}" preserveAspectRatio="none" href="${tile.uri}"/>` +
      pts;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" class="strip" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}">${parts.join("")}</svg>`;
}

/** supp. Fig. 1 for every trace in the input. */
export async function suppFigure1(input: ReportInput): Promise<ReportFigure> {
  const fig: ReportFigure = {
    id: "supp-fig-1",
    title: "Supp. Fig. 1 — iterative point selection",
    caption:
      "Image, GT, then the mask after each step (light green) with the points so far: green positive, " +
      "red negative, numbered by the step that added them (0 = initial prompts).",
    charts: [],
    strips: [],
  };
  for (const tr of input.traces) {
    fig.strips!.push({
      id: `supp-fig-1-${tr.task}-${tr.policy}-s${tr.seed}-${tr.stem}`.replace(/[^A-Za-z0-9_.-]/g, "_"),
      title: `${tr.task} · ${
        tr.policy === "random" ? "random (w/o RL)" : tr.policy
      } · seed ${tr.seed} · ${tr.stem}`,
      svg: await traceStrip(tr),
    });
  }
  if (fig.strips!.length === 0) fig.missing = missingReason(input, "supp-fig-1", "*", "traces");
  return fig;
}
