import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { advisoryLockKey } from '@app/database';

const DRAIN_LOCK = advisoryLockKey('outbox:grading-outcomes');

export interface OutboxRecord {
  key: string;
  value: unknown;
}

/** ScoreDelivered / ScoreFailed events written with the delivery result, published afterwards. */
@Injectable()
export class OutcomeOutboxRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Hands up to `limit` events to `publish` and deletes them once it
   * resolves, all in one transaction: if publishing fails nothing is
   * deleted. One replica drains at a time (a transaction-scoped advisory
   * lock), so each row's events reach Kafka in the order they were written.
   * Answers how many were published (0 also while another replica drains).
   */
  async drain(limit: number, publish: (records: OutboxRecord[]) => Promise<void>): Promise<number> {
    return this.db.transaction(async (tx) => {
      const [lock]: Array<{ locked: boolean }> = await tx.query('SELECT pg_try_advisory_xact_lock($1::bigint) AS locked', [DRAIN_LOCK]);
      if (!lock.locked) return 0;
      const rows: Array<{ id: string; key: string; event: unknown }> = await tx.query(
        `SELECT o.id::text, o.key, o.event FROM grading.outcome_outbox o ORDER BY o.id LIMIT $1`,
        [limit],
      );
      if (rows.length === 0) return 0;
      await publish(rows.map((r) => ({ key: r.key, value: r.event })));
      await tx.query(`DELETE FROM grading.outcome_outbox WHERE id = ANY($1::bigint[])`, [rows.map((r) => r.id)]);
      return rows.length;
    });
  }
}
