import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Settled } from './settle';

/** The attempt log (`score_attempts`): every post of a value and how it ended. */
@Injectable()
export class DeliveryAttemptsRepository {
  /** Adds the batch's attempts inside the caller's transaction, in one statement. */
  async append(tx: EntityManager, attempts: Settled[]): Promise<void> {
    if (attempts.length === 0) return;
    await tx.query(
      `INSERT INTO grading.score_attempts (score_id, version, "timestamp", attempted_at, outcome, status_code, message, line_item_id)
       SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::timestamptz[], $5::text[], $6::int[], $7::text[], $8::text[])`,
      [
        attempts.map((s) => s.row.id),
        attempts.map((s) => s.row.version),
        attempts.map((s) => s.row.score.timestamp),
        attempts.map((s) => s.attemptedAt.toISOString()),
        attempts.map((s) => s.kind),
        attempts.map((s) => s.statusCode),
        attempts.map((s) => s.message),
        attempts.map((s) => s.lineItemId),
      ],
    );
  }
}
