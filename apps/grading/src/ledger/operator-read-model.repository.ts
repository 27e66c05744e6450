import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ScoreStatus } from './score-status';

export interface ActivityBucket {
  platformId: string;
  start: Date;
  delivered: number;
  throttled: number;
  failed: number;
}

export interface LearnerRow {
  id: string;
  platformId: string;
  contextId: string;
  resourceLinkId: string;
  lineItem: string;
  lineItemId: string | null;
  userId: string;
  scoreGiven: number | null;
  scoreMaximum: number | null;
  timestamp: string;
  status: ScoreStatus;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  receivedAt: Date;
  deliveredAt: Date | null;
  openDeadLetterId: string | null;
}

export interface AttemptRow {
  scoreId: string;
  attemptedAt: Date;
  outcome: 'delivered' | 'superseded' | 'retry' | 'waiting_for_launch' | 'failed';
  statusCode: number | null;
  message: string | null;
  version: number;
}

export interface WaitingActivity {
  platformId: string;
  contextId: string;
  resourceLinkId: string;
  scores: number;
  waitingSince: Date;
  credentialStaleAt: Date | null;
  lastLaunchAt: Date | null;
}

/**
 * The ledger as the operator console reads it: what delivery did lately per
 * platform (from the attempt log), one learner's rows with their attempts,
 * and the activities whose rows wait for a relaunch. Reads only.
 */
@Injectable()
export class OperatorReadModelRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Attempts since `since`, counted per platform and bucket: delivered, throttled (the LMS or
   * LTIAAS answered 429) and failed for good. Retries for other reasons are neither.
   */
  async deliveryBuckets(since: Date, bucketSeconds: number): Promise<ActivityBucket[]> {
    const rows: Array<{ platform_id: string; bucket: Date; delivered: string; throttled: string; failed: string }> = await this.db.query(
      `SELECT s.platform_id,
              to_timestamp(floor(EXTRACT(EPOCH FROM a.attempted_at) / $2) * $2) AS bucket,
              count(*) FILTER (WHERE a.outcome = 'delivered') AS delivered,
              count(*) FILTER (WHERE a.status_code = 429) AS throttled,
              count(*) FILTER (WHERE a.outcome = 'failed') AS failed
       FROM grading.score_attempts a JOIN grading.scores s ON s.id = a.score_id
       WHERE a.attempted_at >= $1
       GROUP BY 1, 2 ORDER BY 1, 2`,
      [since, bucketSeconds],
    );
    return rows.map((r) => ({ platformId: r.platform_id, start: r.bucket, delivered: Number(r.delivered), throttled: Number(r.throttled), failed: Number(r.failed) }));
  }

  /** The rows of these users, each with its open dead letter if any. */
  async learnerScores(userIds: string[], limit: number): Promise<LearnerRow[]> {
    const rows: Array<Record<string, unknown>> = await this.db.query(
      `SELECT s.id::text, s.platform_id, s.context_id, s.resource_link_id,
              COALESCE(s.line_item->>'label', s.line_item->>'resourceId', s.line_item->>'tag', '') AS line_item,
              s.line_item_id, s.user_id, s.score_given, s.score_maximum, s."timestamp", s.status, s.attempts, s.last_status_code, s.last_error,
              s.received_at, s.delivered_at,
              (SELECT d.id::text FROM grading.dead_letters d
                WHERE d.score_id = s.id AND d.kind = 'delivery' AND d.retried_at IS NULL ORDER BY d.id DESC LIMIT 1) AS dead_letter_id
       FROM grading.scores s
       WHERE s.user_id = ANY($1::text[])
       ORDER BY s.platform_id, s.context_id, s.resource_link_id, s.line_item_key, s.user_id
       LIMIT $2`,
      [userIds, limit],
    );
    return rows.map((r) => ({
      id: r.id as string,
      platformId: r.platform_id as string,
      contextId: r.context_id as string,
      resourceLinkId: r.resource_link_id as string,
      lineItem: r.line_item as string,
      lineItemId: r.line_item_id as string | null,
      userId: r.user_id as string,
      scoreGiven: r.score_given as number | null,
      scoreMaximum: r.score_maximum as number | null,
      timestamp: r.timestamp as string,
      status: r.status as ScoreStatus,
      attempts: Number(r.attempts),
      lastStatusCode: r.last_status_code as number | null,
      lastError: r.last_error as string | null,
      receivedAt: r.received_at as Date,
      deliveredAt: r.delivered_at as Date | null,
      openDeadLetterId: r.dead_letter_id as string | null,
    }));
  }

  /** The newest `perScore` attempts of each row, newest first. */
  async learnerAttempts(scoreIds: string[], perScore: number): Promise<AttemptRow[]> {
    if (scoreIds.length === 0) return [];
    const rows: Array<{ score_id: string; attempted_at: Date; outcome: AttemptRow['outcome']; status_code: number | null; message: string | null; version: string }> = await this.db.query(
      `SELECT a.score_id::text, a.attempted_at, a.outcome, a.status_code, a.message, a.version::text
       FROM unnest($1::bigint[]) AS ids(score_id)
       CROSS JOIN LATERAL (
         SELECT * FROM grading.score_attempts x WHERE x.score_id = ids.score_id ORDER BY x.id DESC LIMIT $2
       ) a
       ORDER BY a.score_id, a.id DESC`,
      [scoreIds, perScore],
    );
    return rows.map((r) => ({ scoreId: r.score_id, attemptedAt: r.attempted_at, outcome: r.outcome, statusCode: r.status_code, message: r.message, version: Number(r.version) }));
  }

  /** Activities whose rows wait for a relaunch (their serviceKey is stale or was never captured), longest waiting first. */
  async waitingActivities(limit: number): Promise<WaitingActivity[]> {
    const rows: Array<{ platform_id: string; context_id: string; resource_link_id: string; scores: string; since: Date; credential_stale_at: Date | null; last_launch_at: Date | null }> =
      await this.db.query(
        `SELECT w.platform_id, w.context_id, w.resource_link_id, w.scores, w.since, c.credential_stale_at, c.last_launch_at
         FROM (
           SELECT platform_id, context_id, resource_link_id, count(*) AS scores, min(COALESCE(last_attempt_at, received_at)) AS since
           FROM grading.scores WHERE status = 'waiting_for_launch'
           GROUP BY platform_id, context_id, resource_link_id
         ) w
         LEFT JOIN grading.contexts c USING (platform_id, context_id, resource_link_id)
         ORDER BY w.since, w.platform_id, w.context_id, w.resource_link_id
         LIMIT $1`,
        [limit],
      );
    return rows.map((r) => ({
      platformId: r.platform_id,
      contextId: r.context_id,
      resourceLinkId: r.resource_link_id,
      scores: Number(r.scores),
      waitingSince: r.since,
      credentialStaleAt: r.credential_stale_at,
      lastLaunchAt: r.last_launch_at,
    }));
  }
}
