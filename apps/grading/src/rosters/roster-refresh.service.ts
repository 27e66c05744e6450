import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { backoffDelay, sleep } from '@app/async';
import type { ContextTriple } from '@app/contracts';
import {
  LtiaasCredentialInvalidError,
  LtiaasError,
  LtiaasInvalidRequestError,
  LtiaasNotFoundError,
  LtiaasRetryableError,
  LtiaasInvalidResponseError,
  type Member,
  type MembershipPage,
} from '@app/ltiaas';
import { CredentialUnavailableError } from '../credentials/ports';
import { GRADING_CONFIG } from '../grading.database';
import type { GradingConfig } from '../grading.config';
import type { RunLogger } from '../jobs/run-logger';
import { GradingMetrics } from '../metrics/grading-metrics';
import { MEMBERSHIP_SOURCE, ROSTER_CREDENTIALS, ROSTER_EVENTS, type MembershipSource, type RosterCredentials, type RosterEvents } from './ports';
import type { RosterContext } from './roster-contexts.repository';
import { RosterMembersRepository, type RosterMember } from './roster-members.repository';
import type { ContextResult } from './roster-progress.repository';

/** Tries of one context's walk when LTIAAS answers "later" (429, 5xx, a cut connection). */
const WALK_ATTEMPTS = 3;
const MAX_RETRY_WAIT_MS = 30_000;

export interface RefreshRun {
  runId: string;
  log: RunLogger;
  signal: AbortSignal;
}

/**
 * Refreshes one course's roster: finds a usable serviceKey among its
 * activities, walks every page of /api/memberships, upserts the members in
 * batches stamped with the run, then marks those the run did not see as
 * inactive. A course whose keys are all stale or missing is skipped, not
 * failed: the next launch brings a fresh key.
 */
@Injectable()
export class RosterRefreshService {
  constructor(
    @Inject(MEMBERSHIP_SOURCE) private readonly source: MembershipSource,
    @Inject(ROSTER_CREDENTIALS) private readonly credentials: RosterCredentials,
    @Inject(ROSTER_EVENTS) private readonly events: RosterEvents,
    private readonly members: RosterMembersRepository,
    private readonly metrics: GradingMetrics,
    @Inject(GRADING_CONFIG) private readonly config: GradingConfig,
  ) {}

  async refresh(run: RefreshRun, course: RosterContext): Promise<ContextResult & { eventPublished: boolean }> {
    const log = run.log.child({ platformId: course.platformId, contextId: course.contextId });
    const refused: string[] = [];
    for (const resourceLinkId of course.resourceLinkIds) {
      const triple: ContextTriple = { platformId: course.platformId, contextId: course.contextId, resourceLinkId };
      let serviceKey: string;
      try {
        serviceKey = (await this.credentials.resolve(triple)).serviceKey;
      } catch (error) {
        if (!(error instanceof CredentialUnavailableError)) throw error;
        refused.push(`${resourceLinkId}: serviceKey ${error.reason}`);
        continue;
      }
      try {
        const walked = await this.walk(run, course, serviceKey, log);
        const deactivated = await this.members.deactivateUnseen(course, run.runId);
        const result: ContextResult = { platformId: course.platformId, contextId: course.contextId, outcome: 'refreshed', ...walked, deactivated };
        const eventPublished = await this.publish(run, result, log);
        log.log('roster refreshed', { resourceLinkId, members: walked.members, active: walked.active, deactivated, pages: walked.pages });
        return { ...result, eventPublished };
      } catch (thrown) {
        const error = this.credentials.blame ? await this.credentials.blame(thrown) : thrown;
        if (error instanceof LtiaasCredentialInvalidError) {
          this.credentials.forget?.(triple);
          refused.push(`${resourceLinkId}: serviceKey refused by LTIAAS (${error.status ?? 'no status'})`);
          continue;
        }
        if (error instanceof LtiaasNotFoundError || error instanceof LtiaasInvalidRequestError) {
          // The platform will not serve this roster (course gone, NRPS withdrawn): nothing to retry tonight.
          return this.skipped(course, `LTIAAS refused the roster: ${error.message}`, log);
        }
        throw error;
      }
    }
    return this.skipped(course, `no usable serviceKey (${refused.join('; ') || 'no activity with NRPS'})`, log, true);
  }

  private skipped(course: RosterContext, reason: string, log: RunLogger, stale = false): ContextResult & { eventPublished: boolean } {
    log.warn(stale ? 'roster skipped: its serviceKey is stale or missing until the next launch' : 'roster skipped', { reason });
    return { platformId: course.platformId, contextId: course.contextId, outcome: 'skipped', members: 0, active: 0, deactivated: 0, pages: 0, reason, eventPublished: false };
  }

  /** Every page, retried from the start when LTIAAS asks to come back later (upserts are idempotent within a run). */
  private async walk(run: RefreshRun, course: RosterContext, serviceKey: string, log: RunLogger): Promise<{ members: number; active: number; pages: number }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.walkOnce(run, course, serviceKey);
      } catch (error) {
        const retryable = error instanceof LtiaasRetryableError || error instanceof LtiaasInvalidResponseError;
        if (!retryable || attempt >= WALK_ATTEMPTS || run.signal.aborted) throw error;
        const hinted = error instanceof LtiaasRetryableError ? error.retryAfterMs : undefined;
        const waitMs = Math.min(MAX_RETRY_WAIT_MS, Math.max(hinted ?? 0, backoffDelay(attempt, { baseMs: 500, maxMs: MAX_RETRY_WAIT_MS, jitter: 'equal' })));
        log.warn('roster page failed; walking the roster again', { attempt, waitMs, error: (error as Error).message });
        await sleep(waitMs, run.signal); // an abort ends the wait early
      }
    }
  }

  private async walkOnce(run: RefreshRun, course: RosterContext, serviceKey: string): Promise<{ members: number; active: number; pages: number }> {
    const batchSize = this.config.ROSTER_UPSERT_BATCH;
    let batch: RosterMember[] = [];
    let members = 0;
    let active = 0;
    let pages = 0;
    const writes: Promise<void>[] = [];
    // Writing one batch while the next page is fetched; at most one write waits at a time.
    const flush = async () => {
      if (batch.length === 0) return;
      const out = batch;
      batch = [];
      if (writes.length) await writes.shift();
      const write = this.members.upsert(course, run.runId, out);
      write.catch(() => undefined);
      writes.push(write);
    };
    const listing = this.source.iterateMemberships({ serviceKey }, {}, { requestId: `roster-${run.runId}-${randomUUID()}` })[Symbol.asyncIterator]();
    let finished = false;
    try {
      for (;;) {
        const asked = performance.now();
        let next: IteratorResult<MembershipPage>;
        try {
          next = await listing.next();
        } catch (error) {
          this.metrics.ltiaasCall('/api/memberships', 'GET', error instanceof LtiaasError ? error.status : undefined, performance.now() - asked);
          throw error;
        }
        if (next.done) {
          finished = true;
          break;
        }
        this.metrics.ltiaasCall('/api/memberships', 'GET', 200, performance.now() - asked);
        const page = next.value;
        pages++;
        for (const member of page.members) {
          batch.push(toRosterMember(member));
          members++;
          if (member.status === 'Active') active++;
        }
        if (batch.length >= batchSize) await flush();
      }
      await flush();
    } finally {
      if (!finished) await listing.return?.(undefined).catch(() => undefined);
      await Promise.allSettled(writes);
    }
    for (const write of writes) await write; // surface a failed write
    return { members, active, pages };
  }

  private async publish(run: RefreshRun, result: ContextResult, log: RunLogger): Promise<boolean> {
    try {
      await this.events.refreshed(
        { platformId: result.platformId, contextId: result.contextId, members: result.members, active: result.active, deactivated: result.deactivated, refreshedAt: new Date().toISOString() },
        `sync-run-${run.runId}`,
      );
      return true;
    } catch (error) {
      // The roster itself is stored; only the notification is missing, and the run's record says so.
      log.error('could not publish RosterRefreshed', error);
      return false;
    }
  }
}

function toRosterMember(member: Member): RosterMember {
  const out: RosterMember = { userId: member.userId, roles: member.roles, status: member.status };
  if (member.name !== undefined) out.name = member.name;
  if (member.email !== undefined) out.email = member.email;
  return out;
}
