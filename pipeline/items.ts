/** Names of fan-out items: `stage[task=glass,seed=0]` for messages, a file-safe form for the index. */
import type { InputRef, Item } from "./stage.ts";

/** `task=glass,seed=0` with keys sorted; `` for the single item `{}`. */
export function itemLabel(item: Item): string {
  return Object.keys(item).sort().map((k) => `${k}=${item[k]}`).join(",");
}

/** `preprocess[task=glass]`, or `report` for a stage's single empty item. */
export function itemId(stage: string, item: Item): string {
  const label = itemLabel(item);
  return label ? `${stage}[${label}]` : stage;
}

/** A file name for the index: the label with characters outside [A-Za-z0-9=,._-] escaped. */
export function itemFileName(item: Item): string {
  const label = itemLabel(item) || "_";
  return label.replace(/[^A-Za-z0-9=,._-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

/**
 * RunContext.input: the directory of the declared input `ref` among `inputs`; asking for one the
 * item did not declare is a stage bug, named with the item `id`.
 */
export function inputDir(
  id: string,
  inputs: readonly { ref: InputRef; dir: string }[],
  ref: InputRef,
): string {
  const found = inputs.find((x) => x.ref.stage === ref.stage && sameItem(x.ref.item, ref.item));
  if (!found) {
    throw new Error(`${id} asked for input ${ref.stage} ${JSON.stringify(ref.item)} it did not declare`);
  }
  return found.dir;
}

/** Same keys with the same values (item values are scalars). */
function sameItem(a: Item, b: Item): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}
