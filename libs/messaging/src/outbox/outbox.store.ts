import type { DataSource, EntityManager } from 'typeorm';
import { quoteIdent } from './outbox.entity';

/** A record bound for Kafka, its value already serialised. */
export interface OutboxRecord {
  topic: string;
  key: string;
  value: string;
  headers?: Record<string, string>;
}

export interface StoredOutboxRecord extends OutboxRecord {
  id: string;
  attempts: number;
}

export interface OutboxLocation {
  /** The app's schema. */
  schema: string;
  table?: string;
}

/** Reads and writes the outbox table with plain, schema-qualified SQL. */
export class OutboxStore {
  private readonly table: string;

  constructor(
    private readonly dataSource: DataSource,
    readonly location: OutboxLocation,
  ) {
    this.table = `${quoteIdent(location.schema)}.${quoteIdent(location.table ?? 'outbox')}`;
  }

  /** Appends records in order (one statement, so ids follow the given order). */
  async append(records: readonly OutboxRecord[], manager: EntityManager = this.dataSource.manager): Promise<void> {
    if (records.length === 0) return;
    // One statement of four arrays whatever the batch's size (rather than four parameters a
    // record), inserted in the records' order so that their ids keep it.
    await manager.query(
      `INSERT INTO ${this.table} ("topic", "key", "value", "headers")
       SELECT r.topic, r.key, r.value, r.headers
       FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[]) WITH ORDINALITY AS r(topic, key, value, headers, n)
       ORDER BY r.n`,
      [records.map((r) => r.topic), records.map((r) => r.key), records.map((r) => r.value), records.map((r) => (r.headers ? JSON.stringify(r.headers) : null))],
    );
  }

  async isEmpty(): Promise<boolean> {
    const rows: Array<{ found: boolean }> = await this.dataSource.query(`SELECT EXISTS (SELECT 1 FROM ${this.table}) AS found`);
    return !rows[0].found;
  }

  async count(): Promise<number> {
    const rows: Array<{ n: string }> = await this.dataSource.query(`SELECT count(*) AS n FROM ${this.table}`);
    return Number(rows[0].n);
  }

  /**
   * Runs `publish` on the oldest `limit` records inside a transaction that
   * deletes them when it resolves. Only one drainer at a time across all
   * replicas (a transaction-scoped advisory lock), so records leave in order.
   * Resolves `busy` when another drainer holds the lock.
   */
  async drain(limit: number, lockKey: string, publish: (records: StoredOutboxRecord[]) => Promise<void>): Promise<{ drained: number; busy: boolean }> {
    return this.dataSource.transaction(async (manager) => {
      const [lock]: Array<{ locked: boolean }> = await manager.query('SELECT pg_try_advisory_xact_lock($1::bigint) AS locked', [lockKey]);
      if (!lock.locked) return { drained: 0, busy: true };
      const rows: Array<{ id: string; topic: string; key: string; value: string; headers: Record<string, string> | null; attempts: number }> = await manager.query(
        `SELECT "id", "topic", "key", "value", "headers", "attempts" FROM ${this.table} ORDER BY "id" LIMIT $1`,
        [limit],
      );
      if (rows.length === 0) return { drained: 0, busy: false };
      await publish(rows.map((r) => ({ id: String(r.id), topic: r.topic, key: r.key, value: r.value, headers: r.headers ?? undefined, attempts: r.attempts })));
      await manager.query(`DELETE FROM ${this.table} WHERE "id" = ANY($1::bigint[])`, [rows.map((r) => r.id)]);
      return { drained: rows.length, busy: false };
    });
  }

  /** Counts a failed attempt on the oldest records (best effort, for operators). */
  async noteFailure(limit: number, error: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE ${this.table} SET "attempts" = "attempts" + 1, "last_error" = $2 WHERE "id" IN (SELECT "id" FROM ${this.table} ORDER BY "id" LIMIT $1)`,
      [limit, error.slice(0, 2000)],
    );
  }
}
