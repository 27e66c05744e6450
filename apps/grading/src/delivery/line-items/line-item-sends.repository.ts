import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { rowsOf } from '@app/database';

/** One post about to go out: to this LMS line item, for this user, this value. */
export interface SendTurnRequest {
  platformId: string;
  contextId: string;
  lineItemId: string;
  userId: string;
  /** Nanoseconds since the epoch, decimal: compared exactly. */
  timestampNs: string;
  scoreId: string;
  /** The claim's fencing token. */
  owner: string;
}

/**
 * - `go`: the (line item, user) is this post's until it is recorded, or for
 *   as long as the post could last;
 * - `busy`: another post to it is in flight (from another row, or from a
 *   replica that died mid-request); try again shortly;
 * - `older`: a newer value was already sent there (through another row
 *   naming the same LMS line item): this one must never go.
 */
export type SendTurn = 'go' | 'busy' | 'older';

export interface SendTurnRelease {
  platformId: string;
  contextId: string;
  lineItemId: string;
  userId: string;
  owner: string;
}

/**
 * The turn to post to one LMS line item for one user, shared by every
 * replica (`line_item_sends`). The ledger's rows are per selector as the
 * grader names it; two selectors (one by resourceId, one by label, or none)
 * can lead to the same LMS line item, and only here do their posts meet.
 */
@Injectable()
export class LineItemSendsRepository {
  constructor(private readonly db: DataSource) {}

  /** Takes the turns it can in one statement; the requests must name distinct (line item, user) pairs. */
  async take(requests: SendTurnRequest[], holdMs: number): Promise<SendTurn[]> {
    if (requests.length === 0) return [];
    const order = requests.map((_, i) => i).sort((a, b) => compareKeys(requests[a], requests[b]));
    const sorted = order.map((i) => requests[i]);
    // The ON CONFLICT takes the rows in key order (no deadlock between replicas); the outer SELECT
    // reads them as they were before this statement, to tell "in flight" from "newer already sent".
    const rows = rowsOf<{ i: number; acquired: boolean; held_ns: string | null }>(await this.db.query(
      `WITH w AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::numeric[], $6::bigint[], $7::uuid[])
           WITH ORDINALITY AS w(platform_id, context_id, line_item_id, user_id, ts, score_id, owner, i)
       ), taken AS (
         INSERT INTO grading.line_item_sends AS g (platform_id, context_id, line_item_id, user_id, timestamp_ns, score_id, lease_owner, lease_until)
         SELECT platform_id, context_id, line_item_id, user_id, ts, score_id, owner, now() + $8 * interval '1 millisecond' FROM w ORDER BY i
         ON CONFLICT (platform_id, context_id, line_item_id, user_id) DO UPDATE SET
           timestamp_ns = EXCLUDED.timestamp_ns, score_id = EXCLUDED.score_id, lease_owner = EXCLUDED.lease_owner, lease_until = EXCLUDED.lease_until
         WHERE (g.lease_until IS NULL OR g.lease_until < now()) AND g.timestamp_ns <= EXCLUDED.timestamp_ns
         RETURNING g.platform_id, g.context_id, g.line_item_id, g.user_id
       )
       SELECT w.i::int AS i, t.user_id IS NOT NULL AS acquired, g.timestamp_ns::text AS held_ns
       FROM w
       LEFT JOIN taken t USING (platform_id, context_id, line_item_id, user_id)
       LEFT JOIN grading.line_item_sends g USING (platform_id, context_id, line_item_id, user_id)`,
      [
        sorted.map((r) => r.platformId),
        sorted.map((r) => r.contextId),
        sorted.map((r) => r.lineItemId),
        sorted.map((r) => r.userId),
        sorted.map((r) => r.timestampNs),
        sorted.map((r) => r.scoreId),
        sorted.map((r) => r.owner),
        holdMs,
      ],
    ));
    const turns: SendTurn[] = new Array(requests.length).fill('busy');
    for (const row of rows) {
      const request = sorted[row.i - 1];
      const turn: SendTurn = row.acquired ? 'go' : row.held_ns !== null && BigInt(row.held_ns) > BigInt(request.timestampNs) ? 'older' : 'busy';
      turns[order[row.i - 1]] = turn;
    }
    return turns;
  }

  /** Gives turns back once their results are recorded (in the recording transaction). */
  async releaseIn(tx: EntityManager, releases: SendTurnRelease[]): Promise<void> {
    if (releases.length === 0) return;
    const sorted = [...releases].sort(compareKeys);
    await tx.query(
      `UPDATE grading.line_item_sends g SET lease_owner = NULL, lease_until = NULL
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::uuid[]) AS r(platform_id, context_id, line_item_id, user_id, owner)
       WHERE g.platform_id = r.platform_id AND g.context_id = r.context_id AND g.line_item_id = r.line_item_id
         AND g.user_id = r.user_id AND g.lease_owner = r.owner`,
      [sorted.map((r) => r.platformId), sorted.map((r) => r.contextId), sorted.map((r) => r.lineItemId), sorted.map((r) => r.userId), sorted.map((r) => r.owner)],
    );
  }
}

function compareKeys(a: Omit<SendTurnRelease, 'owner'>, b: Omit<SendTurnRelease, 'owner'>): number {
  return cmp(a.platformId, b.platformId) || cmp(a.contextId, b.contextId) || cmp(a.lineItemId, b.lineItemId) || cmp(a.userId, b.userId);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
