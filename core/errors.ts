/** Typed errors that say what the caller can do; each names the file, flag or value at fault. */

/** A dataset file or folder is missing, unreadable or inconsistent. */
export class DataError extends Error {
  constructor(message: string, readonly path?: string) {
    super(message);
    this.name = "DataError";
  }
}

/** A model file is missing, has the wrong hash, or does not have the expected interface. */
export class ModelError extends Error {
  constructor(message: string, readonly path?: string) {
    super(message);
    this.name = "ModelError";
  }
}

/** Bad flag, stage, param or value: the message names it and the accepted values. */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The DAG is malformed: a cycle, or an input no stage provides. */
export class DagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DagError";
  }
}

/** Another runner holds the cache lock. */
export class LockError extends Error {
  constructor(message: string, readonly holderPid?: number) {
    super(message);
    this.name = "LockError";
  }
}

/** The user interrupted the run (SIGINT/SIGTERM); finished items are kept. Exits 130 like a shell. */
export class InterruptedError extends Error {
  readonly exitCode = 130;
  constructor(message: string) {
    super(message);
    this.name = "InterruptedError";
  }
}
