import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface BacklogStats {
  /** Rows whose latest value is waiting to be delivered (due now or backing off). */
  pending: number;
  /** Seconds since the oldest pending value arrived; 0 when nothing is pending. */
  oldestPendingAgeSeconds: number;
  /** Deliveries in flight right now, across replicas. */
  inFlight: number;
  /** Rows waiting for a relaunch of their context (stale or missing serviceKey). */
  waitingForLaunch: number;
  /** Rows whose latest value failed for good. */
  failed: number;
  /** Dead letters not yet retried (failed deliveries and dead-lettered ingest records). */
  deadLetters: number;
}

export interface ResendScope {
  platformId: string;
  contextId: string;
  /** Absent: every activity of the context. */
  resourceLinkId?: string;
}

/** Dead letters of re-offered rows are closed: the row is being tried again. */
const CLOSE_DEAD_LETTERS = `UPDATE grading.dead_letters d SET retried_at = now()
  FROM offered o WHERE d.kind = 'delivery' AND d.score_id = o.id AND d.retried_at IS NULL RETURNING d.id`;

/**
 * Operations for scheduled jobs and operators: re-offer what has not landed,
 * force a resend, and the counters sync status reports.
 */
@Injectable()
export class LedgerMaintenanceRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Makes due again every row whose latest value has not been delivered:
   * pending rows backing off and, unless told otherwise, failed ones. Rows in
   * flight keep their lease; rows waiting for a launch keep waiting (sending
   * without a credential cannot succeed).
   */
  async reofferUndelivered(options: { includeFailed?: boolean } = {}): Promise<number> {
    const statuses = options.includeFailed === false ? ['pending'] : ['pending', 'failed'];
    const [row]: Array<{ count: string }> = await this.db.query(
      `WITH offered AS (
         UPDATE grading.scores SET status = 'pending', due_at = now(),
                attempts = CASE WHEN status = 'failed' THEN 0 ELSE attempts END,
                first_attempt_at = CASE WHEN status = 'failed' THEN NULL ELSE first_attempt_at END, updated_at = now()
         WHERE status = ANY($1::text[]) AND (status <> 'pending' OR due_at > now())
         RETURNING id
       ), closed AS (${CLOSE_DEAD_LETTERS})
       SELECT count(*) AS count FROM offered`,
      [statuses],
    );
    return Number(row.count);
  }

  /** Sends the latest value of every row of a context (or one activity) again, delivered or not. */
  async forceResend(scope: ResendScope): Promise<number> {
    const [row]: Array<{ count: string }> = await this.db.query(
      `WITH offered AS (
         UPDATE grading.scores SET status = 'pending', due_at = now(), attempts = 0, first_attempt_at = NULL, updated_at = now()
         WHERE platform_id = $1 AND context_id = $2 AND ($3::text IS NULL OR resource_link_id = $3) AND status <> 'waiting_for_launch'
         RETURNING id
       ), closed AS (${CLOSE_DEAD_LETTERS})
       SELECT count(*) AS count FROM offered`,
      [scope.platformId, scope.contextId, scope.resourceLinkId ?? null],
    );
    return Number(row.count);
  }

  async backlog(): Promise<BacklogStats> {
    const [row]: Array<Record<string, string | null>> = await this.db.query(
      `SELECT
         count(*) FILTER (WHERE status = 'pending') AS pending,
         COALESCE(EXTRACT(EPOCH FROM now() - min(received_at) FILTER (WHERE status = 'pending')), 0) AS oldest,
         count(*) FILTER (WHERE lease_until > now()) AS in_flight,
         count(*) FILTER (WHERE status = 'waiting_for_launch') AS waiting,
         count(*) FILTER (WHERE status = 'failed') AS failed,
         (SELECT count(*) FROM grading.dead_letters WHERE retried_at IS NULL) AS dead_letters
       FROM grading.scores`,
    );
    return {
      pending: Number(row.pending),
      oldestPendingAgeSeconds: Math.max(0, Math.round(Number(row.oldest))),
      inFlight: Number(row.in_flight),
      waitingForLaunch: Number(row.waiting),
      failed: Number(row.failed),
      deadLetters: Number(row.dead_letters),
    };
  }
}
