/**
 * What one runner call shares between planning (status, dry-run) and execution: the checked
 * DAG, the effective params, the store, and memoised code-file hashes and input lists.
 */
import { join } from "node:path";
import { pick, resolveParams } from "./config.ts";
import { ancestors, buildDag, type Dag } from "./dag.ts";
import { DagError, UsageError } from "../core/errors.ts";
import { codeFileHash } from "./canon.ts";
import { Claims, type ClaimTiming } from "./claims.ts";
import { itemId } from "./items.ts";
import { type Progress, progress as terminalProgress } from "../core/progress.ts";
import type { PlanItem } from "./plan.ts";
import type { RemoteExecutor } from "./executors/remote.ts";
import type { InputRef, Item, Params, ParamSchema, Profiles, Stage } from "./stage.ts";
import { type CheckResult, type FileRecord, filesDigest, listFiles, openStore, type Store } from "./store.ts";

export interface RunnerOptions {
  stages: readonly Stage[];
  schema: ParamSchema;
  profiles: Profiles;
  profile: string;
  /** typed values, e.g. from `--set` (see parseSet in pipeline/config.ts) */
  overrides?: Params;
  /** project root: stages' `code` paths are relative to it */
  root: string;
  cacheDir: string;
  /** stage names whose items are the targets (default: every stage) */
  targets?: string[];
  /** keep only target items whose `task` equals this */
  task?: string;
  /** stop after this stage: targets are it and the stages it depends on */
  until?: string;
  /** rebuild the target stages' items even when cached */
  force?: boolean;
  /** print what would run and why; run nothing, take no lock */
  dryRun?: boolean;
  /** re-hash every file of every entry used, not only those whose size/mtime changed */
  verify?: boolean;
  /** one line of human output (default: stderr) */
  log?: (line: string) => void;
  /** a progress bar (default: core/progress.ts, quiet off-terminal) */
  progress?: (label: string, total: number) => Progress;
  /** abort from outside (tests); SIGINT/SIGTERM also abort when handleSignals is on */
  signal?: AbortSignal;
  /** listen to SIGINT/SIGTERM during the run (default true) */
  handleSignals?: boolean;
  /** items built side by side (default 1); see pipeline/pool.ts */
  jobs?: number;
  /**
   * module URL exporting `STAGES` (the same stages as `stages`): with jobs > 1 each job runs its
   * items in a worker that imports it. Without it, items overlap in this thread (async stages only).
   */
  stagesModule?: string;
  /**
   * When a key to build is claimed by another live builder: wait for it and use its entry
   * (default), or throw ClaimHeldError (exit 75) at once with `wait: false`.
   */
  wait?: boolean;
  /** claim heartbeat period and takeover timeout (pipeline/claims.ts; tests shorten them) */
  claimTiming?: Partial<ClaimTiming>;
  /** build items elsewhere (`--executor slurm`, pipeline/executors/slurm.ts); `jobs` bounds jobs in flight */
  remote?: RemoteExecutor;
  /**
   * reproduce: called with the plan of every target and input before anything is built (the CLI
   * prints its cost plan); the entry checks it made are reused by the build, not redone.
   */
  onPlan?: (items: PlanItem[], session: Session) => Promise<void> | void;
}

export interface Node {
  stage: Stage;
  item: Item;
  id: string;
}

export interface Session {
  opts: RunnerOptions;
  dag: Dag;
  params: Params;
  store: Store;
  /** who builds which key, across every process sharing the cache */
  claims: Claims;
  log: (line: string) => void;
  progress: (label: string, total: number) => Progress;
  /** target nodes in DAG order */
  targets: Node[];
  /** stages whose items --force rebuilds */
  forced: Set<string>;
  code(stage: Stage): Promise<Record<string, string>>;
  /**
   * The store's check of a key (with the run's verify flag), once per key per session: planning
   * and building share it. A builder re-checks under its claim, and records what it committed.
   */
  check(key: string): Promise<CheckResult>;
  checked: Map<string, Promise<CheckResult>>;
  inputs(node: Node): Node[];
  declared(stage: Stage): Params;
}

/**
 * A code file's hash (pipeline/canon.ts: comments and formatting do not count); a declared
 * directory hashes as the digest of its files' hashes by relative path (sizes left out: a comment
 * changes them).
 */
async function hashCodePath(path: string, memoDir: string): Promise<string> {
  if (!(await Deno.stat(path)).isDirectory) return await codeFileHash(path, memoDir);
  const files: Record<string, FileRecord> = {};
  for (const rel of await listFiles(path)) {
    files[rel] = { sha256: await codeFileHash(join(path, rel), memoDir), size: 0, mtime: 0 };
  }
  return filesDigest(files);
}

const TTY = Deno.stderr.isTerminal() && !Deno.env.get("CI");

/** stderr; on a terminal the line first clears a progress bar being drawn (it redraws on its next tick). */
function defaultLog(line: string): void {
  if (TTY) Deno.stderr.writeSync(new TextEncoder().encode("\r\x1b[2K"));
  console.error(line);
}

export function openSession(opts: RunnerOptions): Session {
  const dag = buildDag(opts.stages, opts.schema);
  const params = resolveParams(opts.schema, opts.profiles, opts.profile, opts.overrides ?? {});
  const known = () => [...dag.byName.keys()].join(", ") || "none";
  const stageOf = (name: string, what: string) => {
    const s = dag.byName.get(name);
    if (!s) throw new UsageError(`${what}: unknown stage ${name} (stages: ${known()})`);
    return s;
  };
  let selected = new Set((opts.targets ?? [...dag.byName.keys()]).map((n) => stageOf(n, "run").name));
  if (opts.until) {
    const keep = ancestors(dag, stageOf(opts.until, "--until").name);
    selected = new Set([...selected].filter((n) => keep.has(n)));
  }
  const targets: Node[] = [];
  for (const stage of dag.order) {
    if (!selected.has(stage.name)) continue;
    let items = stage.items(params);
    if (opts.task !== undefined) {
      const all = items;
      items = items.filter((it) => String(it.task) === opts.task);
      if (items.length === 0 && opts.targets) {
        const tasks = [...new Set(all.map((it) => it.task).filter((t) => t !== undefined))];
        throw new UsageError(
          `--task ${opts.task}: stage ${stage.name} has no such item (tasks: ${tasks.join(", ") || "none"})`,
        );
      }
    }
    for (const item of items) targets.push({ stage, item, id: itemId(stage.name, item) });
  }

  const codeMemo = new Map<string, Promise<string>>();
  const hashCode = (stage: Stage, path: string) => {
    let p = codeMemo.get(path);
    if (!p) {
      p = hashCodePath(join(opts.root, path), opts.cacheDir).catch((e) => {
        if (e instanceof Deno.errors.NotFound) {
          throw new DagError(`stage ${stage.name} declares code file ${path}, which does not exist`);
        }
        throw e;
      });
      codeMemo.set(path, p);
    }
    return p;
  };
  const inputsMemo = new Map<string, Node[]>();
  const log = opts.log ?? defaultLog;
  const store = openStore(opts.cacheDir);
  const checked = new Map<string, Promise<CheckResult>>();

  return {
    opts,
    dag,
    params,
    store,
    claims: new Claims(opts.cacheDir, { warn: log, timing: opts.claimTiming }),
    log,
    progress: opts.progress ?? ((label, total) => terminalProgress(label, total)),
    targets,
    forced: opts.force ? selected : new Set(),
    async code(stage) {
      const out: Record<string, string> = {};
      for (const path of stage.code) out[path] = await hashCode(stage, path);
      return out;
    },
    check(key) {
      let p = checked.get(key);
      if (!p) checked.set(key, p = store.check(key, opts.verify ?? false));
      return p;
    },
    checked,
    inputs(node) {
      let out = inputsMemo.get(node.id);
      if (out) return out;
      out = node.stage.inputs(node.item, params).map((ref: InputRef) => {
        const up = dag.byName.get(ref.stage);
        const refId = itemId(ref.stage, ref.item);
        if (!up) throw new DagError(`${node.id} needs ${refId}, but no stage is named ${ref.stage}`);
        if (!node.stage.after.includes(ref.stage)) {
          throw new DagError(
            `${node.id} needs ${refId}, but stage ${node.stage.name} does not run after ${ref.stage}`,
          );
        }
        return { stage: up, item: ref.item, id: refId };
      });
      inputsMemo.set(node.id, out);
      return out;
    },
    declared(stage) {
      return pick(params, stage.params);
    },
  };
}
