/**
 * Why-lines stay short (issue 16 point 4): a reason list over ~200 characters is counted by
 * kind and names the command that lists it all (`status --why ITEM`: tests/pipeline_process_test.ts).
 */
import { assert, assertEquals } from "./pipeline_assert.ts";
import { whyLine } from "../pipeline/why.ts";

Deno.test("whyLine: short lists unchanged; long ones counted by kind with the command to list them", () => {
  assertEquals(
    whyLine("x[task=a]", ["param E: 50 → 30", "code changed: a.ts"]),
    "param E: 50 → 30; code changed: a.ts",
  );
  const reasons = [
    ...Array.from({ length: 12 }, (_, i) => `param p${i}: ${i} → ${i + 1}`),
    ...Array.from({ length: 81 }, (_, i) => `input removed: evaluate[seed=${i},task=voc-person]`),
    "code changed: reports/html.ts",
    "fingerprint changed",
    "never built",
  ];
  const line = whyLine("report", reasons);
  assert(line.length < 200, line);
  assertEquals(
    line,
    "never built, 12 params changed, 1 code file changed, 81 inputs removed, fingerprint changed; " +
      "`deno task status --why 'report'` (same flags) lists them all",
  );
});
