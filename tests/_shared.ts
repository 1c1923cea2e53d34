/**
 * Where tests find ../shared (real images and masks, CLIP vocabulary). Under CI=true a test
 * that needs a missing folder fails; elsewhere it is reported as ignored, and a line names the
 * missing folder — never a silent pass.
 */
export const SHARED = new URL("../../shared/", import.meta.url).pathname;
export const SHARED_DATA = `${SHARED}data`;

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Options for Deno.test that ignore the test (outside CI) when `sub` is missing under ../shared.
 * @example Deno.test({ name: "loads glass", ...needsShared("data/glass"), fn: async () => {} });
 */
export function needsShared(sub: string): { ignore: boolean } {
  const path = `${SHARED}${sub}`;
  if (exists(path)) return { ignore: false };
  if (Deno.env.get("CI") === "true") return { ignore: false }; // the test then fails on the missing path
  console.error(`[tests] ignored: missing ${path}`);
  return { ignore: true };
}
