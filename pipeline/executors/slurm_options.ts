/**
 * What `--executor slurm` (slurm.ts) is configured with: the build command of a job, each stage's
 * resources, where logs and queues go, and how cheap items go to worker jobs.
 */
import type { RemoteItem } from "./remote.ts";

/** What one job asks the scheduler for (sbatch's --cpus-per-task, --mem, --time, --gres). */
export interface SlurmResources {
  cpus: number;
  /** sbatch --mem syntax: "8G", "500M" */
  mem: string;
  /** sbatch --time syntax: "4:00:00", "30:00" */
  time: string;
  /** e.g. "gpu:1"; absent for CPU-only stages */
  gres?: string;
}

/** What a job builds: one item, or a stage's queue for up to `budget` seconds. */
export type JobWork =
  | { node: RemoteItem }
  | { stage: string; force: boolean; queue: string; budget: number };

export interface SlurmOptions {
  /** argv (program first) that builds this work into the shared cache, then exits */
  command(work: JobWork): string[];
  /** per stage */
  resources(stage: string): SlurmResources;
  /** job scripts, logs, .done files and queues (on a filesystem the coordinator and the nodes share) */
  logDir: string;
  /** working directory of every job */
  cwd: string;
  /** stages built in the coordinator, not as jobs (RemoteExecutor.runsHere) */
  local?(stage: string): boolean;
  /** extra sbatch arguments, e.g. ["--partition=gpu", "--account=lab"] */
  args?: readonly string[];
  /**
   * Worker jobs: a ready item whose `estimate` is at most half of `seconds` is queued (after
   * `gatherMs`, default 150, for others of its stage), and worker jobs take queued items for up
   * to `seconds` each. Absent, or an item without an estimate: one job per item.
   */
  group?: { seconds: number; estimate(node: RemoteItem): number | undefined; gatherMs?: number };
  /** .done poll period (default 250 ms) */
  pollMs?: number;
  /** squeue poll period (default 3000 ms) */
  squeueMs?: number;
  /** how long a job that left the queue may take to show its .done file (NFS caches; default 10 s) */
  graceMs?: number;
  /** program names, for tests (a missing sbatch) */
  bin?: Partial<Record<"sbatch" | "squeue" | "scancel" | "scontrol" | "sinfo", string>>;
}
