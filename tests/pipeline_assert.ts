/** Assertions for the pipeline tests (node:assert; no jsr imports), named as in Deno's std. */
import nodeAssert from "node:assert/strict";

// messages are passed only when given: some @types/node versions reject `string | undefined`
export function assert(cond: unknown, msg?: string): asserts cond {
  if (msg === undefined) nodeAssert.ok(cond);
  else nodeAssert.ok(cond, msg);
}
export function assertEquals(actual: unknown, expected: unknown, msg?: string): void {
  if (msg === undefined) nodeAssert.deepStrictEqual(actual, expected);
  else nodeAssert.deepStrictEqual(actual, expected, msg);
}
export function assertMatch(text: string, re: RegExp): void {
  nodeAssert.match(text, re);
}

/** `fn` rejects with an instance of `cls` whose message contains `part`; returns the error. */
export async function assertRejects<E extends Error>(
  fn: () => Promise<unknown>,
  // deno-lint-ignore no-explicit-any
  cls: new (...args: any[]) => E,
  part: string,
): Promise<E> {
  try {
    await fn();
  } catch (e) {
    nodeAssert.ok(
      e instanceof cls,
      `expected ${cls.name}, got ${(e as Error).name}: ${(e as Error).message}`,
    );
    nodeAssert.ok((e as Error).message.includes(part), `expected "${part}" in: ${(e as Error).message}`);
    return e as E;
  }
  throw new nodeAssert.AssertionError({ message: `expected ${cls.name}, nothing was thrown` });
}
