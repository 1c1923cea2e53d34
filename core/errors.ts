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

/**
 * A refusal: a key the caller must build is claimed by another live builder and the caller
 * asked not to wait (pipeline/claims.ts; a SLURM job's one-item build). Exits 75
 * (EX_TEMPFAIL: try again later), apart from failures (1) and usage errors (2).
 */
export class ClaimHeldError extends Error {
  readonly exitCode = 75;
  constructor(message: string, readonly holder: { host: string; pid: number; job?: string }) {
    super(message);
    this.name = "ClaimHeldError";
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
