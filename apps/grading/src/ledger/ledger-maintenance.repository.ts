import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { ContextTriple } from '@app/contracts';
import { rowsOf } from '@app/database';
import { SCORE_STATUS, type ScoreStatus } from './score-status';

export interface ResendScope {
  platformId: string;
  contextId: string;
  /** Absent: every activity of the context. */
  resourceLinkId?: string;
}

/** Dead letters of re-offered rows are closed: the row is being tried again. */
const CLOSE_DEAD_LETTERS = `UPDATE grading.dead_letters d SET retried_at = now()
  FROM offered o WHERE d.kind = 'delivery' AND d.score_id = o.id AND d.retried_at IS NULL RETURNING d.id`;

/** What the grade sync re-offers: rows backing off, and those that failed for good. */
const UNDELIVERED: ScoreStatus[] = [SCORE_STATUS.pending, SCORE_STATUS.failed];

/**
 * The writes that put ledger rows back in line for delivery, outside
 * delivery itself: the grade sync's re-offer and forced resend, a launch
 * waking the rows that waited for it, an operator retrying a dead letter.
 * Delivery picks the rows up by polling; the caller signals it after commit.
 */
@Injectable()
export class LedgerMaintenanceRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Makes due again every row whose latest value has not been delivered:
   * pending rows backing off and failed ones. Rows in flight keep their
   * lease; rows waiting for a launch keep waiting (sending without a
   * credential cannot succeed).
   */
  async reofferUndelivered(): Promise<number> {
    const [row]: Array<{ count: string }> = await this.db.query(
      `WITH offered AS (
         UPDATE grading.scores SET status = 'pending', due_at = now(),
                attempts = CASE WHEN status = 'failed' THEN 0 ELSE attempts END,
                first_attempt_at = CASE WHEN status = 'failed' THEN NULL ELSE first_attempt_at END, updated_at = now()
         WHERE status = ANY($1::text[]) AND (status <> 'pending' OR due_at > now())
         RETURNING id
       ), closed AS (${CLOSE_DEAD_LETTERS})
       SELECT count(*) AS count FROM offered`,
      [UNDELIVERED],
    );
    return Number(row.count);
  }

  /**
   * Sends the latest value of every row of a context (or one activity) again,
   * delivered or not. The version moves on, as for a new value: a delivery
   * already in flight then records its result without settling the row, and
   * the row goes out once more after it.
   */
  async forceResend(scope: ResendScope): Promise<number> {
    const [row]: Array<{ count: string }> = await this.db.query(
      `WITH offered AS (
         UPDATE grading.scores SET status = 'pending', due_at = now(), attempts = 0, first_attempt_at = NULL, version = version + 1, updated_at = now()
         WHERE platform_id = $1 AND context_id = $2 AND ($3::text IS NULL OR resource_link_id = $3) AND status <> 'waiting_for_launch'
         RETURNING id
       ), closed AS (${CLOSE_DEAD_LETTERS})
       SELECT count(*) AS count FROM offered`,
      [scope.platformId, scope.contextId, scope.resourceLinkId ?? null],
    );
    return Number(row.count);
  }

  /**
   * Wakes the rows of these activities that waited for a launch, inside the
   * transaction that recorded the launches (it holds their context rows, so
   * a delivery cannot park a row between the two). Answers how many woke.
   */
  async releaseWaiting(tx: EntityManager, activities: ContextTriple[]): Promise<number> {
    const woken = rowsOf<unknown>(await tx.query(
      `UPDATE grading.scores s SET status = 'pending', due_at = now(), attempts = 0, first_attempt_at = NULL, updated_at = now()
       FROM unnest($1::text[], $2::text[], $3::text[]) AS t(p, c, r)
       WHERE s.status = 'waiting_for_launch' AND s.platform_id = t.p AND s.context_id = t.c AND s.resource_link_id = t.r
       RETURNING s.id`,
      [activities.map((a) => a.platformId), activities.map((a) => a.contextId), activities.map((a) => a.resourceLinkId)],
    ));
    return woken.length;
  }

  /**
   * Makes a failed row due again with a fresh attempt count, inside the
   * transaction that closes its dead letter, if the row still holds the
   * version that failed. False when a newer value replaced it.
   */
  async reofferFailed(tx: EntityManager, scoreId: string, version: string | null): Promise<boolean> {
    const revived = rowsOf<unknown>(await tx.query(
      `UPDATE grading.scores SET status = 'pending', due_at = now(), attempts = 0, first_attempt_at = NULL, updated_at = now()
       WHERE id = $1 AND version = $2 AND status = 'failed' RETURNING id`,
      [scoreId, version],
    ));
    return revived.length > 0;
  }
}
