import { expandTasks, getTask, TASKS } from "../data/tasks.ts";
import { UsageError } from "../core/errors.ts";
import { assert, includes } from "./data_assert.ts";

Deno.test("tasks: prompts (supp. Table 1), branches (paper Table 1), metrics (Tables 2–3)", () => {
  const row = (id: string) => {
    const t = getTask(id);
    return [t.paperDataset, t.textPrompt, t.branch, t.metrics.join("+")].join("|");
  };
  assert.equal(row("blur"), "CUHK|defocus background|implicit|miou+fbeta");
  assert.equal(row("shadow"), "SBU|shadow|explicit|miou+ber");
  assert.equal(row("glass"), "MSD|glass|implicit|miou+fbeta");
  assert.equal(row("mirror"), "MSD|glass|implicit|miou+fbeta");
  assert.equal(row("saliency"), "DUTS|saliency object|implicit|ephi+mae");
  assert.equal(row("voc-person"), "VOC2012|person|explicit|miou");
  assert.equal(getTask("voc-person").vocClassIndex, 15);
  assert.equal(getTask("voc-aeroplane").vocClassIndex, 1);
  assert.equal(getTask("voc-tvmonitor").vocClassIndex, 20);
  assert.equal(TASKS.length, 28); // 5 + 20 VOC classes + 3 demo tasks
});

Deno.test("tasks: expandTasks('voc') gives the 20 classes, dedups, keeps order", () => {
  const ids = expandTasks(["blur", "voc", "voc-cat", "blur"]).map((t) => t.id);
  assert.equal(ids.length, 21);
  assert.equal(ids[0], "blur");
  assert.equal(ids[1], "voc-aeroplane");
  assert.equal(ids[20], "voc-tvmonitor");
});

Deno.test("tasks: unknown id → UsageError listing the accepted ids", () => {
  try {
    getTask("shadows");
    assert.fail("no error");
  } catch (e) {
    assert.ok(e instanceof UsageError);
    includes((e as Error).message, "unknown task 'shadows'");
    includes((e as Error).message, "blur, shadow, glass, mirror, saliency, voc-aeroplane");
  }
});
