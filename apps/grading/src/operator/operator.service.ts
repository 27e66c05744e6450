import { Injectable } from '@nestjs/common';
import { SyncRunsRepository } from '../jobs/sync-runs.repository';
import type { JobName, SyncRun } from '../jobs/sync-run';
import { OperatorReadModelRepository } from '../ledger/operator-read-model.repository';
import { SyncStatusService } from '../sync-status/sync-status.service';
import { platformSeries } from './activity-buckets';
import type { LearnerResponse, OverviewResponse, RunSummary, WaitingResponse } from './dto/operator.dto';
import { PlatformRatesRepository } from './platform-rates.repository';
import { RosterIdentitiesRepository } from './roster-identities.repository';
import { ledgerRowState } from './score-state';

const HOUR_MS = 3600_000;
const BUCKET_SECONDS = 300;
const MAX_SCORES = 500;
const ATTEMPTS_PER_SCORE = 10;
const MAX_WAITING_CONTEXTS = 200;

/** What the operator console reads: grading's health at a glance, one learner's scores, what waits. */
@Injectable()
export class OperatorService {
  constructor(
    private readonly syncStatus: SyncStatusService,
    private readonly runs: SyncRunsRepository,
    private readonly ledger: OperatorReadModelRepository,
    private readonly platforms: PlatformRatesRepository,
    private readonly rosters: RosterIdentitiesRepository,
  ) {}

  async overview(now = new Date()): Promise<OverviewResponse> {
    const since = new Date(now.getTime() - HOUR_MS);
    const [status, buckets, rates, gradeSync, rosterRefresh] = await Promise.all([
      this.syncStatus.status(),
      this.ledger.deliveryBuckets(since, BUCKET_SECONDS),
      this.platforms.rates(),
      this.lastRun('grade-sync'),
      this.lastRun('roster-refresh'),
    ]);
    return {
      status,
      delivery: {
        since: since.toISOString(),
        bucketSeconds: BUCKET_SECONDS,
        platforms: platformSeries(buckets, since, now, BUCKET_SECONDS).map((s) => ({ ...s, rate: rates.get(s.platformId) ?? null })),
      },
      lastRuns: { gradeSync, rosterRefresh },
    };
  }

  async learner(q: string): Promise<LearnerResponse> {
    const identities = await this.rosters.identities(q);
    const userIds = [...new Set([q, ...identities.map((i) => i.userId)])];
    const rows = await this.ledger.learnerScores(userIds, MAX_SCORES);
    const attempts = await this.ledger.learnerAttempts(rows.map((r) => r.id), ATTEMPTS_PER_SCORE);
    const users = new Map<string, LearnerResponse['users'][number]>();
    for (const i of identities) {
      const user = users.get(i.userId) ?? { userId: i.userId, name: i.name, email: i.email, platformIds: [] };
      user.platformIds.push(i.platformId);
      users.set(i.userId, user);
    }
    for (const r of rows) {
      const user = users.get(r.userId) ?? { userId: r.userId, name: null, email: null, platformIds: [] };
      if (!user.platformIds.includes(r.platformId)) user.platformIds.push(r.platformId);
      users.set(r.userId, user);
    }
    return {
      query: q,
      users: [...users.values()],
      scores: rows.map((r) => ({
        id: r.id,
        platformId: r.platformId,
        contextId: r.contextId,
        resourceLinkId: r.resourceLinkId,
        lineItem: r.lineItem,
        lineItemId: r.lineItemId,
        userId: r.userId,
        scoreGiven: r.scoreGiven,
        scoreMaximum: r.scoreMaximum,
        timestamp: r.timestamp,
        state: ledgerRowState({ status: r.status, openDeadLetter: r.openDeadLetterId !== null }),
        attempts: r.attempts,
        lastStatusCode: r.lastStatusCode,
        lastError: r.lastError,
        receivedAt: r.receivedAt.toISOString(),
        deliveredAt: r.deliveredAt?.toISOString() ?? null,
        deadLetterId: r.openDeadLetterId,
        history: attempts
          .filter((a) => a.scoreId === r.id)
          .map((a) => ({ attemptedAt: a.attemptedAt.toISOString(), outcome: a.outcome, statusCode: a.statusCode, message: a.message, version: a.version })),
      })),
    };
  }

  async waitingForLaunch(): Promise<WaitingResponse> {
    const contexts = await this.ledger.waitingActivities(MAX_WAITING_CONTEXTS);
    return {
      contexts: contexts.map((c) => ({
        ...c,
        waitingSince: c.waitingSince.toISOString(),
        credentialStaleAt: c.credentialStaleAt?.toISOString() ?? null,
        lastLaunchAt: c.lastLaunchAt?.toISOString() ?? null,
      })),
    };
  }

  private async lastRun(job: JobName): Promise<RunSummary | null> {
    const [run] = (await this.runs.list({ job, limit: 1 })).runs;
    return run ? summary(run) : null;
  }
}

function summary(run: SyncRun): RunSummary {
  return {
    id: run.id,
    job: run.job,
    trigger: run.trigger,
    status: run.status,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    rowsOffered: run.rowsOffered,
    rowsDelivered: run.rowsDelivered,
    rowsFailed: run.rowsFailed,
    rowsPending: run.rowsPending,
    contextsTotal: run.contextsTotal,
    contextsDone: run.contextsDone,
    contextsSkipped: run.contextsSkipped,
    contextsFailed: run.contextsFailed,
    error: run.error,
  };
}
