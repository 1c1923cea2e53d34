import sharp from "sharp";
import { join } from "node:path";
import { type DatasetSource, fetchDataset } from "../data/datasets.ts";
import { hashRecordPath } from "../core/download.ts";
import { listTaskPairs, locateTask } from "../data/root.ts";
import { getTask } from "../data/tasks.ts";
import { assert } from "./data_assert.ts";

Deno.test("fetchDataset: download (local server) → verify → unpack → the SBU adapter finds it", async () => {
  const tmp = await Deno.makeTempDir();
  const src = join(tmp, "src", "SBU-shadow");
  for (const [split, stems] of [["SBUTrain4KRecoveredSmall", ["a", "b"]], ["SBU-Test", ["c"]]] as const) {
    await Deno.mkdir(join(src, split, "ShadowImages"), { recursive: true });
    await Deno.mkdir(join(src, split, "ShadowMasks"), { recursive: true });
    for (const s of stems) {
      await sharp(new Uint8Array(4 * 4 * 3), { raw: { width: 4, height: 4, channels: 3 } }).jpeg()
        .toFile(join(src, split, "ShadowImages", `${s}.jpg`));
      await sharp(new Uint8Array(16).fill(255), { raw: { width: 4, height: 4, channels: 1 } }).png()
        .toFile(join(src, split, "ShadowMasks", `${s}.png`));
    }
  }
  const tar = join(tmp, "SBU-shadow.tar");
  const made = await new Deno.Command("tar", { args: ["-cf", tar, "-C", join(tmp, "src"), "SBU-shadow"] })
    .output();
  assert.ok(made.success, "tar -cf failed");
  const bytes = await Deno.readFile(tar);
  let hits = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    hits++;
    return new Response(bytes);
  });
  const url = `http://127.0.0.1:${server.addr.port}/SBU-shadow.tar`;
  const ds: DatasetSource = {
    id: "SBU",
    name: "SBU (test archive)",
    dir: "SBU",
    files: [{ url }],
    manual: "-",
  };
  const old = [Deno.env.get("ALIGNSAM_CACHE"), Deno.env.get("ALIGNSAM_DATA")];
  Deno.env.set("ALIGNSAM_CACHE", join(tmp, "cache"));
  Deno.env.delete("ALIGNSAM_DATA");
  try {
    const cacheDir = join(tmp, "cache", "data");
    assert.equal(await fetchDataset(ds, { cacheDir }), join(cacheDir, "SBU"));
    // no published checksum: the first download's sha256 is recorded
    assert.ok((await Deno.stat(hashRecordPath(join(cacheDir, "downloads", "SBU-shadow.tar")))).isFile);
    await fetchDataset(ds, { cacheDir }); // unpacked already: no second request
    assert.equal(hits, 1);
    const td = (await locateTask(getTask("shadow")))!;
    assert.equal(td.root.source, "data cache");
    assert.equal(td.base, join(cacheDir, "SBU", "SBU-shadow"));
    assert.equal((await listTaskPairs(td, "train")).pairs.length, 2);
    assert.equal((await listTaskPairs(td, "test")).pairs.length, 1);
  } finally {
    old[0] === undefined ? Deno.env.delete("ALIGNSAM_CACHE") : Deno.env.set("ALIGNSAM_CACHE", old[0]);
    if (old[1] !== undefined) Deno.env.set("ALIGNSAM_DATA", old[1]);
    await server.shutdown();
    await Deno.remove(tmp, { recursive: true });
  }
});
