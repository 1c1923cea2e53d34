/** `deno task eval-masks`: self-evaluation on real masks, soft maps, pairing errors, bad flags. */
import assert from "node:assert/strict";
import sharp from "sharp";
import { needsShared, SHARED_DATA } from "./_shared.ts";
import { evalMasks, toJson } from "../cli/eval_masks.ts";
import { encodeGrayPng } from "../core/image_io.ts";
import { allMetrics } from "../kernels/metrics/index.ts";
import { gtFromGray, softFromGray } from "../kernels/metrics/prepare.ts";
import { DataError } from "../core/errors.ts";

const CLI = new URL("../cli/eval_masks.ts", import.meta.url).pathname;

async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** pred/ and gt/ folders in a temp dir: a soft 8×6 map and a binary one against disc GTs. */
async function fixture(): Promise<
  { dir: string; pred: string; gt: string; soft8: Uint8Array; gt8: Uint8Array }
> {
  const dir = await Deno.makeTempDir({ prefix: "evalmasks" });
  await Deno.mkdir(`${dir}/pred`);
  await Deno.mkdir(`${dir}/gt`);
  const w = 8, h = 6;
  const gt8 = new Uint8Array(w * h), soft8 = new Uint8Array(w * h), bin8 = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++) {
    const x = i % w, y = Math.floor(i / w);
    gt8[i] = (x - 3) ** 2 + (y - 2) ** 2 <= 5 ? 255 : 0;
    soft8[i] = (x * 31 + y * 17 + (gt8[i] ? 120 : 0)) % 256;
    bin8[i] = x >= 2 && x <= 5 && y <= 4 ? 255 : 0;
  }
  await Deno.writeFile(`${dir}/gt/a.png`, await encodeGrayPng(w, h, gt8));
  await Deno.writeFile(`${dir}/gt/b.png`, await encodeGrayPng(w, h, gt8));
  await Deno.writeFile(`${dir}/pred/a.png`, await encodeGrayPng(w, h, soft8));
  await Deno.writeFile(`${dir}/pred/b.png`, await encodeGrayPng(w, h, bin8));
  return { dir, pred: `${dir}/pred`, gt: `${dir}/gt`, soft8, gt8 };
}

Deno.test({
  name: "eval-masks: glass test masks against themselves give IoU 1, MAE 0, E_φ 1",
  ...needsShared("data/glass"),
  fn: async () => {
    // 20 of the 100 masks, linked into a temp folder (the bench scores all 100)
    const src = `${SHARED_DATA}/glass/test/masks`;
    const names = [...Deno.readDirSync(src)].map((e) => e.name).sort().slice(0, 20);
    const dir = await Deno.makeTempDir({ prefix: "evalglass" });
    for (const n of names) await Deno.symlink(`${src}/${n}`, `${dir}/${n}`);
    const r = await evalMasks({ pred: dir, gt: src, allowMissing: true });
    const s = r.summary;
    assert.equal(s.images, 20);
    assert.equal(r.missing.pred.length, 80);
    assert.equal(s.iou, 1);
    assert.equal(s.iouPooled, 1);
    assert.equal(s.mae, 0);
    assert.equal(s.ber, 0);
    assert.ok(Math.abs(s.ephi.adaptive - 1) < 1e-5, `E_φ ${s.ephi.adaptive}`); // N/(N − 1)
    assert.ok(Math.abs(s.salpha - 1) < 1e-9);
    assert.ok(Math.abs(s.fbeta.adaptive - 1) < 1e-12);
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test("eval-masks: soft and binary predictions score as allMetrics does", async () => {
  const f = await fixture();
  const r = await evalMasks({ pred: f.pred, gt: f.gt });
  assert.deepEqual(r.images.map((i) => [i.stem, i.metrics.soft]), [["a", true], ["b", false]]);
  const direct = allMetrics(softFromGray(f.soft8), gtFromGray(f.gt8), 8, 6);
  const a = r.images[0].metrics;
  for (const k of ["iou", "mae", "ber", "fbeta_w", "salpha"] as const) {
    assert.ok(Math.abs(a[k] - direct[k]) < 1e-12, k);
  }
  assert.ok(Math.abs(a.ephi.mean - direct.ephi.mean) < 1e-12);
  // the summary is the per-image mean
  assert.ok(Math.abs(r.summary.mae - (a.mae + r.images[1].metrics.mae) / 2) < 1e-12);
  const j = toJson(r, true) as { images: number; per_image: unknown[] };
  assert.equal(j.images, 2);
  assert.equal(j.per_image.length, 2);
  await Deno.remove(f.dir, { recursive: true });
});

Deno.test("eval-masks: unpaired files, size mismatch and empty folders are errors naming the file", async () => {
  const f = await fixture();
  await Deno.writeFile(`${f.pred}/c.png`, await encodeGrayPng(2, 2, new Uint8Array(4)));
  await assert.rejects(
    () => evalMasks({ pred: f.pred, gt: f.gt }),
    (e: Error) => e instanceof DataError && /1 predictions have no ground truth: c in .*pred/.test(e.message),
  );
  const ok = await evalMasks({ pred: f.pred, gt: f.gt, allowMissing: true });
  assert.deepEqual(ok.missing.gt, ["c"]);
  await Deno.writeFile(`${f.gt}/c.png`, await encodeGrayPng(3, 2, new Uint8Array(6)));
  await assert.rejects(
    () => evalMasks({ pred: f.pred, gt: f.gt }),
    (e: Error) => /size mismatch for "c": prediction .*c\.png is 2×2, .*gt\/c\.png is 3×2/.test(e.message),
  );
  await Deno.mkdir(`${f.dir}/empty`);
  await assert.rejects(() => evalMasks({ pred: `${f.dir}/empty`, gt: f.gt }), /holds no images/);
  await assert.rejects(() => evalMasks({ pred: `${f.dir}/nope`, gt: f.gt }), /prediction folder not found/);
  await Deno.remove(f.dir, { recursive: true });
});

Deno.test("eval-masks CLI: --json output, exit 1 on a missing pair, exit 2 on a bad flag", async () => {
  const f = await fixture();
  const good = await runCli(["--pred", f.pred, "--gt", f.gt, "--json"]);
  assert.equal(good.code, 0, good.stderr);
  assert.equal(JSON.parse(good.stdout).images, 2);
  await Deno.remove(`${f.gt}/b.png`);
  const missing = await runCli(["--pred", f.pred, "--gt", f.gt]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /predictions have no ground truth: b in/);
  const bad = await runCli(["--pred", f.pred, "--gt", f.gt, "--bogus"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown flag --bogus/);
  const noPred = await runCli(["--gt", f.gt]);
  assert.equal(noPred.code, 2);
  assert.match(noPred.stderr, /--pred DIR is required/);
  await Deno.remove(f.dir, { recursive: true });
});

Deno.test("eval-masks: pred = gt gives IoU 1 in every binary encoding (0/1, 0/255, 16-bit 0/65535 and 0/1)", async () => {
  const w = 10, h = 8;
  const fg = (i: number) => (i % w) >= 3 && Math.floor(i / w) < 5;
  const encodings: [string, (on: boolean) => number, boolean][] = [
    ["0-255", (on) => (on ? 255 : 0), false],
    ["0-1", (on) => (on ? 1 : 0), false],
    ["16bit-0-65535", (on) => (on ? 65535 : 0), true],
    ["16bit-0-1", (on) => (on ? 1 : 0), true],
  ];
  const dir = await Deno.makeTempDir({ prefix: "evalenc" });
  for (const [name, value, wide] of encodings) {
    const px = wide ? new Uint16Array(w * h) : new Uint8Array(w * h);
    px.forEach((_, i) => (px[i] = value(fg(i))));
    const img = sharp(px, { raw: { width: w, height: h, channels: 1 } });
    const png = await (wide ? img.toColourspace("grey16") : img).png().toBuffer();
    for (const sub of ["pred", "gt"]) {
      await Deno.mkdir(`${dir}/${name}/${sub}`, { recursive: true });
      await Deno.writeFile(`${dir}/${name}/${sub}/m.png`, png);
    }
    const r = await evalMasks({ pred: `${dir}/${name}/pred`, gt: `${dir}/${name}/gt` });
    assert.equal(r.summary.iou, 1, name);
    assert.equal(r.summary.mae, 0, name);
    assert.equal(r.summary.soft, 0, `${name}: read as a binary mask`);
    assert.equal(r.zeroOne.length, name.endsWith("0-1") ? 2 : 0, name);
  }
  const cli = await runCli(["--pred", `${dir}/0-1/pred`, "--gt", `${dir}/0-1/gt`, "--json"]);
  assert.equal(cli.code, 0, cli.stderr);
  assert.equal(JSON.parse(cli.stdout).iou, 1);
  assert.equal(cli.stderr.trim().split("\n").length, 1, cli.stderr);
  assert.match(cli.stderr, /^note: 2 mask\(s\) store 0\/1 \(e\.g\. .*\): read as binary/);
  await Deno.remove(dir, { recursive: true });
});
