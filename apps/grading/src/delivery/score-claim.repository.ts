import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { LineItemSelector } from '@app/contracts';
import type { ActivityProgress, GradingProgress, Score } from '@app/ltiaas';
import { rowsOf } from '@app/database';
import type { ClaimedScore } from './delivery-outcome';

export interface ClaimRequest {
  limit: number;
  leaseMs: number;
  /** Rows per platform this claim may take; platforms not listed get `defaultCap`; 0 skips a platform. */
  caps: Map<string, number>;
  defaultCap: number;
  /** Local time the lease is measured from (taken before the query, so it errs early). */
  now: number;
  /** How long before the lease ends a row must have started sending. */
  sendMarginMs: number;
}

interface ClaimedRow {
  id: string;
  platform_id: string;
  context_id: string;
  resource_link_id: string;
  line_item_key: string;
  line_item: LineItemSelector | null;
  user_id: string;
  version: string;
  score_given: number | null;
  score_maximum: number | null;
  activity_progress: ActivityProgress;
  grading_progress: GradingProgress;
  comment: string | null;
  timestamp: string;
  attempts: number;
  first_attempt_at: Date | null;
  last_status_code: number | null;
}

/**
 * Claims due rows with FOR UPDATE SKIP LOCKED and a lease, so replicas never
 * hold the same row and a killed claimer's rows come back when the lease
 * ends. A leased row is never claimed again before then: that is what keeps
 * one delivery per (line item, user) in flight at any moment.
 */
@Injectable()
export class ScoreClaimRepository {
  constructor(private readonly db: DataSource) {}

  async claim(request: ClaimRequest): Promise<ClaimedScore[]> {
    const owner = randomUUID();
    const listed = [...request.caps.entries()];
    const rows = rowsOf<ClaimedRow>(await this.db.query(
      `WITH caps AS (
         SELECT * FROM unnest($1::text[], $2::int[]) AS c(platform_id, cap)
       ), due_platforms AS (
         SELECT DISTINCT s.platform_id FROM grading.scores s
         WHERE s.status = 'pending' AND s.due_at <= now() AND (s.lease_until IS NULL OR s.lease_until < now())
       ), picked AS (
         SELECT x.id FROM due_platforms d
         CROSS JOIN LATERAL (
           SELECT s.id FROM grading.scores s
           WHERE s.platform_id = d.platform_id AND s.status = 'pending' AND s.due_at <= now()
             AND (s.lease_until IS NULL OR s.lease_until < now())
           ORDER BY s.due_at
           LIMIT COALESCE((SELECT cap FROM caps WHERE caps.platform_id = d.platform_id), $3)
           FOR UPDATE OF s SKIP LOCKED
         ) x
         LIMIT $4
       )
       UPDATE grading.scores s
       SET lease_owner = $5, lease_until = now() + $6 * interval '1 millisecond', sending_version = s.version
       FROM picked WHERE s.id = picked.id
       RETURNING s.id::text, s.platform_id, s.context_id, s.resource_link_id, s.line_item_key, s.line_item, s.user_id,
                 s.version::text, s.score_given, s.score_maximum, s.activity_progress, s.grading_progress, s.comment,
                 s."timestamp", s.attempts, s.first_attempt_at, s.last_status_code`,
      [listed.map(([p]) => p), listed.map(([, cap]) => cap), request.defaultCap, request.limit, owner, request.leaseMs],
    ));
    const sendDeadline = request.now + request.leaseMs - request.sendMarginMs;
    return rows.map((r) => toClaimed(r, owner, sendDeadline));
  }
}

function toClaimed(r: ClaimedRow, leaseOwner: string, sendDeadline: number): ClaimedScore {
  const score: Score = {
    userId: r.user_id,
    activityProgress: r.activity_progress,
    gradingProgress: r.grading_progress,
    timestamp: r.timestamp,
  };
  if (r.score_given !== null) score.scoreGiven = r.score_given;
  if (r.score_maximum !== null) score.scoreMaximum = r.score_maximum;
  if (r.comment !== null) score.comment = r.comment;
  return {
    id: r.id,
    platformId: r.platform_id,
    contextId: r.context_id,
    resourceLinkId: r.resource_link_id,
    lineItemKey: r.line_item_key,
    lineItem: r.line_item,
    userId: r.user_id,
    version: Number(r.version),
    score,
    attempts: r.attempts,
    firstAttemptAt: r.first_attempt_at,
    lastStatusCode: r.last_status_code,
    leaseOwner,
    sendDeadline,
  };
}
