import { assert, includes, rejectsWith } from "./data_assert.ts";
import { createHash } from "node:crypto";
import { downloadVerified, hashRecordPath, sha256File, verifyFile } from "../core/download.ts";
import { DataError } from "../core/errors.ts";

/** 100 kB of deterministic bytes. */
const BYTES: Uint8Array<ArrayBuffer> = new Uint8Array(100_000).map((_, i) => (i * 31 + 7) % 251);
const SHA = createHash("sha256").update(BYTES).digest("hex");

/** A local server with Range support; records the Range headers it saw. */
function serve(bytes: Uint8Array<ArrayBuffer>) {
  const ranges: (string | null)[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const range = req.headers.get("range");
    ranges.push(range);
    const m = range?.match(/^bytes=(\d+)-$/);
    if (m) {
      const start = Number(m[1]);
      if (start >= bytes.length) return new Response(null, { status: 416 });
      return new Response(bytes.slice(start), {
        status: 206,
        headers: { "content-range": `bytes ${start}-${bytes.length - 1}/${bytes.length}` },
      });
    }
    return new Response(bytes);
  });
  return { url: `http://127.0.0.1:${server.addr.port}/archive.zip`, ranges, close: () => server.shutdown() };
}

Deno.test("downloadVerified: full download, verified, renamed, .part gone", async () => {
  const dir = await Deno.makeTempDir();
  const s = serve(BYTES);
  try {
    const dest = `${dir}/sub/archive.zip`;
    const out = await downloadVerified({
      url: s.url,
      dest,
      sha256: SHA,
      size: BYTES.length,
      label: "test archive",
    });
    assert.deepEqual(out, dest);
    assert.deepEqual(await Deno.readFile(dest), BYTES);
    assert.deepEqual(await sha256File(dest), SHA);
    await rejectsWith(() => Deno.stat(`${dest}.part`), Deno.errors.NotFound);
    assert.deepEqual(s.ranges, [null]);
  } finally {
    await s.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("downloadVerified: resumes from a partial .part with a Range request", async () => {
  const dir = await Deno.makeTempDir();
  const s = serve(BYTES);
  try {
    const dest = `${dir}/archive.zip`;
    await Deno.writeFile(`${dest}.part`, BYTES.slice(0, 40_000));
    await downloadVerified({ url: s.url, dest, sha256: SHA, label: "test archive" });
    assert.deepEqual(s.ranges, ["bytes=40000-"]);
    assert.deepEqual(await Deno.readFile(dest), BYTES);
  } finally {
    await s.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("downloadVerified: hash mismatch names url, expected and actual, deletes .part", async () => {
  const dir = await Deno.makeTempDir();
  const s = serve(BYTES);
  try {
    const dest = `${dir}/archive.zip`;
    const wrong = "0".repeat(64);
    const err = await rejectsWith(
      () => downloadVerified({ url: s.url, dest, sha256: wrong, label: "test archive" }),
      DataError,
    );
    includes(err.message, s.url);
    includes(err.message, wrong);
    includes(err.message, SHA);
    await rejectsWith(() => Deno.stat(`${dest}.part`), Deno.errors.NotFound);
    await rejectsWith(() => Deno.stat(dest), Deno.errors.NotFound);
  } finally {
    await s.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("downloadVerified: md5 is checked too", async () => {
  const dir = await Deno.makeTempDir();
  const s = serve(BYTES);
  try {
    const md5 = createHash("md5").update(BYTES).digest("hex");
    await downloadVerified({ url: s.url, dest: `${dir}/ok.zip`, md5, label: "md5 ok" });
    // md5 only (as PASCAL VOC publishes): the sha256 is recorded for later downloads
    assert.equal(JSON.parse(await Deno.readTextFile(hashRecordPath(`${dir}/ok.zip`))).sha256, SHA);
    const err = await rejectsWith(
      () => downloadVerified({ url: s.url, dest: `${dir}/bad.zip`, md5: "f".repeat(32), label: "md5 bad" }),
      DataError,
    );
    includes(err.message, `md5 expected ${"f".repeat(32)}, actual ${md5}`);
  } finally {
    await s.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("downloadVerified: server down → DataError saying what to download and where", async () => {
  const dir = await Deno.makeTempDir();
  const s = serve(BYTES);
  await s.close();
  try {
    const dest = `${dir}/archive.zip`;
    const err = await rejectsWith(
      () =>
        downloadVerified({
          url: s.url,
          dest,
          sha256: SHA,
          label: "test archive",
          manualHint: "then unpack it",
        }),
      DataError,
    );
    includes(err.message, `Download ${s.url} yourself and place it at ${dest}`);
    includes(err.message, "then unpack it");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("downloadVerified: no published checksum → records the first hash, checks later ones", async () => {
  const dir = await Deno.makeTempDir();
  const s = serve(BYTES);
  try {
    const dest = `${dir}/archive.zip`;
    await downloadVerified({ url: s.url, dest, label: "unpinned" });
    const rec = JSON.parse(await Deno.readTextFile(hashRecordPath(dest)));
    assert.deepEqual(rec.sha256, SHA);
    assert.deepEqual(rec.size, BYTES.length);
    // The upstream file changes: the re-download must not be trusted.
    await Deno.remove(dest);
    await s.close();
    const changed = serve(BYTES.map((b) => b ^ 1));
    try {
      const err = await rejectsWith(
        () => downloadVerified({ url: changed.url, dest, label: "unpinned" }),
        DataError,
      );
      includes(err.message, `sha256 expected ${SHA}`);
      assert.ok(err.message.includes(hashRecordPath(dest)));
    } finally {
      await changed.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("verifyFile: a hand-placed archive is checked against the published sha256", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/placed.zip`;
    await Deno.writeFile(path, BYTES);
    await verifyFile(path, { sha256: SHA });
    const err = await rejectsWith(() => verifyFile(path, { sha256: "1".repeat(64) }), DataError);
    includes(err.message, `checksum mismatch for ${path}: sha256 expected ${"1".repeat(64)}, actual ${SHA}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
