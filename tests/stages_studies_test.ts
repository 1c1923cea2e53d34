/** stages/studies.ts: the evaluate items each paper table needs, and the cells a run cannot fill. */
import { assertEquals } from "./pipeline_assert.ts";
import { studyItems, studyTasks } from "../stages/studies.ts";
import { resolveParams } from "../pipeline/config.ts";
import { PROFILES, SCHEMA } from "../stages/config.ts";

const smoke = resolveParams(SCHEMA, PROFILES, "smoke", { seeds: [0, 1] });
const key = (i: Record<string, unknown>) => `${i.policy}/${i.variant}/${i.branch}/T${i.T}/E${i.E}/s${i.seed}`;

Deno.test("studies: baselines = ours, w/o RL, w/o MSI, w/o SRM for every seed", () => {
  const { items, missing } = studyItems("baselines", "glass", smoke);
  assertEquals(items.map(key).sort(), [
    "random/srm/implicit/T15/E2/s0",
    "random/srm/implicit/T15/E2/s1",
    "rl/none/implicit/T15/E2/s0",
    "rl/none/implicit/T15/E2/s1",
    "rl/srm/implicit/T15/E2/s0",
    "rl/srm/implicit/T15/E2/s1",
    "single/srm/implicit/T15/E2/s0",
    "single/srm/implicit/T15/E2/s1",
  ]);
  assertEquals(missing, []);
});

Deno.test("studies: without CLIP the SCLIP and explicit cells are named, not run", () => {
  const { items, missing } = studyItems("ablate", "voc-person", smoke);
  // voc-person's branch is explicit; without CLIP it trains the implicit one
  assertEquals(items.every((i) => i.branch === "implicit" && i.variant !== "sclip"), true);
  assertEquals(missing.map((m) => `${m.table}: ${m.cell}`), [
    "supp-3: voc-person RL+SCLIP",
    "main-4: voc-person explicit",
  ]);
  const withClip = studyItems("ablate", "voc-person", { ...smoke, clip: "vit-b-16" });
  assertEquals(withClip.missing, []);
  assertEquals(withClip.items.some((i) => i.variant === "sclip" && i.branch === "explicit"), true);
});

Deno.test("studies: sweeps vary T at the run's E and E at the run's T; VOC adds main Table 5's T", () => {
  const blur = studyItems("sweep", "blur", { ...smoke, seeds: [0] }).items;
  assertEquals(blur.filter((i) => i.shots === undefined).map((i) => `T${i.T}/E${i.E}`).sort(), [
    "T15/E1",
    "T15/E2",
    "T5/E2",
  ]);
  assertEquals(blur.filter((i) => i.shots !== undefined).map((i) => i.shots), [1, 5]);
  const voc = studyItems("sweep", "voc-person", { ...smoke, seeds: [0] }).items;
  assertEquals(voc.map((i) => i.T).sort((a, b) => Number(a) - Number(b)), [1, 5, 15]);
});

Deno.test("studies: main Table 5's T sweep runs on the tableTTasks classes only", () => {
  const quick = resolveParams(SCHEMA, PROFILES, "quick", { tasks: ["glass", "voc"] });
  const Ts = (task: string) =>
    [...new Set(studyItems("sweep", task, quick).items.map((i) => Number(i.T)))].sort((a, b) => a - b);
  assertEquals(Ts("voc-bottle"), [1, 5, 10, 15, 20]);
  assertEquals(Ts("voc-person"), [1, 5, 10, 15, 20]); // quick adds person
  assertEquals(Ts("voc-dog"), []);
  const paper = resolveParams(SCHEMA, PROFILES, "paper", { tasks: ["voc"] });
  assertEquals(studyTasks("sweep", paper).sort(), ["voc-bottle", "voc-car", "voc-cat", "voc-sheep"]);
});
