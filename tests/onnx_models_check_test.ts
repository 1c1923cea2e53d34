/** `deno task models --check` end to end on fixture graphs (a subprocess, as a user runs it). */
import assert from "node:assert/strict";
import { FAMILIES } from "../kernels/sam/registry.ts";
import {
  edgeSamDecoderGraph,
  FROZEN_CROP,
  samDecoderGraph,
  samEncoderGraph,
} from "./fixtures/onnx/sam_graphs.ts";

const dir = await Deno.makeTempDir({ prefix: "alignsam-models-check-" });

async function models(...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "cli/models.ts", ...args],
    env: { ALIGNSAM_CACHE: `${dir}/cache`, ALIGNSAM_ORT_EP: "cpu" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return { code: out.code, text };
}

Deno.test("models --check: a frozen-crop decoder is FLAGged on the portrait, agrees on the landscape", async () => {
  await Deno.writeFile(`${dir}/enc.onnx`, samEncoderGraph());
  await Deno.writeFile(`${dir}/frozen.onnx`, samDecoderGraph({ frozenCrop: FROZEN_CROP }));
  const r = await models(
    "--check",
    "--segmenter",
    "sam-vit-h",
    "--encoder",
    `${dir}/enc.onnx`,
    "--decoder",
    `${dir}/frozen.onnx`,
  );
  assert.equal(r.code, 0, r.text);
  assert.match(r.text, /output low_res_masks float32\[1,4,256,256\] +expected float32\[-1,-1,256,256\] +ok/);
  assert.match(r.text, /masks out 4 \(mask 0 single; multimask = best of 1–3\)/);
  assert.match(r.text, /landscape 600×400 graph full-size vs ours: worst mask \d differs on 0\.0%/);
  assert.match(r.text, /verdict +FLAG: portrait 400×600: the graph's full-size mask \d differs/);
  assert.match(r.text, /sam-vit-h: FLAG/);
});

Deno.test("models --check: registry-named EdgeSAM files pass; a SAM decoder checked as EdgeSAM FAILs naming the misfit", async () => {
  const models_ = `${dir}/models`;
  await Deno.mkdir(models_, { recursive: true });
  await Deno.writeFile(
    `${models_}/${FAMILIES.edgesam.encoder.name}`,
    samEncoderGraph({ inputName: "image" }),
  );
  await Deno.writeFile(
    `${models_}/${FAMILIES.edgesam.decoder.name}`,
    edgeSamDecoderGraph({ stabilityScores: true }),
  );
  const ok = await models("--check", "--segmenter", "edgesam", "--models", models_);
  assert.equal(ok.code, 0, ok.text);
  assert.match(ok.text, /sha256 [0-9a-f]{12}… not pinned \(first verified download\)/);
  assert.match(ok.text, /scores: stability score \(measured\)/);
  assert.match(ok.text, /no full-size output \(ours is the only one\)/);
  assert.match(ok.text, /edgesam: OK/);
  await Deno.writeFile(`${dir}/sam-dec.onnx`, samDecoderGraph());
  const bad = await models(
    "--check",
    "--segmenter",
    "edgesam",
    "--encoder",
    `${models_}/${FAMILIES.edgesam.encoder.name}`,
    "--decoder",
    `${dir}/sam-dec.onnx`,
  );
  assert.equal(bad.code, 1, bad.text);
  assert.match(bad.text, /verdict +FAIL: .*sam-dec\.onnx: output 'scores' missing/);
  assert.match(
    bad.text,
    /input +mask_input float32\[1,1,256,256\] +expected \(not expected\) +✗ unexpected input/,
  );
  const usage = await models("--encoder", `${dir}/enc.onnx`);
  assert.equal(usage.code, 2, usage.text);
});
