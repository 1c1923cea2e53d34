/**
 * The prompting MDP (paper §3.2, Alg. 1; METHOD-NOTES §1) around a frozen `Segmenter`.
 *
 * - action a ∈ 0..99: a cell of the image resized to 800×800; the point is the cell centre,
 *   scaled back (kernels/masks/grid.ts). A cell is taken at most once per episode.
 * - state s_t = E_I(x) ⊙ M_{t−1}; `mask64` is M_{t−1} as a 64×64 probability (sigmoid of the
 *   decoder's low-res logits, bilinear to 64). Before the first decode M_{−1} = 1, so s_0 = E.
 * - reward r_t = +1 if the GT is foreground at the point, −1 if background. VOC's ignore band
 *   (value 255, a few pixels along object borders) gives reward 0 — it is neither target nor
 *   background, so it should not teach the agent either way — and counts as "not foreground" in
 *   FR (supp. Eq. 1 asks G_I(a_t) = 1, which an ignored pixel is not).
 * - the point's label is not the env's business: the caller passes it (SRM / SCLIP / LAST /
 *   none, kernels/agent/labeller.ts), as Alg. 1 separates the action (location) from its label.
 */
import type { GroundTruth, Point } from "../../core/image.ts";
import type { DecodeResult, Embedding, Segmenter } from "../sam/segmenter.ts";
import { cellCenter, maskValueAt } from "../masks/grid.ts";
import { lowResToGrid } from "../masks/threshold.ts";
import { CELLS, type GridLayout, layoutOf, SIDE } from "./grid64.ts";
import type { Rng } from "../../core/rng.ts";

export interface EnvOptions {
  T: number;
  /** feed the previous low-res logits as mask_input (SAM predictor's habit) */
  feedMask: boolean;
  multimask: boolean;
}

export interface StepOutcome {
  point: Point;
  reward: number;
  /** G_I(a_t) = 1 */
  fg: boolean;
  /** after this step t = T */
  done: boolean;
  decoded: DecodeResult;
}

export class PromptEnv {
  readonly layout: GridLayout;
  /** P_t */
  readonly points: Point[] = [];
  /** [100] 1 = taken */
  readonly chosen = new Uint8Array(CELLS);
  /** steps taken so far */
  t = 0;
  /** [64, 64] M_{t−1}: the mask the current state multiplies (all ones before the first decode) */
  mask64: Float32Array = new Float32Array(SIDE * SIDE).fill(1);
  /** the latest decode, undefined before reset */
  last?: DecodeResult;

  constructor(
    readonly segmenter: Segmenter,
    readonly embedding: Embedding,
    /** needed for rewards; undefined on new images (cli/segment.ts) */
    readonly gt: GroundTruth | undefined,
    readonly opts: EnvOptions,
  ) {
    this.layout = layoutOf(embedding);
  }

  /** P_0 → M_0 = D_M(F_I, P_0), the state s_1 = E ⊙ M_0. */
  async reset(p0: Point[]): Promise<DecodeResult> {
    this.points.length = 0;
    this.points.push(...p0);
    this.chosen.fill(0);
    this.t = 0;
    this.last = undefined;
    return await this.decode();
  }

  /** Take cell `action` with label `label`: P_t = P_{t−1} ∪ {a_t}, M_t = D_M(F_I, P_t), r_t. */
  async step(action: number, label: 0 | 1): Promise<StepOutcome> {
    if (this.t >= this.opts.T) {
      throw new RangeError(`PromptEnv.step: episode already has T = ${this.opts.T} steps`);
    }
    if (this.chosen[action]) throw new RangeError(`PromptEnv.step: cell ${action} was already chosen`);
    const { x, y } = this.cellPoint(action);
    const point: Point = { x, y, label };
    this.chosen[action] = 1;
    this.points.push(point);
    this.t++;
    const { reward, fg } = this.gt ? rewardAt(this.gt, x, y) : { reward: 0, fg: false };
    const decoded = await this.decode();
    return { point, reward, fg, done: this.t >= this.opts.T, decoded };
  }

  /**
   * Several actions with one decode (the w/o-MSI ablation: all points prompted at once).
   * Every outcome carries the single decode of the full point set.
   */
  async stepMany(picks: { action: number; label: 0 | 1 }[]): Promise<StepOutcome[]> {
    if (this.t + picks.length > this.opts.T) {
      throw new RangeError(`PromptEnv.stepMany: ${picks.length} steps exceed T = ${this.opts.T}`);
    }
    const partial = picks.map(({ action, label }) => {
      if (this.chosen[action]) throw new RangeError(`PromptEnv.stepMany: cell ${action} was already chosen`);
      const { x, y } = this.cellPoint(action);
      const point: Point = { x, y, label };
      this.chosen[action] = 1;
      this.points.push(point);
      this.t++;
      return { point, ...(this.gt ? rewardAt(this.gt, x, y) : { reward: 0, fg: false }) };
    });
    const decoded = await this.decode();
    return partial.map((p) => ({ ...p, done: this.t >= this.opts.T, decoded }));
  }

  cellPoint(action: number): { x: number; y: number } {
    return cellCenter(action, this.embedding.width, this.embedding.height);
  }

  private async decode(): Promise<DecodeResult> {
    const prevLowRes = this.opts.feedMask ? this.last?.lowRes : undefined;
    const d = await this.segmenter.decode(this.embedding, this.points, {
      prevLowRes,
      multimask: this.opts.multimask,
    });
    this.last = d;
    this.mask64 = lowResToGrid(d.lowRes, SIDE);
    return d;
  }
}

/** Alg. 1 line 10: +1 on GT foreground, −1 on background, 0 on VOC's ignore band. */
export function rewardAt(gt: GroundTruth, x: number, y: number): { reward: number; fg: boolean } {
  const { width, height, data } = gt.mask;
  if (gt.ignore && maskValueAt(gt.ignore, width, height, x, y)) return { reward: 0, fg: false };
  const fg = maskValueAt(data, width, height, x, y) === 1;
  return { reward: fg ? 1 : -1, fg };
}

/**
 * Training P_0 (Alg. 1 line 2): one uniformly drawn GT-foreground pixel (positive) and one
 * background pixel (negative), never from the ignore band. An image with no foreground (or no
 * background) gets only the point it can have.
 */
export function trainingP0(gt: GroundTruth, rng: Rng): Point[] {
  const { width, data } = gt.mask;
  const pick = (want: number): Point | undefined => {
    let count = 0;
    for (let i = 0; i < data.length; i++) if (data[i] === want && !gt.ignore?.[i]) count++;
    if (count === 0) return undefined;
    let k = rng.int(count);
    for (let i = 0; i < data.length; i++) {
      if (data[i] === want && !gt.ignore?.[i] && k-- === 0) {
        return { x: i % width, y: Math.floor(i / width), label: want as 0 | 1 };
      }
    }
    return undefined;
  };
  return [pick(1), pick(0)].filter((p): p is Point => p !== undefined);
}
