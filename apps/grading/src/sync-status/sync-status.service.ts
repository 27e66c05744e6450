import { Inject, Injectable } from '@nestjs/common';
import { GRADING_CONFIG } from '../grading.database';
import type { GradingConfig } from '../grading.config';
import { SyncRunsRepository } from '../jobs/sync-runs.repository';
import type { JobName } from '../jobs/sync-run';
import { LedgerStatsRepository } from '../ledger/ledger-stats.repository';

export interface Check {
  ok: boolean;
  /** Why it is not ok, in words an operator can act on. */
  reason?: string;
  [field: string]: unknown;
}

export interface SyncStatus {
  gradeSync: Check;
  rosterRefresh: Check;
  backlog: Check;
  deadLetters: Check;
  staleCredentials: Check;
}

export const PROCESS_STARTED_AT = new Date();

/**
 * What /health/sync reports: are the jobs running, is delivery keeping up,
 * what needs a human. Each check against its configured threshold; a check
 * without a threshold only reports.
 */
@Injectable()
export class SyncStatusService {
  constructor(
    private readonly runs: SyncRunsRepository,
    private readonly ledger: LedgerStatsRepository,
    @Inject(GRADING_CONFIG) private readonly config: GradingConfig,
  ) {}

  async status(): Promise<SyncStatus> {
    const [gradeSync, rosterRefresh, backlog, staleContexts] = await Promise.all([
      this.job('grade-sync', this.config.SYNC_MAX_GRADE_SYNC_AGE_SECONDS),
      this.job('roster-refresh', this.config.SYNC_MAX_ROSTER_REFRESH_AGE_SECONDS),
      this.ledger.backlog(),
      this.ledger.activitiesWaitingForLaunch(),
    ]);
    const c = this.config;
    const backlogReasons: string[] = [];
    if (backlog.oldestPendingAgeSeconds > c.SYNC_MAX_BACKLOG_AGE_SECONDS) {
      backlogReasons.push(`the oldest undelivered score is ${backlog.oldestPendingAgeSeconds} s old (limit ${c.SYNC_MAX_BACKLOG_AGE_SECONDS} s)`);
    }
    if (c.SYNC_MAX_BACKLOG !== undefined && backlog.pending > c.SYNC_MAX_BACKLOG) {
      backlogReasons.push(`${backlog.pending} scores wait for delivery (limit ${c.SYNC_MAX_BACKLOG})`);
    }
    return {
      gradeSync,
      rosterRefresh,
      backlog: {
        ok: backlogReasons.length === 0,
        ...(backlogReasons.length ? { reason: backlogReasons.join('; ') } : {}),
        pending: backlog.pending,
        inFlight: backlog.inFlight,
        oldestPendingAgeSeconds: backlog.oldestPendingAgeSeconds,
        maxOldestPendingAgeSeconds: c.SYNC_MAX_BACKLOG_AGE_SECONDS,
        ...(c.SYNC_MAX_BACKLOG !== undefined ? { maxPending: c.SYNC_MAX_BACKLOG } : {}),
      },
      deadLetters: limited('dead letters wait for an operator', backlog.deadLetters, c.SYNC_MAX_DEAD_LETTERS, { open: backlog.deadLetters, failedScores: backlog.failed }),
      staleCredentials: limited('activities wait for a relaunch (stale or missing serviceKey)', staleContexts, c.SYNC_MAX_STALE_CREDENTIALS, {
        contexts: staleContexts,
        waitingForLaunch: backlog.waitingForLaunch,
      }),
    };
  }

  private async job(job: JobName, maxAgeSeconds: number): Promise<Check> {
    return jobCheck(await this.runs.lastSuccess(job), maxAgeSeconds, Date.now(), PROCESS_STARTED_AT);
  }
}

/**
 * A job is healthy while its last success is younger than the limit. One that
 * never succeeded is measured from its first try, or from this process's
 * start when it never tried (a fresh deployment is not an alert).
 */
export function jobCheck(
  runs: { lastSucceededAt: Date | null; firstStartedAt: Date | null; running: boolean },
  maxAgeSeconds: number,
  nowMs: number,
  processStartedAt: Date,
): Check {
  const { lastSucceededAt, firstStartedAt, running } = runs;
  const since = lastSucceededAt ?? (firstStartedAt && firstStartedAt < processStartedAt ? firstStartedAt : processStartedAt);
  const ageSeconds = Math.max(0, Math.round((nowMs - since.getTime()) / 1000));
  const ok = ageSeconds <= maxAgeSeconds;
  return {
    ok,
    ...(ok ? {} : { reason: lastSucceededAt ? `last succeeded ${ageSeconds} s ago (limit ${maxAgeSeconds} s)` : `has not succeeded in ${ageSeconds} s (limit ${maxAgeSeconds} s)` }),
    lastSucceededAt: lastSucceededAt?.toISOString() ?? null,
    ageSeconds,
    maxAgeSeconds,
    running,
  };
}

export function limited(what: string, value: number, max: number | undefined, fields: Record<string, unknown>): Check {
  const ok = max === undefined || value <= max;
  return { ok, ...(ok ? {} : { reason: `${value} ${what} (limit ${max})` }), ...fields, ...(max !== undefined ? { max } : {}) };
}
