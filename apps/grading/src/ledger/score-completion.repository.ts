import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { rowsOf } from '@app/database';
import type { ScoreStatus } from './score-status';

/**
 * What became of one claimed value: a status it ends in, `retry` (pending
 * again after `delayMs`) or `released` (not attempted: back as it was).
 */
export type CompletionKind = Exclude<ScoreStatus, 'pending'> | 'retry' | 'released';

/** One claimed row's result, as the ledger records it. */
export interface ScoreCompletion {
  id: string;
  /** The claim's fencing token: the row only changes while it still carries it. */
  leaseOwner: string;
  /** The version that was sent: when a newer one arrived meanwhile, the row keeps its status and attempts for it. */
  version: number;
  kind: CompletionKind;
  delayMs: number;
  statusCode: number | null;
  message: string | null;
  lineItemId: string | null;
  /** The sent value's timestamp, kept as the delivered one. */
  timestamp: string;
  attemptedAt: Date;
}

/** A row the completion changed (it still carried the claim's token), as it is now. */
export interface CompletedRow {
  id: string;
  version: string;
  status: ScoreStatus;
  attempts: number;
}

/**
 * The ledger's side of recording delivery results, inside the caller's
 * transaction: one statement per batch, whatever its size.
 */
@Injectable()
export class ScoreCompletionRepository {
  /**
   * Releases the claimed rows and records what happened to the values
   * sent. Fenced by the claim token: a row whose lease passed to another
   * claimer is left alone and is missing from the answer. A row whose
   * version moved on keeps the newer value's status and attempts.
   */
  async record(tx: EntityManager, completions: ScoreCompletion[]): Promise<Map<string, CompletedRow>> {
    if (completions.length === 0) return new Map();
    // Rows locked in id order: two batches never wait on each other crosswise.
    const sorted = [...completions].sort((a, b) => Number(a.id) - Number(b.id));
    const rows = rowsOf<CompletedRow>(await tx.query(
      `UPDATE grading.scores s SET
         lease_owner = NULL, lease_until = NULL, sending_version = NULL,
         status = CASE
           WHEN c.kind = 'released' THEN s.status
           WHEN c.kind = 'waiting_for_launch' THEN 'waiting_for_launch'
           WHEN s.version <> c.version THEN s.status
           WHEN c.kind = 'retry' THEN 'pending'
           ELSE c.kind END,
         due_at = CASE WHEN (c.kind = 'retry' OR (c.kind = 'released' AND c.delay_ms > 0)) AND s.version = c.version
                       THEN now() + c.delay_ms * interval '1 millisecond' ELSE s.due_at END,
         attempts = CASE WHEN c.kind = 'released' OR s.version <> c.version THEN s.attempts ELSE s.attempts + 1 END,
         first_attempt_at = CASE WHEN c.kind = 'released' OR s.version <> c.version THEN s.first_attempt_at
                                 ELSE COALESCE(s.first_attempt_at, c.attempted_at) END,
         last_attempt_at = CASE WHEN c.kind = 'released' THEN s.last_attempt_at ELSE c.attempted_at END,
         last_status_code = CASE WHEN c.kind = 'released' OR s.version <> c.version THEN s.last_status_code ELSE c.status_code END,
         last_error = CASE WHEN c.kind = 'released' OR s.version <> c.version THEN s.last_error ELSE c.message END,
         line_item_id = COALESCE(c.line_item_id, s.line_item_id),
         delivered_version = CASE WHEN c.kind = 'delivered' THEN c.version ELSE s.delivered_version END,
         delivered_timestamp = CASE WHEN c.kind = 'delivered' THEN c.ts ELSE s.delivered_timestamp END,
         delivered_at = CASE WHEN c.kind = 'delivered' THEN c.attempted_at ELSE s.delivered_at END,
         updated_at = now()
       FROM unnest($1::bigint[], $2::uuid[], $3::bigint[], $4::text[], $5::bigint[], $6::int[], $7::text[], $8::text[], $9::text[], $10::timestamptz[])
         AS c(id, owner, version, kind, delay_ms, status_code, message, line_item_id, ts, attempted_at)
       WHERE s.id = c.id AND s.lease_owner = c.owner
       RETURNING s.id::text, s.version::text, s.status, s.attempts`,
      [
        sorted.map((c) => c.id),
        sorted.map((c) => c.leaseOwner),
        sorted.map((c) => c.version),
        sorted.map((c) => c.kind),
        sorted.map((c) => Math.round(c.delayMs)),
        sorted.map((c) => c.statusCode),
        sorted.map((c) => c.message),
        sorted.map((c) => c.lineItemId),
        sorted.map((c) => c.timestamp),
        sorted.map((c) => c.attemptedAt.toISOString()),
      ],
    ));
    return new Map(rows.map((r) => [r.id, r]));
  }
}
