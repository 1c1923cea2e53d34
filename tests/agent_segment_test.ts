import assert from "node:assert/strict";
import { needsShared, SHARED_DATA } from "./_shared.ts";
import { readGray, readRgb } from "../core/image_io.ts";
import { createWeightFreeSegmenter } from "../kernels/sam/weightfree/segmenter.ts";
import { trainAgent } from "../kernels/agent/train.ts";
import { saveAgentWeights } from "../kernels/agent/weights_io.ts";
import type { Sample } from "../core/records.ts";
import { paperTrainHyper } from "../stages/config.ts";

async function segment(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const cmd = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../cli/segment.ts", import.meta.url).pathname, ...args],
    stdout: "piped",
    stderr: "piped",
  });
  const r = await cmd.output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
}

Deno.test("segment CLI: usage errors name the missing flag / file", async () => {
  const a = await segment(["x.jpg"]);
  assert.equal(a.code, 2);
  assert.match(a.err, /--agent is required/);
  const b = await segment(["--agent", "/nonexistent-agent-dir", "x.jpg"]);
  assert.equal(b.code, 1);
  assert.match(b.err, /missing \/nonexistent-agent-dir\/agent\.json/);
});

Deno.test({
  name: "segment CLI: a trained agent writes <stem>.mask.png and <stem>.overlay.png",
  ...needsShared("data/glass"),
  fn: async () => {
    const dir = `${SHARED_DATA}/glass/train`;
    const stems = [...Deno.readDirSync(`${dir}/images`)].map((e) => e.name).sort().slice(0, 2);
    const seg = createWeightFreeSegmenter();
    const samples: Sample[] = [];
    for (const f of stems) {
      const stem = f.replace(/\.[^.]+$/, "");
      const image = await readRgb(`${dir}/images/${f}`);
      const m = await readGray(`${dir}/masks/${stem}.png`);
      samples.push({
        stem,
        imageHash: stem,
        image,
        gt: { mask: { width: m.width, height: m.height, data: m.data.map((v) => (v > 127 ? 1 : 0)) } },
      });
    }
    const embeddings = new Map(
      await Promise.all(samples.map(async (s) => [s.imageHash, await seg.embed(s.image)] as const)),
    );
    const { weights } = await trainAgent({
      samples,
      embeddings,
      segmenter: seg,
      branch: "implicit",
      T: 3,
      E: 1,
      K: 1,
      ...paperTrainHyper(),
      seed: 0,
    });
    const agentDir = await Deno.makeTempDir();
    const out = await Deno.makeTempDir();
    await saveAgentWeights(agentDir, weights);
    const r = await segment(["--agent", agentDir, "--out", out, "--T", "4", `${dir}/images/${stems[0]}`]);
    assert.equal(r.code, 0, r.err);
    const stem = samples[0].stem;
    const mask = await readGray(`${out}/${stem}.mask.png`);
    assert.deepEqual([mask.width, mask.height], [samples[0].image.width, samples[0].image.height]);
    assert.ok(mask.data.every((v) => v === 0 || v === 255));
    const overlay = await readRgb(`${out}/${stem}.overlay.png`);
    assert.equal(overlay.width, samples[0].image.width);
    assert.match(r.out, /6 points/); // P_0 (2) + T = 4
    await Deno.remove(agentDir, { recursive: true });
    await Deno.remove(out, { recursive: true });
  },
});
