/**
 * What the runner needs from an executor that builds items outside this process (SLURM): hand
 * it one item whose inputs are built, get back its committed entry. The executor knows nothing
 * of stages; the one-item build entry it launches runs the stage (pipeline/executors/item.ts).
 */
import type { Item } from "../stage.ts";
import type { CheckResult, EntryMeta } from "../store.ts";

/** One item to build, with the key the coordinator computed for it. */
export interface RemoteItem {
  stage: string;
  item: Item;
  /** `stage[task=a]`, for messages */
  id: string;
  key: string;
  /** rebuild even if an entry with this key exists (--force) */
  force: boolean;
}

export interface RemoteContext {
  /** aborted on Ctrl-C: the executor cancels what it launched */
  signal: AbortSignal;
  /** the shared store's entry check (the remote build commits there) */
  check(key: string): Promise<CheckResult>;
  log(line: string): void;
}

export interface RemoteExecutor {
  /** Build one item remotely; resolves with its entry once it is committed in the shared store. */
  build(node: RemoteItem, ctx: RemoteContext): Promise<EntryMeta>;
  /**
   * Whether `stage`'s items are built in the coordinator instead (Snakemake's `localrules`): for
   * stages whose items cost less than a job's start-up. Absent: every item is a job.
   */
  runsHere?(stage: string): boolean;
  /** Cancel whatever is still running (after every build settled this is a no-op). */
  close(): Promise<void>;
}
