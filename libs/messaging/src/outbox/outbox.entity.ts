import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One event waiting to be published, in the using app's own schema (the
 * DataSource's default schema; the app creates the table with
 * `outboxTableSql` in one of its migrations). Rows are published in `id` order.
 */
@Entity({ name: 'outbox' })
export class OutboxEntry {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  /** The topic without the environment's prefix (EventPublisher adds it). */
  @Column({ type: 'text' })
  topic!: string;

  @Column({ type: 'text' })
  key!: string;

  /** The record value exactly as it will be sent. */
  @Column({ type: 'text' })
  value!: string;

  @Column({ type: 'jsonb', nullable: true })
  headers!: Record<string, string> | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /** Failed publish attempts so far, kept with the row rather than in memory. */
  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;
}

/** DDL for an app migration: `for (const sql of outboxTableSql('launch').up) await queryRunner.query(sql)`. */
export function outboxTableSql(schema: string, table = 'outbox'): { up: string[]; down: string[] } {
  const name = `${quoteIdent(schema)}.${quoteIdent(table)}`;
  return {
    up: [
      `CREATE TABLE ${name} (
        "id" bigserial PRIMARY KEY,
        "topic" text NOT NULL,
        "key" text NOT NULL,
        "value" text NOT NULL,
        "headers" jsonb,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "attempts" integer NOT NULL DEFAULT 0,
        "last_error" text
      )`,
    ],
    down: [`DROP TABLE ${name}`],
  };
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
