/** Errors of the command line and the runner. A UsageError exits with code 2. */

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
