/**
 * A stage is data (DVC's habit): what it reads, which params and code files it depends on,
 * what it writes, and a `run` that only the runner calls. The runner knows nothing of SAM.
 */

/** One fan-out item, e.g. { task: "glass", variant: "srm", seed: 0 }. Values are scalars. */
export type Item = Record<string, string | number>;

/** A dependency on one item of another stage. */
export interface InputRef {
  stage: string;
  item: Item;
}

/** Typed parameter with its default and documentation; lives in the app's config schema. */
export type ParamType = "number" | "integer" | "string" | "boolean" | "string[]" | "number[]" | "integer[]";
export interface ParamSpec {
  type: ParamType;
  default: unknown;
  doc: string;
  /** accepted values for string / string[] params */
  choices?: readonly string[];
  /**
   * Bounds of a number or integer param, or of each element of a number[] / integer[] param:
   * min ≤ v ≤ max, gt < v < lt. Every numeric param of an app's schema should have one.
   */
  min?: number;
  max?: number;
  gt?: number;
  lt?: number;
}
export type ParamSchema = Record<string, ParamSpec>;
export type Params = Record<string, unknown>;

/** Profiles override defaults: name → partial params. */
export type Profiles = Record<string, Params>;

export interface RunContext {
  item: Item;
  /** only the params this stage declared, with their effective values */
  params: Params;
  /** directory of one input item's finished, verified entry */
  input(ref: InputRef): string;
  /** all declared inputs, in declaration order */
  inputs: { ref: InputRef; dir: string }[];
  /** empty temp directory; everything written here becomes the entry atomically */
  outDir: string;
  /** report progress of long work (items of work within this stage item) */
  progress(done: number, total: number, label?: string): void;
  log(message: string): void;
  /**
   * Record a measurement that varies from run to run (a time, a peak memory) in the entry's
   * `_entry.json` (EntryMeta.notes). Never write such values into outDir: its files are hashed
   * and feed downstream keys, which must agree across runs and machines.
   */
  note(name: string, value: number): void;
  /**
   * Content-addressed memo shared by all stages and items in the store: returns the bytes
   * cached under `key`, or computes, stores (atomically) and returns them.
   */
  memo(key: string, make: () => Promise<Uint8Array>): Promise<Uint8Array>;
  /** aborted when the user interrupts the run */
  signal: AbortSignal;
  /**
   * sha256 over this stage's declared code as its key hashes it (canonical forms: comments do
   * not count): for a stage's own memo keys, so a code change never reuses a memoised result.
   */
  codeHash: string;
}

export interface Stage {
  name: string;
  /** one line for `dag` and `--help` */
  doc: string;
  /** project-relative files whose content feeds the cache key (code deps) */
  code: readonly string[];
  /** names of config params this stage reads (a subset of the schema) */
  params: readonly string[];
  /** fan-out: the items this stage has for the given params (all params, not just declared) */
  items(params: Params): Item[];
  /** the input items one item needs */
  inputs(item: Item, params: Params): InputRef[];
  /** stage names this stage may depend on, for the static DAG (`dag`, cycle check) */
  after: readonly string[];
  /** the files one item writes (documentation; the runner checks they exist after run) */
  outputs: readonly string[];
  /**
   * Optional key part for sources outside the store (DVC's external deps), e.g. a dataset
   * folder's relative paths and content hashes (never mtimes or absolute paths: two clones must
   * agree on every key). Must be cheap: `status` calls it for every item, so memoise the hashes.
   */
  fingerprint?(item: Item, params: Params): Promise<string>;
  run(ctx: RunContext): Promise<void>;
}
