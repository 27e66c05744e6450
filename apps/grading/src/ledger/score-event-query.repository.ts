import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AcceptedEventFacts } from './event-state';

export interface DeadLetteredEventFacts {
  eventId: string;
  reason: string;
  payload: unknown;
  platformId: string | null;
  createdAt: Date;
}

interface AcceptedRow {
  event_id: string;
  platform_id: string;
  data: unknown;
  received_at: Date;
  outcome: 'applied' | 'stale';
  submitted_by: string | null;
  current: boolean | null;
  status: AcceptedEventFacts['rowStatus'];
  last_error: string | null;
  line_item_id: string | null;
  delivered_at: Date | null;
  attempts: number | null;
  attempt_delivered_at: Date | null;
  attempt_failure: string | null;
  attempt_line_item_id: string | null;
}

/**
 * One event's facts for `GET /v1/scores/events/{id}`: its score_events row
 * (written in the same transaction as the ledger upsert), the ledger row it
 * belongs to, and the attempts that sent its value (an applied value's
 * timestamp is unique within its row, so it names them). Reads only.
 */
@Injectable()
export class ScoreEventQueryRepository {
  constructor(private readonly db: DataSource) {}

  async accepted(eventId: string): Promise<(AcceptedEventFacts & { platformId: string }) | undefined> {
    const [row]: AcceptedRow[] = await this.db.query(
      `SELECT e.event_id, e.platform_id, e.data, e.received_at, e.outcome, e.submitted_by,
              s.event_id = e.event_id AS current, s.status, s.last_error, s.line_item_id, s.delivered_at,
              a.attempts, a.delivered_at AS attempt_delivered_at, a.failure AS attempt_failure, a.line_item_id AS attempt_line_item_id
       FROM grading.score_events e
       LEFT JOIN grading.scores s
         ON s.platform_id = e.platform_id AND s.context_id = e.context_id AND s.resource_link_id = e.resource_link_id
        AND s.line_item_key = e.line_item_key AND s.user_id = e.user_id
       LEFT JOIN LATERAL (
         SELECT count(*) FILTER (WHERE x.outcome <> 'waiting_for_launch')::int AS attempts,
                min(x.attempted_at) FILTER (WHERE x.outcome = 'delivered') AS delivered_at,
                (array_agg(x.message ORDER BY x.id DESC) FILTER (WHERE x.outcome = 'failed'))[1] AS failure,
                (array_agg(x.line_item_id ORDER BY x.id DESC) FILTER (WHERE x.line_item_id IS NOT NULL))[1] AS line_item_id
         FROM grading.score_attempts x
         WHERE x.score_id = s.id AND x."timestamp" = e."timestamp" AND e.outcome = 'applied'
       ) a ON true
       WHERE e.event_id = $1`,
      [eventId],
    );
    if (!row) return undefined;
    return {
      eventId: row.event_id,
      platformId: row.platform_id,
      data: row.data,
      receivedAt: row.received_at,
      outcome: row.outcome,
      submittedBy: row.submitted_by,
      current: row.current === true,
      rowStatus: row.status,
      rowLastError: row.last_error,
      rowLineItemId: row.line_item_id,
      rowDeliveredAt: row.delivered_at,
      attempts: row.attempts ?? 0,
      attemptDeliveredAt: row.attempt_delivered_at,
      attemptFailure: row.attempt_failure,
      attemptLineItemId: row.attempt_line_item_id,
    };
  }

  /** The newest dead letter recorded for the event id (the DLQ consumer keys them by id when it can read one). */
  async deadLettered(eventId: string): Promise<DeadLetteredEventFacts | undefined> {
    const [row]: Array<{ event_id: string; reason: string; payload: unknown; platform_id: string | null; created_at: Date }> = await this.db.query(
      `SELECT event_id, reason, payload, platform_id, created_at FROM grading.dead_letters
       WHERE event_id = $1 AND kind = 'ingest' ORDER BY id DESC LIMIT 1`,
      [eventId],
    );
    return row ? { eventId: row.event_id, reason: row.reason, payload: row.payload, platformId: row.platform_id, createdAt: row.created_at } : undefined;
  }
}
