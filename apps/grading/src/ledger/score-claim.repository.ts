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
  /** The ScoreReady event the value came from (the row's own event id): outcome events name it. */
  source: SourceEvent;
}

/** The ScoreReady event a value came from. */
export interface SourceEvent {
  eventId: string;
  correlationId: string | null;
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
  event_id: string;
  correlation_id: string | null;
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
    // The platforms with pending rows are found by skipping through the due index, one probe
    // each, rather than by reading every pending row: a backlog of thousands must not make every
    // claim read all of it. Each platform then gets an equal share of the claim, so one LMS's
    // backlog never holds back another's scores; a share a platform cannot fill goes to the
    // others, up to their caps, so a claim still comes out short only when nothing more is due.
    const rows = rowsOf<ClaimedRow>(await this.db.query(
      `WITH RECURSIVE platforms AS (
         (SELECT s.platform_id FROM grading.scores s WHERE s.status = 'pending' ORDER BY s.platform_id LIMIT 1)
         UNION ALL
         SELECT (SELECT s.platform_id FROM grading.scores s
                 WHERE s.status = 'pending' AND s.platform_id > p.platform_id ORDER BY s.platform_id LIMIT 1)
         FROM platforms p WHERE p.platform_id IS NOT NULL
       ), caps AS (
         SELECT * FROM unnest($1::text[], $2::int[]) AS c(platform_id, cap)
       ), open AS (
         SELECT p.platform_id, COALESCE(c.cap, $3) AS cap
         FROM platforms p LEFT JOIN caps c ON c.platform_id = p.platform_id
         WHERE p.platform_id IS NOT NULL AND COALESCE(c.cap, $3) > 0
       ), shares AS (
         SELECT platform_id, cap, LEAST(cap, GREATEST(1, $4::int / count(*) OVER ())) AS share FROM open
       ), first_pass AS (
         -- In random order: with more platforms than rows to take, no platform is always last.
         SELECT x.id FROM (SELECT * FROM shares ORDER BY random()) sh
         CROSS JOIN LATERAL (
           SELECT s.id FROM grading.scores s
           WHERE s.platform_id = sh.platform_id AND s.status = 'pending' AND s.due_at <= now()
             AND (s.lease_until IS NULL OR s.lease_until < now())
           ORDER BY s.due_at
           LIMIT sh.share
           FOR UPDATE OF s SKIP LOCKED
         ) x
         LIMIT $4
       ), second_pass AS (
         -- A platform that filled its share may have more; its cap, less the share, bounds it here.
         SELECT x.id FROM shares sh
         CROSS JOIN LATERAL (
           SELECT s.id FROM grading.scores s
           WHERE s.platform_id = sh.platform_id AND s.status = 'pending' AND s.due_at <= now()
             AND (s.lease_until IS NULL OR s.lease_until < now())
             AND NOT EXISTS (SELECT 1 FROM first_pass f WHERE f.id = s.id)
           ORDER BY s.due_at
           LIMIT sh.cap - sh.share
           FOR UPDATE OF s SKIP LOCKED
         ) x
         LIMIT $4 - (SELECT count(*) FROM first_pass)
       ), picked AS (
         SELECT id FROM first_pass UNION ALL SELECT id FROM second_pass
       ), claimed AS (
         UPDATE grading.scores s
         SET lease_owner = $5, lease_until = now() + $6 * interval '1 millisecond', sending_version = s.version
         FROM picked WHERE s.id = picked.id
         RETURNING s.id, s.platform_id, s.context_id, s.resource_link_id, s.line_item_key, s.line_item, s.user_id,
                   s.version, s.score_given, s.score_maximum, s.activity_progress, s.grading_progress, s.comment,
                   s."timestamp", s.timestamp_ns, s.attempts, s.first_attempt_at, s.last_status_code, s.event_id
       )
       SELECT c.id::text, c.platform_id, c.context_id, c.resource_link_id, c.line_item_key, c.line_item, c.user_id,
              c.version::text, c.score_given, c.score_maximum, c.activity_progress, c.grading_progress, c.comment,
              c."timestamp", c.timestamp_ns::text, c.attempts, c.first_attempt_at, c.last_status_code,
              c.event_id, e.correlation_id
       FROM claimed c LEFT JOIN grading.score_events e ON e.event_id = c.event_id`,
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
  async renew(claims: ReadonlyArray<{ owner: string; ids: readonly string[] }>, leaseMs: number): Promise<Set<string>> {
    if (claims.length === 0) return new Set();
    // Rows another transaction holds (a result being recorded, a newer value arriving) are skipped,
    // never waited for: renewing in no particular order while waiting would deadlock with them. A
    // skipped row is renewed next time, well before its lease ends. Which claims still hold rows is
    // read without locks. Rows are found by id: the claim changes no indexed column, so its update
    // stays in place.
    const rows = rowsOf<{ owner: string }>(await this.db.query(
      `WITH held AS (
         SELECT DISTINCT lease_owner FROM grading.scores WHERE id = ANY($1::bigint[]) AND lease_owner = ANY($2::uuid[])
       ), locked AS (
         SELECT id FROM grading.scores WHERE id = ANY($1::bigint[]) AND lease_owner = ANY($2::uuid[]) ORDER BY id FOR UPDATE SKIP LOCKED
       ), renewed AS (
         -- PostgreSQL runs a data-modifying WITH part whether or not the outer query reads it.
         UPDATE grading.scores s SET lease_until = now() + $3 * interval '1 millisecond'
         FROM locked WHERE s.id = locked.id
       )
       SELECT lease_owner::text AS owner FROM held`,
      [claims.flatMap((c) => c.ids), claims.map((c) => c.owner), leaseMs],
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
    source: { eventId: r.event_id, correlationId: r.correlation_id },
  };
}
