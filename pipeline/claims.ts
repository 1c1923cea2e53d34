/**
 * Per-key claims (issue 13 point 2): many coordinators and SLURM jobs share one cache, and a key
 * is built by whoever claims it first. A claim is `<cache>/claims/<key>`, a JSON file created
 * whole and atomically (written aside, then hard-linked into place: link fails if the name
 * exists, on NFS too) holding the builder's host, pid and SLURM job id; its mtime is the
 * heartbeat. A heartbeat thread (pipeline/heartbeat.ts) touches it every `heartbeatMs`, even
 * while a stage blocks the main thread; a claim whose heartbeat is older than `staleMs` (a killed
 * builder, a lost node) is taken over with a warning. Hosts' clocks must agree to well within
 * `staleMs` (NTP does). Touching, unlike rewriting, can never bring back a released claim.
 *
 * @example
 * const claims = new Claims(cacheDir, { warn: console.error });
 * const r = await claims.claim(key, "train-agent[task=glass,seed=0]");
 * if (r.held) { try { build(); } finally { r.claim.release(); } } else console.log(describeHolder(r.by));
 */
import { hostname } from "node:os";
import { basename, join } from "node:path";

export interface ClaimInfo {
  key: string;
  /** item id, for `status` and messages */
  item: string;
  host: string;
  pid: number;
  /** SLURM_JOB_ID of the builder, when it runs in a SLURM job */
  job?: string;
  /** unique per claim: tells a claim from its successor after a takeover */
  token: string;
  started: string;
}

export interface ClaimTiming {
  /** how often a held claim's heartbeat is refreshed */
  heartbeatMs: number;
  /** a claim whose heartbeat is older than this is taken over */
  staleMs: number;
}

export const DEFAULT_CLAIM_TIMING: ClaimTiming = { heartbeatMs: 10_000, staleMs: 60_000 };

/** A claim this process holds. */
export interface Claim {
  info: ClaimInfo;
  /** drop the claim (idempotent; synchronous, so exit paths can call it) */
  release(): void;
}

export type ClaimResult =
  | { held: true; claim: Claim }
  | { held: false; by: ClaimInfo; ageMs: number };

/** A claim someone holds, with its heartbeat's age. */
export interface Holder {
  info: ClaimInfo;
  ageMs: number;
  stale: boolean;
}

/** `host n1, pid 42, job 7, heartbeat 3.0 s ago` (job only when set): where a claim is built. */
export function claimWhere(info: ClaimInfo, ageMs?: number): string {
  const job = info.job ? `, job ${info.job}` : "";
  const age = ageMs === undefined
    ? ""
    : `, heartbeat ${(ageMs / 1000).toFixed(ageMs < 10_000 ? 1 : 0)} s ago`;
  return `host ${info.host}, pid ${info.pid}${job}${age}`;
}

/** `double[task=a] on host n1, pid 42, …`. */
export function describeHolder(info: ClaimInfo, ageMs?: number): string {
  return `${info.item} on ${claimWhere(info, ageMs)}`;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });

/** The claims of one cache directory, as seen by this process. */
export class Claims {
  readonly dir: string;
  readonly timing: ClaimTiming;
  #warn: (msg: string) => void;
  #held = new Map<string, { info: ClaimInfo; path: string }>();
  #heart: Worker | undefined;

  constructor(cacheDir: string, opts: { warn: (msg: string) => void; timing?: Partial<ClaimTiming> }) {
    this.dir = join(cacheDir, "claims");
    const staleMs = opts.timing?.staleMs ?? DEFAULT_CLAIM_TIMING.staleMs;
    // several beats per timeout, so one late beat (a loaded node, NFS) does not lose the claim
    const heartbeatMs = opts.timing?.heartbeatMs ?? Math.min(DEFAULT_CLAIM_TIMING.heartbeatMs, staleMs / 4);
    if (!(heartbeatMs > 0 && staleMs >= 2 * heartbeatMs)) {
      throw new Error(
        `claim timing: staleMs (${staleMs}) must be at least twice heartbeatMs (${heartbeatMs})`,
      );
    }
    this.timing = { heartbeatMs, staleMs };
    this.#warn = opts.warn;
  }

  /** Claim `key` for item `item`, taking over a stale claim; or say who holds it. */
  async claim(key: string, item: string): Promise<ClaimResult> {
    await Deno.mkdir(this.dir, { recursive: true });
    const path = join(this.dir, key);
    const job = Deno.env.get("SLURM_JOB_ID");
    const info: ClaimInfo = {
      key,
      item,
      host: hostname(),
      pid: Deno.pid,
      ...(job ? { job } : {}),
      token: crypto.randomUUID(),
      started: new Date().toISOString(),
    };
    const aside = join(this.dir, `.${key}.${info.token}`);
    // no fsync: a claim need not outlive a crash of its host (its builder dies with it); the
    // link alone makes it appear whole and at most once
    await Deno.writeTextFile(aside, JSON.stringify(info), { createNew: true });
    try {
      for (let attempt = 0; attempt < 8; attempt++) {
        if (await linkExclusive(aside, path)) {
          return { held: true, claim: this.#hold(info, path) };
        }
        const cur = await this.read(key);
        if (!cur) continue; // released meanwhile
        if (!cur.stale) return { held: false, by: cur.info, ageMs: cur.ageMs };
        this.#warn(
          `taking over the claim of ${describeHolder(cur.info, cur.ageMs)} (timeout ${
            this.timing.staleMs / 1000
          } s): its builder is gone`,
        );
        await this.#remove(path, cur.info.token);
      }
      const cur = await this.read(key);
      if (cur) return { held: false, by: cur.info, ageMs: cur.ageMs };
      throw new Error(`could not claim ${path}: it keeps changing`);
    } finally {
      await Deno.remove(aside).catch(() => {});
    }
  }

  /** The claim on `key`, if any (a torn or unreadable one counts by its file's age). */
  async read(key: string): Promise<Holder | undefined> {
    return await this.#readPath(join(this.dir, key));
  }

  /** Every claim in the cache (for `status`). */
  async list(): Promise<Holder[]> {
    const out: Holder[] = [];
    try {
      for await (const e of Deno.readDir(this.dir)) {
        if (e.name.startsWith(".")) continue;
        const h = await this.#readPath(join(this.dir, e.name));
        if (h) out.push(h);
      }
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    return out.sort((a, b) => a.info.item.localeCompare(b.info.item));
  }

  /** Resolve once `key` is no longer claimed, or its claim is stale, or `signal` aborts. */
  async waitFree(key: string, signal?: AbortSignal): Promise<void> {
    let ms = 100;
    while (!signal?.aborted) {
      const cur = await this.read(key);
      if (!cur || cur.stale) return;
      await sleep(ms, signal);
      ms = Math.min(1000, ms * 2);
    }
  }

  /** The token of the claim on `key` as on disk now (any holder, any age), if there is one. */
  tokenOnDisk(key: string): string | undefined {
    try {
      return JSON.parse(Deno.readTextFileSync(join(this.dir, key))).token;
    } catch {
      return undefined;
    }
  }

  /** Drop every claim this process holds (exit paths) and stop the heartbeat thread. */
  releaseAll(): void {
    for (const key of [...this.#held.keys()]) this.#release(key);
    this.#heart?.terminate();
    this.#heart = undefined;
  }

  #hold(info: ClaimInfo, path: string): Claim {
    this.#held.set(info.key, { info, path });
    this.#heart ??= this.#startHeart();
    this.#heart.postMessage({ type: "add", path, token: info.token, everyMs: this.timing.heartbeatMs });
    return { info, release: () => this.#release(info.key) };
  }

  #release(key: string): void {
    const h = this.#held.get(key);
    if (!h) return;
    this.#held.delete(key);
    this.#heart?.postMessage({ type: "remove", path: h.path });
    try {
      // only if it is still ours: after a takeover the file is someone else's claim
      const cur = JSON.parse(Deno.readTextFileSync(h.path)) as ClaimInfo;
      if (cur.token === h.info.token) Deno.removeSync(h.path);
    } catch {
      // already gone
    }
  }

  #startHeart(): Worker {
    const w = new Worker(new URL("./heartbeat.ts", import.meta.url), { type: "module" });
    w.onmessage = (e: MessageEvent<{ type: "lost"; path: string }>) => {
      const h = [...this.#held.values()].find((h) => h.path === e.data.path);
      if (h) {
        this.#warn(`lost the claim of ${h.info.item}: another builder took it over (heartbeat too late)`);
      }
    };
    return w;
  }

  async #readPath(path: string): Promise<Holder | undefined> {
    let text: string;
    let beat: number;
    try {
      // open, then fstat: on NFS an open revalidates cached attributes (close-to-open)
      using f = await Deno.open(path, { read: true });
      beat = (await f.stat()).mtime?.getTime() ?? 0;
      text = new TextDecoder().decode(await readAll(f));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return undefined;
      throw e;
    }
    let info: ClaimInfo;
    try {
      info = JSON.parse(text);
    } catch {
      // claims are written whole, so this is damage: it ages like any other
      const key = path.slice(this.dir.length + 1);
      info = { key, item: `(unreadable claim ${key})`, host: "?", pid: 0, token: "?", started: "?" };
    }
    const ageMs = Math.max(0, Date.now() - beat);
    return { info, ageMs, stale: ageMs > this.timing.staleMs };
  }

  /**
   * Remove the stale claim at `path` whose token is `token`. Rename it aside first (atomic, so
   * only one taker moves it); if what moved is a newer claim that another taker had just made,
   * link it back.
   */
  async #remove(path: string, token: string): Promise<void> {
    // dot-named like the aside files: list() and status skip it
    const grave = join(this.dir, `.${basename(path)}.stale-${crypto.randomUUID()}`);
    try {
      await Deno.rename(path, grave);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return;
      throw e;
    }
    try {
      const moved = JSON.parse(await Deno.readTextFile(grave)) as ClaimInfo;
      if (moved.token !== token) await linkExclusive(grave, path);
    } catch {
      // torn: it was the stale one
    }
    await Deno.remove(grave).catch(() => {});
  }
}

/** Hard-link `from` to `to` unless `to` exists; true when the link is ours. */
async function linkExclusive(from: string, to: string): Promise<boolean> {
  try {
    await Deno.link(from, to);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.AlreadyExists) {
      // NFS: a retransmitted LINK can fail although the first one worked; then `from` has 2 links
      const st = await Deno.stat(from);
      return (st.nlink ?? 1) >= 2;
    }
    // a filesystem without hard links (some FUSE or SMB mounts): exclusive create, then copy in;
    // a reader catching it empty sees an unreadable claim, aged by its fresh mtime
    try {
      await Deno.writeFile(to, await Deno.readFile(from), { createNew: true });
      return true;
    } catch (e2) {
      if (e2 instanceof Deno.errors.AlreadyExists) return false;
      throw e2;
    }
  }
}

async function readAll(f: Deno.FsFile): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(4096);
  while (true) {
    const n = await f.read(buf);
    if (n === null) break;
    chunks.push(buf.slice(0, n));
  }
  const out = new Uint8Array(chunks.reduce((a, c) => a + c.length, 0));
  let off = 0;
  for (const c of chunks) out.set(c, (off += c.length) - c.length);
  return out;
}
