import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { rowsOf } from '@app/database';
import type { JobName, RunCounts, RunScope, RunStatus, RunTrigger, SyncRun } from './sync-run';

interface RunRow {
  id: string;
  job: JobName;
  trigger: RunTrigger;
  slot: Date | null;
  scope: RunScope;
  status: RunStatus;
  resumed_from: string | null;
  owner: string;
  started_at: Date;
  heartbeat_at: Date;
  finished_at: Date | null;
  rows_offered: number;
  rows_delivered: number;
  rows_failed: number;
  rows_pending: number;
  contexts_total: number;
  contexts_done: number;
  contexts_skipped: number;
  contexts_failed: number;
  members_seen: number;
  members_deactivated: number;
  details: Record<string, unknown>;
  error: string | null;
}

const COLUMNS: Record<keyof RunCounts, string> = {
  rowsOffered: 'rows_offered',
  rowsDelivered: 'rows_delivered',
  rowsFailed: 'rows_failed',
  rowsPending: 'rows_pending',
  contextsTotal: 'contexts_total',
  contextsDone: 'contexts_done',
  contextsSkipped: 'contexts_skipped',
  contextsFailed: 'contexts_failed',
  membersSeen: 'members_seen',
  membersDeactivated: 'members_deactivated',
};

// ORDER BY names sync_runs.id: a bare `id` would sort the text output column ("10" < "9").
const COLUMNS_OUT = `id::text, job, trigger, slot, scope, status, resumed_from::text, owner, started_at, heartbeat_at, finished_at,
  rows_offered, rows_delivered, rows_failed, rows_pending, contexts_total, contexts_done, contexts_skipped, contexts_failed,
  members_seen, members_deactivated, details, error`;
const SELECT = `SELECT ${COLUMNS_OUT} FROM grading.sync_runs`;

export interface NewRun {
  job: JobName;
  trigger: RunTrigger;
  slot?: Date;
  scope: RunScope;
  owner: string;
  resumedFrom?: string;
}

export interface RunQuery {
  job?: JobName;
  status?: RunStatus;
  /** Runs with a smaller id (the `next` cursor of the previous page). */
  before?: string;
  limit: number;
}

/** grading.sync_runs: the record of every job run. */
@Injectable()
export class SyncRunsRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Runs of a job left `running` by a process that is gone. Only call it
   * while holding the job's lock: then nobody else can be running it.
   */
  async markAbandonedInterrupted(job: JobName): Promise<SyncRun[]> {
    const rows = rowsOf<RunRow>(await this.db.query(
      `UPDATE grading.sync_runs SET status = 'interrupted', finished_at = heartbeat_at,
              error = COALESCE(error, 'the process running it stopped before it finished')
       WHERE job = $1 AND status = 'running' RETURNING ${COLUMNS_OUT}`,
      [job],
    ));
    return rows.map(toRun);
  }

  /** The job's latest run when it was interrupted (and not yet carried on), else undefined. */
  async resumable(job: JobName, notBefore: Date): Promise<SyncRun | undefined> {
    const rows: RunRow[] = await this.db.query(
      `${SELECT} r WHERE job = $1 AND status <> 'running' ORDER BY started_at DESC, r.id DESC LIMIT 1`,
      [job],
    );
    const last = rows[0] && toRun(rows[0]);
    if (!last || last.status !== 'interrupted' || Date.parse(last.startedAt) < notBefore.getTime()) return undefined;
    const [carried]: Array<{ n: string }> = await this.db.query(`SELECT count(*) AS n FROM grading.sync_runs WHERE resumed_from = $1`, [last.id]);
    return Number(carried.n) === 0 ? last : undefined;
  }

  /** Inserts a running run; undefined when a scheduled run of that slot already exists (another replica ran it). */
  async insert(run: NewRun): Promise<SyncRun | undefined> {
    const rows: RunRow[] = await this.db.query(
      `INSERT INTO grading.sync_runs (job, trigger, slot, scope, owner, resumed_from)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6)
       ON CONFLICT (job, slot) WHERE slot IS NOT NULL DO NOTHING
       RETURNING ${COLUMNS_OUT}`,
      [run.job, run.trigger, run.slot ?? null, JSON.stringify(run.scope), run.owner, run.resumedFrom ?? null],
    );
    return rows[0] && toRun(rows[0]);
  }

  /** Saves progress so far; also the heartbeat that shows the run alive. */
  async progress(id: string, counts: Partial<RunCounts>, details?: Record<string, unknown>): Promise<void> {
    const { sets, params } = countAssignments(counts, 1);
    if (details) {
      params.push(JSON.stringify(details));
      sets.push(`details = details || $${params.length + 1}::jsonb`);
    }
    await this.db.query(`UPDATE grading.sync_runs SET ${['heartbeat_at = now()', ...sets].join(', ')} WHERE id = $1 AND status = 'running'`, [id, ...params]);
  }

  async finish(id: string, status: Exclude<RunStatus, 'running'>, counts: Partial<RunCounts>, details: Record<string, unknown>, error?: string): Promise<SyncRun> {
    const { sets, params } = countAssignments(counts, 4);
    const rows = rowsOf<RunRow>(await this.db.query(
      `UPDATE grading.sync_runs SET status = $2, finished_at = now(), heartbeat_at = now(), details = details || $3::jsonb, error = $4
         ${sets.length ? `, ${sets.join(', ')}` : ''}
       WHERE id = $1 RETURNING ${COLUMNS_OUT}`,
      [id, status, JSON.stringify(details), error ?? null, ...params],
    ));
    return toRun(rows[0]);
  }

  async get(id: string): Promise<SyncRun | undefined> {
    const rows: RunRow[] = await this.db.query(`${SELECT} WHERE id = $1::bigint`, [id]);
    return rows[0] && toRun(rows[0]);
  }

  async running(job: JobName): Promise<SyncRun | undefined> {
    const rows: RunRow[] = await this.db.query(`${SELECT} WHERE job = $1 AND status = 'running' ORDER BY sync_runs.id DESC LIMIT 1`, [job]);
    return rows[0] && toRun(rows[0]);
  }

  async list(query: RunQuery): Promise<{ runs: SyncRun[]; next?: string }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (query.job) add('job = ?', query.job);
    if (query.status) add('status = ?', query.status);
    if (query.before) add('id < ?::bigint', query.before);
    params.push(query.limit + 1);
    const rows: RunRow[] = await this.db.query(
      `${SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY sync_runs.id DESC LIMIT $${params.length}`,
      params,
    );
    const runs = rows.slice(0, query.limit).map(toRun);
    return rows.length > query.limit ? { runs, next: runs[runs.length - 1].id } : { runs };
  }

  /** When each job last succeeded and first ran, for /health/sync. */
  async lastSuccess(job: JobName): Promise<{ lastSucceededAt: Date | null; firstStartedAt: Date | null; running: boolean }> {
    const [row]: Array<{ last: Date | null; first: Date | null; running: boolean }> = await this.db.query(
      `SELECT max(finished_at) FILTER (WHERE status = 'succeeded') AS last, min(started_at) AS first,
              bool_or(status = 'running') AS running
       FROM grading.sync_runs WHERE job = $1`,
      [job],
    );
    return { lastSucceededAt: row.last, firstStartedAt: row.first, running: row.running === true };
  }
}

function countAssignments(counts: Partial<RunCounts>, offset: number): { sets: string[]; params: unknown[] } {
  const sets: string[] = [];
  const params: unknown[] = [];
  for (const [key, column] of Object.entries(COLUMNS) as Array<[keyof RunCounts, string]>) {
    const value = counts[key];
    if (value === undefined) continue;
    params.push(Math.max(0, Math.round(value)));
    sets.push(`${column} = $${offset + params.length}`);
  }
  return { sets, params };
}

function toRun(r: RunRow): SyncRun {
  return {
    id: r.id,
    job: r.job,
    trigger: r.trigger,
    slot: r.slot ? r.slot.toISOString() : null,
    scope: r.scope,
    status: r.status,
    resumedFrom: r.resumed_from,
    owner: r.owner,
    startedAt: r.started_at.toISOString(),
    heartbeatAt: r.heartbeat_at.toISOString(),
    finishedAt: r.finished_at ? r.finished_at.toISOString() : null,
    durationSeconds: r.finished_at ? Math.max(0, (r.finished_at.getTime() - r.started_at.getTime()) / 1000) : null,
    rowsOffered: r.rows_offered,
    rowsDelivered: r.rows_delivered,
    rowsFailed: r.rows_failed,
    rowsPending: r.rows_pending,
    contextsTotal: r.contexts_total,
    contextsDone: r.contexts_done,
    contextsSkipped: r.contexts_skipped,
    contextsFailed: r.contexts_failed,
    membersSeen: r.members_seen,
    membersDeactivated: r.members_deactivated,
    details: r.details,
    error: r.error,
  };
}
