import type { RunLogger } from './run-logger';
import type { JobName, RunCounts, RunScope, SyncRun } from './sync-run';

export interface JobContext<P> {
  run: SyncRun;
  params: P;
  /** The interrupted run this one carries on from, if any: its checkpoint is the job's to read. */
  resumedFrom?: SyncRun;
  /** Aborted when the process is stopping or the job's lock was lost: finish what is in hand, take nothing new. */
  signal: AbortSignal;
  log: RunLogger;
  /** Saves counts so far (and shows the run alive). */
  progress(counts: Partial<RunCounts>, details?: Record<string, unknown>): Promise<void>;
}

export interface JobResult {
  counts: Partial<RunCounts>;
  details?: Record<string, unknown>;
  /** Everything in scope was handled (a stop that came after the last piece does not make it interrupted). */
  complete: boolean;
  /** Set when the run finished but did not do its job: recorded as `failed` with this reason. */
  failure?: string;
}

/** A job the runner can run: what it covers and how it runs. */
export interface Job<P> {
  readonly name: JobName;
  scopeOf(params: P): RunScope;
  execute(context: JobContext<P>): Promise<JobResult>;
}
