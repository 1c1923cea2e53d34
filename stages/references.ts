/**
 * The k training images of a few-shot run (supp. Table 5): PerSAM's references and the images
 * AlignSAM trains on with `shots` = k are the same draw, "shared among different methods"
 * (supp. §5).
 */
import { makeRng } from "../core/rng.ts";

/** A seeded shuffle of the training subset, first k. */
export function drawReferences<T>(train: readonly T[], shots: number, seed: number): T[] {
  return makeRng(seed).shuffle(train).slice(0, shots);
}
