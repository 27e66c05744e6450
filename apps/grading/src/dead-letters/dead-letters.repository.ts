import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { LedgerMaintenanceRepository } from '../ledger/ledger-maintenance.repository';

export interface DeadLetterView {
  id: string;
  kind: 'delivery' | 'ingest';
  createdAt: string;
  reason: string;
  statusCode: number | null;
  scoreId: string | null;
  version: number | null;
  platformId: string | null;
  contextId: string | null;
  resourceLinkId: string | null;
  userId: string | null;
  lineItemId: string | null;
  /** The score as it was to be sent (delivery), or the record's JSON value (ingest). */
  payload: unknown;
  /** An ingest record that could not be kept as JSON (not JSON, invalid UTF-8, NUL...), as text with U+FFFD for undecodable bytes; its exact bytes are kept in the database. */
  raw: string | null;
  /** The CloudEvent id of a dead-lettered ingest record, when it could be read. */
  eventId: string | null;
  source: { topic: string; partition: number; offset: string } | null;
  retriedAt: string | null;
}

export interface IngestDeadLetter {
  topic: string;
  partition: number;
  offset: string;
  reason: string;
  /** The record's value exactly as it was on Kafka. */
  bytes: Buffer;
  /** The value as JSON, when PostgreSQL's jsonb can hold it. */
  payload: unknown;
  eventId?: string;
  identity: { platformId?: string; contextId?: string; resourceLinkId?: string; userId?: string };
}

/** A value whose delivery failed for good. */
export interface DeliveryDeadLetter {
  scoreId: string;
  version: number;
  platformId: string;
  contextId: string;
  resourceLinkId: string;
  userId: string;
  lineItemId: string | null;
  /** The score as it was to be sent. */
  payload: unknown;
  reason: string;
  statusCode: number | null;
}

interface Row {
  id: string;
  kind: 'delivery' | 'ingest';
  created_at: Date;
  reason: string;
  status_code: number | null;
  score_id: string | null;
  version: string | null;
  platform_id: string | null;
  context_id: string | null;
  resource_link_id: string | null;
  user_id: string | null;
  line_item_id: string | null;
  payload: unknown;
  raw: string | null;
  raw_bytes: Buffer | null;
  event_id: string | null;
  source_topic: string | null;
  source_partition: number | null;
  source_offset: string | null;
  retried_at: Date | null;
}

export type RetryResult = 'retried' | 'not_found' | 'already_retried' | 'not_retryable' | 'superseded';

/** Grading's dead letters: deliveries that failed for good, and ingest records the transport dead-lettered. */
@Injectable()
export class DeadLettersRepository {
  constructor(
    private readonly db: DataSource,
    private readonly ledger: LedgerMaintenanceRepository,
  ) {}

  async list(query: { kind?: 'delivery' | 'ingest'; open?: boolean; after?: string; limit: number }): Promise<{ deadLetters: DeadLetterView[]; next?: string }> {
    const rows: Row[] = await this.db.query(
      `SELECT id::text, kind, created_at, reason, status_code, score_id::text, version::text, platform_id, context_id, resource_link_id,
              user_id, line_item_id, payload, raw, CASE WHEN payload IS NULL THEN raw_bytes END AS raw_bytes, event_id, source_topic, source_partition, source_offset::text, retried_at
       FROM grading.dead_letters d
       WHERE ($1::text IS NULL OR d.kind = $1) AND ($2::boolean IS NULL OR (d.retried_at IS NULL) = $2) AND ($3::bigint IS NULL OR d.id > $3)
       ORDER BY d.id LIMIT $4`,
      [query.kind ?? null, query.open ?? null, query.after ?? null, query.limit + 1],
    );
    const page = rows.slice(0, query.limit);
    return { deadLetters: page.map(toView), ...(rows.length > query.limit ? { next: page[page.length - 1].id } : {}) };
  }

  /** Records failed deliveries inside the transaction that records their results. */
  async recordDelivery(tx: EntityManager, letters: DeliveryDeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    await tx.query(
      `INSERT INTO grading.dead_letters (kind, score_id, version, platform_id, context_id, resource_link_id, user_id, line_item_id, payload, reason, status_code)
       SELECT 'delivery', * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::jsonb[], $9::text[], $10::int[])`,
      [
        letters.map((l) => l.scoreId),
        letters.map((l) => l.version),
        letters.map((l) => l.platformId),
        letters.map((l) => l.contextId),
        letters.map((l) => l.resourceLinkId),
        letters.map((l) => l.userId),
        letters.map((l) => l.lineItemId),
        letters.map((l) => JSON.stringify(l.payload)),
        letters.map((l) => l.reason),
        letters.map((l) => l.statusCode),
      ],
    );
  }

  async recordIngest(letters: IngestDeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    await this.db.query(
      `INSERT INTO grading.dead_letters (kind, source_topic, source_partition, source_offset, reason, raw_bytes, payload, platform_id, context_id, resource_link_id, user_id, event_id)
       SELECT 'ingest', * FROM unnest($1::text[], $2::int[], $3::bigint[], $4::text[], $5::bytea[], $6::jsonb[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
       ON CONFLICT ON CONSTRAINT dead_letters_source DO NOTHING`,
      [
        letters.map((l) => l.topic),
        letters.map((l) => l.partition),
        letters.map((l) => l.offset),
        letters.map((l) => l.reason),
        letters.map((l) => l.bytes),
        letters.map((l) => (l.payload === undefined ? null : JSON.stringify(l.payload))),
        letters.map((l) => l.identity.platformId ?? null),
        letters.map((l) => l.identity.contextId ?? null),
        letters.map((l) => l.identity.resourceLinkId ?? null),
        letters.map((l) => l.identity.userId ?? null),
        letters.map((l) => l.eventId ?? null),
      ],
    );
  }

  /**
   * Puts a failed delivery back in line: its row becomes due again with a
   * fresh attempt count, if the row still holds the value that failed (a
   * newer value is already on its way and needs no retry).
   */
  async retry(id: string): Promise<RetryResult> {
    return this.db.transaction(async (tx) => {
      const [letter]: Array<{ kind: string; score_id: string | null; version: string | null; retried_at: Date | null }> = await tx.query(
        `SELECT kind, score_id::text, version::text, retried_at FROM grading.dead_letters WHERE id = $1 FOR UPDATE`,
        [id],
      );
      if (!letter) return 'not_found';
      if (letter.retried_at) return 'already_retried';
      if (letter.kind !== 'delivery' || letter.score_id === null) return 'not_retryable';
      const revived = await this.ledger.reofferFailed(tx, letter.score_id, letter.version);
      await tx.query(`UPDATE grading.dead_letters SET retried_at = now() WHERE id = $1`, [id]);
      return revived ? 'retried' : 'superseded';
    });
  }
}

function toView(r: Row): DeadLetterView {
  return {
    id: r.id,
    kind: r.kind,
    createdAt: r.created_at.toISOString(),
    reason: r.reason,
    statusCode: r.status_code,
    scoreId: r.score_id,
    version: r.version === null ? null : Number(r.version),
    platformId: r.platform_id,
    contextId: r.context_id,
    resourceLinkId: r.resource_link_id,
    userId: r.user_id,
    lineItemId: r.line_item_id,
    payload: r.payload,
    raw: r.raw ?? r.raw_bytes?.toString('utf8') ?? null,
    eventId: r.event_id,
    source: r.source_topic !== null && r.source_partition !== null && r.source_offset !== null ? { topic: r.source_topic, partition: r.source_partition, offset: r.source_offset } : null,
    retriedAt: r.retried_at?.toISOString() ?? null,
  };
}
