import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { retryOnConflict } from '../common/sql';
import { newestPerRow, plan, uniqueByEventId, type PlannedScore } from './batch-plan';
import type { IncomingScore } from './score-identity';

export interface ApplyResult {
  /** Scores that became the row's latest value. */
  applied: number;
  /** Scores older than or as old as the row's value: recorded, not applied. */
  stale: number;
  /** Event ids seen before: nothing happened. */
  duplicates: number;
}

/**
 * Writes a whole batch of ScoreReady into the ledger in one transaction:
 * events by id (a repeated id is a no-op), then one multi-row upsert that
 * replaces a row's value only with a strictly newer timestamp. A newer value
 * bumps the row's version and makes it due, leaving any lease alone: a
 * delivery in flight finishes, sees the version moved, and the row goes out
 * again with the new value.
 */
@Injectable()
export class LedgerWriterRepository {
  constructor(private readonly db: DataSource) {}

  async apply(scores: IncomingScore[]): Promise<ApplyResult> {
    const unique = uniqueByEventId(scores).map(plan);
    if (unique.length === 0) return { applied: 0, stale: 0, duplicates: scores.length };
    return retryOnConflict(() => this.db.transaction((tx) => this.applyIn(tx, unique, scores.length)));
  }

  private async applyIn(tx: EntityManager, unique: PlannedScore[], received: number): Promise<ApplyResult> {
    const fresh = await this.recordEvents(tx, unique);
    const { winners, stale } = newestPerRow(fresh);
    const applied = await this.upsert(tx, winners);
    const staleIds = [...stale.map((s) => s.eventId), ...winners.filter((w) => !applied.has(w.eventId)).map((w) => w.eventId)];
    if (staleIds.length) await tx.query(`UPDATE grading.score_events SET outcome = 'stale' WHERE event_id = ANY($1::text[])`, [staleIds]);
    return { applied: applied.size, stale: staleIds.length, duplicates: received - fresh.length };
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

  /** Answers the event ids that became their row's value. */
  private async upsert(tx: EntityManager, winners: PlannedScore[]): Promise<Set<string>> {
    if (winners.length === 0) return new Set();
    const d = winners.map((w) => w.data);
    const rows: Array<{ event_id: string }> = await tx.query(
      `INSERT INTO grading.scores AS s
         (platform_id, context_id, resource_link_id, line_item_key, user_id, line_item, score_given, score_maximum,
          activity_progress, grading_progress, comment, "timestamp", timestamp_ns, event_id)
       SELECT v.platform_id, v.context_id, v.resource_link_id, v.line_item_key, v.user_id, v.line_item, v.score_given, v.score_maximum,
              v.activity_progress, v.grading_progress, v.comment, v.ts, v.ts_ns, v.event_id
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::float8[], $8::float8[],
                   $9::text[], $10::text[], $11::text[], $12::text[], $13::numeric[], $14::text[]) WITH ORDINALITY
         AS v(platform_id, context_id, resource_link_id, line_item_key, user_id, line_item, score_given, score_maximum,
              activity_progress, grading_progress, comment, ts, ts_ns, event_id, n)
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
         updated_at = now()
       WHERE EXCLUDED.timestamp_ns > s.timestamp_ns
       RETURNING s.event_id`,
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
      ],
    );
    return new Set(rows.map((r) => r.event_id));
  }
}
