/** Image and mask types shared by every kernel. Pixel data is row-major, top-left origin. */

/** 8-bit RGB, interleaved. data: [H, W, 3] */
export interface RGBImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Binary mask, 1 = target, 0 = background. data: [H, W] */
export interface BinaryMask {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * Ground truth for one image. `ignore` (same size, 1 = excluded) carries VOC's boundary
 * value 255: ignored pixels count in no metric and give no reward.
 */
export interface GroundTruth {
  mask: BinaryMask;
  /** [H, W], 1 = ignore */
  ignore?: Uint8Array;
}

/** A point prompt in original-image pixel coordinates; label 1 = positive, 0 = negative. */
export interface Point {
  x: number;
  y: number;
  label: 0 | 1;
}
