/** Decode and encode images through sharp (libvips): JPEG/PNG in, raw arrays out. */
import sharp from "sharp";
import type { BinaryMask, RGBImage } from "./image.ts";
import { DataError } from "./errors.ts";

/** Decode any image file to 8-bit RGB (alpha dropped, EXIF orientation NOT applied, as datasets store pixels). */
export async function readRgb(path: string): Promise<RGBImage> {
  try {
    const { data, info } = await sharp(path, { failOn: "truncated" }).removeAlpha().toColourspace("srgb")
      .raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`expected 3 channels, got ${info.channels}`);
    return {
      width: info.width,
      height: info.height,
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    };
  } catch (e) {
    throw new DataError(`cannot read image ${path}: ${(e as Error).message}`, path);
  }
}

/** Width, height and format from the file's header only (cheap: no pixels decoded). */
export async function readImageHeader(
  path: string,
): Promise<{ width: number; height: number; format: string }> {
  try {
    const m = await sharp(path).metadata();
    if (!m.width || !m.height) throw new Error("no image size in the header");
    return { width: m.width, height: m.height, format: m.format ?? "unknown" };
  } catch (e) {
    throw new DataError(`cannot read image ${path}: ${(e as Error).message}`, path);
  }
}

/** Decode an 8-bit single-channel image (a mask or a VOC index PNG) without changing its values. */
export async function readGray(path: string): Promise<{ width: number; height: number; data: Uint8Array }> {
  try {
    const img = sharp(path, { failOn: "truncated" });
    const meta = await img.metadata();
    // Palette PNGs (VOC) must keep their indices, not be mapped to colours.
    const pipeline = meta.format === "png" && meta.isPalette ? img.raw() : img.extractChannel(0).raw();
    if (meta.depth === "ushort") {
      return from16(
        await pipeline.toColourspace("grey16").raw({ depth: "ushort" }).toBuffer({ resolveWithObject: true }),
      );
    }
    const { data, info } = await pipeline.toBuffer({ resolveWithObject: true });
    if (info.channels !== 1) {
      throw new Error(`expected a single-channel image, got ${info.channels} channels`);
    }
    return {
      width: info.width,
      height: info.height,
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    };
  } catch (e) {
    throw new DataError(`cannot read mask ${path}: ${(e as Error).message}`, path);
  }
}

/**
 * A 16-bit gray image to 8 bits: values that all fit in 8 bits (a 0/1 or 0/255 mask saved as
 * 16-bit) are kept; otherwise scaled by 255/65535. libvips' own cast scales always, which turns
 * a 16-bit 0/1 mask all-background.
 */
function from16(
  { data, info }: { data: Uint8Array; info: { width: number; height: number; channels: number } },
) {
  if (info.channels !== 1) throw new Error(`expected a single-channel image, got ${info.channels} channels`);
  const v = new Uint16Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length));
  let max = 0;
  for (let i = 0; i < v.length; i++) if (v[i] > max) max = v[i];
  const out = new Uint8Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = max <= 255 ? v[i] : Math.round(v[i] / 257);
  return { width: info.width, height: info.height, data: out };
}

/** PNG bytes of a gray image (0–255). */
export async function encodeGrayPng(width: number, height: number, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await sharp(data, { raw: { width, height, channels: 1 } }).png().toBuffer());
}

/** PNG bytes of an RGB image. */
export async function encodeRgbPng(img: RGBImage): Promise<Uint8Array> {
  return new Uint8Array(
    await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).png().toBuffer(),
  );
}

/** A binary mask (0/1) as a 0/255 PNG. */
export function encodeMaskPng(mask: BinaryMask): Promise<Uint8Array> {
  const out = new Uint8Array(mask.data.length);
  for (let i = 0; i < out.length; i++) out[i] = mask.data[i] ? 255 : 0;
  return encodeGrayPng(mask.width, mask.height, out);
}
