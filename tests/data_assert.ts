/** Assertions for the data tests (node:assert, no jsr imports). */
import assert from "node:assert/strict";

/** Await `fn`, expect it to throw an instance of `cls`; return the error for message checks. */
export async function rejectsWith<E extends Error>(
  fn: () => Promise<unknown>,
  // deno-lint-ignore no-explicit-any
  cls: new (...args: any[]) => E,
): Promise<E> {
  try {
    await fn();
  } catch (e) {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${(e as Error).name}: ${(e as Error).message}`);
    return e as E;
  }
  throw new assert.AssertionError({ message: `expected ${cls.name}, nothing was thrown` });
}

/** `text` contains `part`, with a readable failure. */
export function includes(text: string, part: string): void {
  assert.ok(text.includes(part), `expected to find\n  ${part}\nin\n  ${text}`);
}

export { assert };
