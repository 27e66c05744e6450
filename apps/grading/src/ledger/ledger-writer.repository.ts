import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { Score } from '@app/ltiaas';
import { retryOnConflict } from '../common/sql';
import { newestPerRow, plan, uniqueByEventId, type PlannedScore } from './batch-plan';
import type { ClaimedScore, ClaimLease, ClaimRequest } from './score-claim.repository';
import type { IncomingScore } from './score-identity';

export interface ApplyResult {
  /** Scores that became the row's latest value. */
  applied: number;
  /** Scores older than or as old as the row's value: recorded, not applied. */
  stale: number;
  /** Event ids seen before: nothing happened. */
  duplicates: number;
  /** Applied rows leased to the writer as they were written (see `apply`), ready to send. */
  claimed: ClaimedScore[];
}

/**
 * Writes a whole batch of ScoreReady into the ledger in one transaction:
 * events by id (a repeated id is a no-op), then one multi-row upsert that
 * replaces a row's value only with a strictly newer timestamp. A newer value
 * bumps the row's version and makes it due, leaving any lease alone: a
 * delivery in flight finishes, sees the version moved, and the row goes out
 * again with the new value.
 *
 * Given a claim request, the writer also leases applied rows to itself as
 * it writes them, as a claim would (within the request's limit and caps,
 * never a row another claim holds or one waiting for a launch): a fresh
 * score then goes out without a claim of its own, and its row is written
 * once instead of twice.
 */
@Injectable()
export class LedgerWriterRepository {
  constructor(private readonly db: DataSource) {}

  async apply(scores: IncomingScore[], claim?: ClaimRequest): Promise<ApplyResult> {
    const unique = uniqueByEventId(scores).map(plan);
    if (unique.length === 0) return { applied: 0, stale: 0, duplicates: scores.length, claimed: [] };
    return retryOnConflict(() => this.db.transaction((tx) => this.applyIn(tx, unique, scores.length, claim)));
  }

  private async applyIn(tx: EntityManager, unique: PlannedScore[], received: number, claim: ClaimRequest | undefined): Promise<ApplyResult> {
    const fresh = await this.recordEvents(tx, unique);
    const { winners, stale } = newestPerRow(fresh);
    const { applied, claimed } = await this.upsert(tx, winners, claim);
    const staleIds = [...stale.map((s) => s.eventId), ...winners.filter((w) => !applied.has(w.eventId)).map((w) => w.eventId)];
    if (staleIds.length) await tx.query(`UPDATE grading.score_events SET outcome = 'stale' WHERE event_id = ANY($1::text[])`, [staleIds]);
    return { applied: applied.size, stale: staleIds.length, duplicates: received - fresh.length, claimed };
  }

  /** Inserts the events; answers those never seen before, in batch order. */
  private async recordEvents(tx: EntityManager, scores: PlannedScore[]): Promise<PlannedScore[]> {
    const rows: Array<{ event_id: string }> = await tx.query(
      `INSERT INTO grading.score_events
         (event_id, platform_id, context_id, resource_link_id, line_item_key, user_id, "timestamp", timestamp_ns, outcome, source, data, submitted_by, correlation_id)
       SELECT e.event_id, e.platform_id, e.context_id, e.resource_link_id, e.line_item_key, e.user_id, e.ts, e.ts_ns, 'applied', e.source, e.data, e.submitted_by, e.correlation_id
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::numeric[], $9::text[], $10::jsonb[], $11::text[], $12::text[])
         AS e(event_id, platform_id, context_id, resource_link_id, line_item_key, user_id, ts, ts_ns, source, data, submitted_by, correlation_id)
       ON CONFLICT (event_id) DO NOTHING
       RETURNING event_id`,
      [
        scores.map((s) => s.eventId),
        scores.map((s) => s.identity.platformId),
        scores.map((s) => s.identity.contextId),
        scores.map((s) => s.identity.resourceLinkId),
        scores.map((s) => s.identity.lineItemKey),
        scores.map((s) => s.identity.userId),
        scores.map((s) => s.data.timestamp),
        scores.map((s) => s.timestampNs.toString()),
        scores.map((s) => s.source),
        scores.map((s) => JSON.stringify(s.data)),
        scores.map((s) => s.submittedBy ?? null),
        scores.map((s) => s.correlationId ?? null),
      ],
    );
    const inserted = new Set(rows.map((r) => r.event_id));
    return scores.filter((s) => inserted.has(s.eventId));
  }

  /** Answers the event ids that became their row's value, and the rows leased with them. */
  private async upsert(tx: EntityManager, winners: PlannedScore[], claim: ClaimRequest | undefined): Promise<{ applied: Set<string>; claimed: ClaimedScore[] }> {
    if (winners.length === 0) return { applied: new Set(), claimed: [] };
    const d = winners.map((w) => w.data);
    const wanted = claim ? leaseWanted(winners, claim) : winners.map(() => false);
    const owner = claim ? randomUUID() : null;
    const rows: Array<{ event_id: string; id: string; version: string; leased: boolean }> = await tx.query(
      `INSERT INTO grading.scores AS s
         (platform_id, context_id, resource_link_id, line_item_key, user_id, line_item, score_given, score_maximum,
          activity_progress, grading_progress, comment, "timestamp", timestamp_ns, event_id, lease_owner, lease_until, sending_version)
       SELECT v.platform_id, v.context_id, v.resource_link_id, v.line_item_key, v.user_id, v.line_item, v.score_given, v.score_maximum,
              v.activity_progress, v.grading_progress, v.comment, v.ts, v.ts_ns, v.event_id,
              CASE WHEN v.lease THEN $16::uuid END, CASE WHEN v.lease THEN now() + $17 * interval '1 millisecond' END, CASE WHEN v.lease THEN 1 END
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::float8[], $8::float8[],
                   $9::text[], $10::text[], $11::text[], $12::text[], $13::numeric[], $14::text[], $15::bool[]) WITH ORDINALITY
         AS v(platform_id, context_id, resource_link_id, line_item_key, user_id, line_item, score_given, score_maximum,
              activity_progress, grading_progress, comment, ts, ts_ns, event_id, lease, n)
       ORDER BY v.n
       ON CONFLICT ON CONSTRAINT scores_identity DO UPDATE SET
         line_item = EXCLUDED.line_item,
         score_given = EXCLUDED.score_given,
         score_maximum = EXCLUDED.score_maximum,
         activity_progress = EXCLUDED.activity_progress,
         grading_progress = EXCLUDED.grading_progress,
         comment = EXCLUDED.comment,
         "timestamp" = EXCLUDED."timestamp",
         timestamp_ns = EXCLUDED.timestamp_ns,
         event_id = EXCLUDED.event_id,
         version = s.version + 1,
         status = CASE WHEN s.status = 'waiting_for_launch' THEN 'waiting_for_launch' ELSE 'pending' END,
         due_at = now(),
         attempts = 0,
         first_attempt_at = NULL,
         last_status_code = NULL,
         last_error = NULL,
         received_at = now(),
         updated_at = now(),
         -- Leased with the new value only if asked, and if no claim holds the row nor is it waiting for a launch.
         lease_owner = CASE WHEN ${LEASABLE} THEN EXCLUDED.lease_owner ELSE s.lease_owner END,
         lease_until = CASE WHEN ${LEASABLE} THEN EXCLUDED.lease_until ELSE s.lease_until END,
         sending_version = CASE WHEN ${LEASABLE} THEN s.version + 1 ELSE s.sending_version END
       WHERE EXCLUDED.timestamp_ns > s.timestamp_ns
       RETURNING s.event_id, s.id::text, s.version::text, COALESCE(s.lease_owner = $16::uuid, false) AS leased`,
      [
        winners.map((w) => w.identity.platformId),
        winners.map((w) => w.identity.contextId),
        winners.map((w) => w.identity.resourceLinkId),
        winners.map((w) => w.identity.lineItemKey),
        winners.map((w) => w.identity.userId),
        d.map((x) => (x.lineItem ? JSON.stringify(x.lineItem) : null)),
        d.map((x) => x.scoreGiven ?? null),
        d.map((x) => x.scoreMaximum ?? null),
        d.map((x) => x.activityProgress),
        d.map((x) => x.gradingProgress),
        d.map((x) => x.comment ?? null),
        d.map((x) => x.timestamp),
        winners.map((w) => w.timestampNs.toString()),
        winners.map((w) => w.eventId),
        wanted,
        owner,
        claim?.leaseMs ?? 0,
      ],
    );
    const applied = new Set(rows.map((r) => r.event_id));
    if (!claim || owner === null) return { applied, claimed: [] };
    const lease: ClaimLease = { until: claim.now + claim.leaseMs };
    const byEvent = new Map(winners.map((w) => [w.eventId, w]));
    const claimed = rows.filter((r) => r.leased).map((r) => claimedAsWritten(byEvent.get(r.event_id)!, r, owner, lease));
    return { applied, claimed };
  }
}

const LEASABLE = `EXCLUDED.lease_owner IS NOT NULL AND s.status <> 'waiting_for_launch' AND (s.lease_until IS NULL OR s.lease_until < now())`;

/** Which winners to lease: in batch order, up to the request's limit and each platform's cap. */
function leaseWanted(winners: PlannedScore[], claim: ClaimRequest): boolean[] {
  let left = claim.limit;
  const capLeft = new Map<string, number>();
  return winners.map((w) => {
    const platformId = w.identity.platformId;
    const cap = capLeft.get(platformId) ?? claim.caps.get(platformId) ?? claim.defaultCap;
    if (left <= 0 || cap <= 0) return false;
    left--;
    capLeft.set(platformId, cap - 1);
    return true;
  });
}

/** A row leased as it was written: its value is the score just written, its attempts start afresh. */
function claimedAsWritten(w: PlannedScore, row: { id: string; version: string }, leaseOwner: string, lease: ClaimLease): ClaimedScore {
  const { data } = w;
  const score: Score = { userId: data.userId, activityProgress: data.activityProgress, gradingProgress: data.gradingProgress, timestamp: data.timestamp };
  // As a claim reads them back: a field the row holds as null is left out.
  if (data.scoreGiven != null) score.scoreGiven = data.scoreGiven;
  if (data.scoreMaximum != null) score.scoreMaximum = data.scoreMaximum;
  if (data.comment != null) score.comment = data.comment;
  return {
    id: row.id,
    ...w.identity,
    lineItem: data.lineItem ?? null,
    version: Number(row.version),
    score,
    attempts: 0,
    firstAttemptAt: null,
    lastStatusCode: null,
    timestampNs: w.timestampNs.toString(),
    leaseOwner,
    lease,
    source: { eventId: w.eventId, correlationId: w.correlationId ?? null },
  };
}
