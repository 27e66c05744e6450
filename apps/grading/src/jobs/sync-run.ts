import type { JobName } from '../metrics/grading-metrics';

export type { JobName };
export type RunTrigger = 'schedule' | 'admin';
export type RunStatus = 'running' | 'succeeded' | 'failed' | 'interrupted';

/** What a run counted; grade sync fills the rows_*, roster refresh the contexts_* and members_*. */
export interface RunCounts {
  rowsOffered: number;
  rowsDelivered: number;
  rowsFailed: number;
  rowsPending: number;
  contextsTotal: number;
  contextsDone: number;
  contextsSkipped: number;
  contextsFailed: number;
  membersSeen: number;
  membersDeactivated: number;
}

export const ZERO_COUNTS: RunCounts = {
  rowsOffered: 0,
  rowsDelivered: 0,
  rowsFailed: 0,
  rowsPending: 0,
  contextsTotal: 0,
  contextsDone: 0,
  contextsSkipped: 0,
  contextsFailed: 0,
  membersSeen: 0,
  membersDeactivated: 0,
};

/** Which part of the data a run covers; `{}` is everything. */
export type RunScope = Partial<Record<'platformId' | 'contextId' | 'resourceLinkId', string>> & { force?: boolean };

/** One row of grading.sync_runs, as operators read it from `GET /v1/sync/runs`. */
export interface SyncRun extends RunCounts {
  id: string;
  job: JobName;
  trigger: RunTrigger;
  /** The cron slot a scheduled run was started for. */
  slot: string | null;
  scope: RunScope;
  status: RunStatus;
  /** The interrupted run this one carried on from. */
  resumedFrom: string | null;
  /** Which process ran it (host:pid). */
  owner: string;
  startedAt: string;
  heartbeatAt: string;
  finishedAt: string | null;
  durationSeconds: number | null;
  details: Record<string, unknown>;
  error: string | null;
}
