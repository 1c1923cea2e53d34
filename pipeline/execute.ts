/**
 * Building items: each item's inputs first (recursively, on demand, so an input item that is
 * not in its stage's `items()` is built too), then the item itself unless a verified entry with
 * its key is already in the store. One item's entry is committed as soon as it finishes, so
 * an interruption keeps every finished sibling.
 */
import { join } from "node:path";
import { ClaimHeldError, InterruptedError } from "../core/errors.ts";
import { type Claim, describeHolder } from "./claims.ts";
import { inputDir } from "./items.ts";
import { Slots, WorkerPool } from "./pool.ts";
import type { Progress } from "../core/progress.ts";
import type { Node, Session } from "./session.ts";
import type { RunContext } from "./stage.ts";
import { type EntryMeta, keyOf, type KeyParts } from "./store.ts";
import { canonicalJson, sha256Hex } from "./hash.ts";
import { explain, whyLine } from "./why.ts";

export interface RunSummary {
  /** items built by this call, in build order */
  ran: string[];
  /** items served from the cache */
  fresh: string[];
  /** items whose entry was corrupt and rebuilt */
  rebuilt: string[];
}

export interface Executor {
  ensure(node: Node): Promise<EntryMeta>;
  summary: RunSummary;
  /** stop workers (after every ensure settled) */
  close(): void;
}

/** Thrown for items not started because another item failed first (jobs > 1). */
export class HaltedError extends Error {
  constructor(id: string) {
    super(`${id} not run: another item failed`);
    this.name = "HaltedError";
  }
}

// Output patterns: `*` matches within one path part, `**` across parts, `?` one character.
function globToRegExp(glob: string): RegExp {
  const parts = glob.split("**").map((p) =>
    p.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]")
  );
  return new RegExp(`^${parts.join(".*")}$`);
}

export function executor(session: Session, signal: AbortSignal): Executor {
  const { store, log, claims } = session;
  const summary: RunSummary = { ran: [], fresh: [], rebuilt: [] };
  const built = new Map<string, Promise<EntryMeta>>();
  const verify = session.opts.verify ?? false;
  const jobs = session.opts.jobs ?? 1;
  const slots = new Slots(jobs);
  // Workers only pay off when items overlap; with one job everything stays in this thread.
  // --executor slurm: items are built by jobs (pipeline/executors/), not in this process
  const remote = session.opts.remote;
  // the stages the remote executor leaves to this process (its runsHere) are built as with local
  const remoteFor = (node: Node) => (remote && !remote.runsHere?.(node.stage.name) ? remote : undefined);
  const pool = jobs > 1 && !remote && session.opts.stagesModule
    ? new WorkerPool(session.opts.stagesModule)
    : undefined;
  // After one failure no new item starts; running ones finish and are kept (nothing lost).
  let halted = false;

  const build = async (node: Node): Promise<EntryMeta> => {
    const { stage, item } = node;
    // All inputs at once (they queue for slots); settle all before failing, so no input is
    // still being built after this item's promise has settled.
    const ups = session.inputs(node);
    const settled = await Promise.allSettled(ups.map(ensure));
    const failures = settled.filter((r) => r.status === "rejected").map((r) => r.reason);
    if (failures.length) throw failures.find((e) => !(e instanceof HaltedError)) ?? failures[0];
    const inputs = ups.map((up, i) => ({
      node: up,
      meta: (settled[i] as PromiseFulfilledResult<EntryMeta>).value,
    }));
    const parts: KeyParts = {
      stage: stage.name,
      item,
      code: await session.code(stage),
      params: session.declared(stage),
      inputs: inputs.map((i) => ({ id: i.node.id, digest: i.meta.digest })),
      fingerprint: await stage.fingerprint?.(item, session.params),
    };
    const key = keyOf(parts);
    const prev = await store.readIndex(stage.name, item);
    const index = () =>
      store.writeIndex(stage.name, item, {
        key,
        itemId: node.id,
        item,
        parts,
        updated: new Date().toISOString(),
      });
    /** An entry with this key is already whole (found now, or left by another builder). */
    const cached = async (meta: EntryMeta) => {
      if (prev?.key !== key) await index();
      summary.fresh.push(node.id);
      return meta;
    };
    const forced = session.forced.has(stage.name);
    let reasons: string[];
    if (forced) {
      reasons = ["--force"];
    } else {
      const c = await session.check(key);
      if (c.state === "ok") return await cached(c.meta);
      if (c.state === "corrupt") reasons = [c.problem];
      else if (!prev) reasons = ["missing"];
      else if (prev.key === key) reasons = ["entry deleted from the cache"];
      else reasons = explain(prev.parts, parts);
    }
    return await buildClaimed(node, key, forced, async (token) => {
      const c = await store.check(key, verify);
      if (c.state === "ok" && !forced) return { meta: c.meta, built: false }; // by another process
      if (c.state === "corrupt") {
        log(`corrupt cache entry ${node.id}: ${c.problem} — rebuilding`);
        await store.discard(key);
        summary.rebuilt.push(node.id);
      }
      // one "run" line for both executors; over ~200 characters it is summarised (whyLine)
      log(`run ${node.id}: ${reasons.length ? whyLine(node.id, reasons) : "key changed"}`);
      const remote = remoteFor(node);
      if (remote) {
        // the job claims the key itself (pipeline/executors/item.ts), with its host, pid and job id
        const ref = { stage: node.stage.name, item: node.item, id: node.id, key, force: forced };
        const ctx = { signal, log, check: (k: string) => store.check(k, false) };
        return { meta: await recordBuilt(node, await remote.build(ref, ctx), index), built: true };
      }
      const removed = await store.cleanTemp(() => token, key);
      if (removed > 0) log(`removed the unfinished temp dir of ${node.id} left by its previous builder`);
      return { meta: await runItem(node, parts, key, inputs, index, token), built: true };
    }).then((r) => (r.built ? r.meta : cached(r.meta)));
  };

  /**
   * Run `work` holding a job slot and the claim of `key`. A key claimed by another live builder
   * is waited for (without a slot), then looked up again: `work` sees the entry it left.
   */
  const buildClaimed = async (
    node: Node,
    key: string,
    forced: boolean,
    work: (token: string) => Promise<{ meta: EntryMeta; built: boolean }>,
  ): Promise<{ meta: EntryMeta; built: boolean }> => {
    let waited = false;
    while (true) {
      const release = await slots.acquire();
      let claim: Claim | undefined;
      try {
        if (signal.aborted) throw new InterruptedError(`interrupted before ${node.id}`);
        if (halted) throw new HaltedError(node.id);
        // --executor slurm: no claim here, each job claims the key it builds
        if (remoteFor(node)) return await work("");
        const r = await claims.claim(key, node.id);
        if (r.held) {
          claim = r.claim;
          return await work(claim.info.token);
        }
        const holder = describeHolder(r.by, r.ageMs);
        if (!(session.opts.wait ?? true)) {
          throw new ClaimHeldError(`${node.id} is being built by another process: ${holder}`, r.by);
        }
        if (!waited) log(`waiting for ${holder}`);
        waited = true;
      } catch (e) {
        if (!(e instanceof HaltedError) && !(e instanceof InterruptedError)) {
          // with several jobs the error is thrown only once the running items have finished
          if (jobs > 1 && !halted) log(`failed ${node.id}: ${(e as Error).message}; starting no new item`);
          halted = true;
        }
        throw e;
      } finally {
        claim?.release();
        release();
      }
      await claims.waitFree(key, signal);
      // after waiting, a forced item is still rebuilt: the user asked for this build
      if (!forced) {
        const c = await store.check(key, verify);
        if (c.state === "ok") return { meta: c.meta, built: false };
      }
    }
  };

  const runItem = async (
    node: Node,
    parts: KeyParts,
    key: string,
    inputs: { node: Node; meta: EntryMeta }[],
    index: () => Promise<void>,
    token: string,
  ): Promise<EntryMeta> => {
    const { stage, item } = node;
    const tmp = await store.newTemp(key, token);
    const t0 = performance.now();
    const notes: Record<string, number> = {};
    let bar: Progress | undefined;
    let barLabel: string | undefined;
    const dirs = inputs.map((i) => ({
      ref: { stage: i.node.stage.name, item: i.node.item },
      dir: store.entryDir(i.meta.key),
    }));
    const ctx: RunContext = {
      item,
      params: parts.params,
      inputs: dirs,
      input: (ref) => inputDir(node.id, dirs, ref),
      outDir: tmp,
      progress(done, total, label) {
        if (!bar || label !== barLabel) {
          bar?.done();
          bar = session.progress(`  ${node.id}${label ? ` ${label}` : ""}`, total);
          barLabel = label;
        }
        bar.update(done);
      },
      log: (m) => log(`  ${node.id}: ${m}`),
      note: (name, value) => void (notes[name] = value),
      memo: (k, make) => store.blobs.memo(k, make, ctx.log),
      signal,
      codeHash: sha256Hex(canonicalJson(parts.code)),
    };
    try {
      if (pool) {
        await pool.run({
          cacheDir: session.opts.cacheDir,
          stage: stage.name,
          id: node.id,
          item,
          params: ctx.params,
          inputs: ctx.inputs,
          outDir: tmp,
          codeHash: ctx.codeHash,
        }, ctx);
      } else {
        await stage.run(ctx);
      }
      bar?.done();
      if (signal.aborted) {
        throw new InterruptedError(`interrupted during ${node.id}; its partial output was discarded`);
      }
      await checkOutputs(node, tmp);
    } catch (e) {
      await Deno.remove(tmp, { recursive: true }).catch(() => {});
      if (signal.aborted && !(e instanceof InterruptedError)) {
        throw new InterruptedError(`interrupted during ${node.id}; its partial output was discarded`);
      }
      if (e instanceof InterruptedError) throw e;
      throw new Error(`${node.id} failed: ${(e as Error).message}`, { cause: e });
    }
    const meta = await store.commit(tmp, {
      stage: stage.name,
      item,
      itemId: node.id,
      key,
      params: parts.params,
      config: session.params,
      code: parts.code,
      inputs: inputs.map((i) => ({ id: i.node.id, key: i.meta.key, digest: i.meta.digest })),
      fingerprint: parts.fingerprint,
      wallSeconds: (performance.now() - t0) / 1000,
      ...(Object.keys(notes).length ? { notes } : {}),
      created: new Date().toISOString(),
    });
    return await recordBuilt(node, meta, index);
  };

  /** After an item's entry is committed (here or by a remote job): index, summary, log. */
  const recordBuilt = async (node: Node, meta: EntryMeta, index: () => Promise<void>) => {
    session.checked.set(meta.key, Promise.resolve({ state: "ok", meta }));
    await index();
    summary.ran.push(node.id);
    log(`done ${node.id} in ${meta.wallSeconds.toFixed(2)} s`);
    return meta;
  };

  const ensure = (node: Node): Promise<EntryMeta> => {
    let p = built.get(node.id);
    if (!p) built.set(node.id, p = build(node));
    return p;
  };
  return {
    ensure,
    summary,
    close: () => {
      pool?.close();
      void remote?.close();
    },
  };
}

async function checkOutputs(node: Node, dir: string): Promise<void> {
  for (const out of node.stage.outputs) {
    if (/[*?]/.test(out)) {
      const re = globToRegExp(out);
      const found = await anyMatch(dir, dir, re);
      if (!found) throw new Error(`wrote no file matching declared output ${out}`);
      continue;
    }
    try {
      await Deno.stat(join(dir, out));
    } catch {
      throw new Error(`did not write declared output ${out}`);
    }
  }
}

async function anyMatch(base: string, dir: string, re: RegExp): Promise<boolean> {
  for await (const e of Deno.readDir(dir)) {
    const rel = join(dir, e.name).slice(base.length + 1).replaceAll("\\", "/");
    if (re.test(rel)) return true;
    if (e.isDirectory && await anyMatch(base, join(dir, e.name), re)) return true;
  }
  return false;
}
