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
