import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { LineItemSelector } from '@app/contracts';
import type { ActivityProgress, GradingProgress, Score } from '@app/ltiaas';
import { rowsOf } from '@app/database';

/** A ledger row claimed for delivery: the value to send and the lease that guards it. */
export interface ClaimedScore {
  id: string;
  platformId: string;
  contextId: string;
  resourceLinkId: string;
  lineItemKey: string;
  lineItem: LineItemSelector | null;
  userId: string;
  /** The version being sent; a newer one may arrive while it is in flight. */
  version: number;
  score: Score;
  attempts: number;
  firstAttemptAt: Date | null;
  lastStatusCode: number | null;
  /** The value's timestamp in nanoseconds (decimal), compared exactly against what was last sent to its LMS line item. */
  timestampNs: string;
  /** The claim's fencing token: a completion only lands while the row still carries it. */
  leaseOwner: string;
  /** The claim's lease as this process last renewed it (shared by the claim's rows): no sending once it has lapsed. */
  lease: ClaimLease;
}

export interface ClaimLease {
  /** Local time until which the claim surely holds (measured from before the renewing query, so it errs early). */
  until: number;
}

export interface ClaimRequest {
  limit: number;
  leaseMs: number;
  /** Rows per platform this claim may take; platforms not listed get `defaultCap`; 0 skips a platform. */
  caps: Map<string, number>;
  defaultCap: number;
  /** Local time the lease is measured from (taken before the query, so it errs early). */
  now: number;
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
  timestamp_ns: string;
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
                 s."timestamp", s.timestamp_ns::text, s.attempts, s.first_attempt_at, s.last_status_code`,
      [listed.map(([p]) => p), listed.map(([, cap]) => cap), request.defaultCap, request.limit, owner, request.leaseMs],
    ));
    const lease: ClaimLease = { until: request.now + request.leaseMs };
    return rows.map((r) => toClaimed(r, owner, lease));
  }

  /**
   * Extends the leases of claims still being worked on. A live claimer
   * renews every quarter lease, so the lease can be short: a killed
   * replica's rows come back within one lease of its last renewal.
   * Answers the claims that still hold rows (the others were all recorded).
   */
  async renew(owners: string[], leaseMs: number): Promise<Set<string>> {
    if (owners.length === 0) return new Set();
    // Rows another transaction holds (a result being recorded, a newer value arriving) are skipped,
    // never waited for: renewing in no particular order while waiting would deadlock with them. A
    // skipped row is renewed next time, well before its lease ends. Which claims still hold rows is
    // read without locks.
    const rows = rowsOf<{ owner: string }>(await this.db.query(
      `WITH held AS (
         SELECT DISTINCT lease_owner FROM grading.scores WHERE lease_owner = ANY($1::uuid[])
       ), locked AS (
         SELECT id FROM grading.scores WHERE lease_owner = ANY($1::uuid[]) ORDER BY id FOR UPDATE SKIP LOCKED
       ), renewed AS (
         -- PostgreSQL runs a data-modifying WITH part whether or not the outer query reads it.
         UPDATE grading.scores s SET lease_until = now() + $2 * interval '1 millisecond'
         FROM locked WHERE s.id = locked.id
       )
       SELECT lease_owner::text AS owner FROM held`,
      [owners, leaseMs],
    ));
    return new Set(rows.map((r) => r.owner));
  }
}

function toClaimed(r: ClaimedRow, leaseOwner: string, lease: ClaimLease): ClaimedScore {
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
    timestampNs: r.timestamp_ns,
    leaseOwner,
    lease,
  };
}
