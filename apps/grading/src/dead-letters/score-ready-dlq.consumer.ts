import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { deadLetterTopic, DLQ_HEADERS, storableText, TOPICS } from '@app/contracts';
import type { InboundRecord } from '@app/messaging';
import { DeadLettersRepository, type IngestDeadLetter } from './dead-letters.repository';

export const DEAD_LETTER_GROUP = 'grading-dead-letters';
export const SCORE_READY_DLQ = deadLetterTopic(TOPICS.scoreReady);

/** A dead letter's JSON is kept as jsonb only up to this size; its bytes are always kept whole. */
const MAX_PAYLOAD_BYTES = 256 * 1024;

/**
 * Copies `grading.score-ready.v1.dlq` into grading's dead-letter table, so
 * `GET /v1/dead-letters` shows malformed scores with the reason beside the
 * failed deliveries, and `GET /v1/scores/events/{id}` answers
 * `dead-lettered` for them. It runs on the same KafkaBatchServer as every
 * other consumer (health, metrics, commit after the write), the topic read
 * raw: a dead letter is whatever failed a contract, so nothing about its
 * content may stop it from being stored. The bytes go to `bytea`; only text
 * PostgreSQL can hold (no NUL, no lone surrogate, valid UTF-8) is copied
 * into text and jsonb columns.
 */
@Controller()
export class ScoreReadyDlqConsumer {
  constructor(private readonly deadLetters: DeadLettersRepository) {}

  @EventPattern(SCORE_READY_DLQ)
  async handle(@Payload() records: InboundRecord<Buffer>[]): Promise<void> {
    await this.deadLetters.recordIngest(records.map((r) => letterOf(r)));
  }
}

export function letterOf(record: Pick<InboundRecord<Buffer>, 'partition' | 'offset' | 'headers' | 'value'>): IngestDeadLetter {
  const header = (name: string) => {
    const value = record.headers[name];
    return value === undefined ? undefined : text(value, 4000);
  };
  const bytes = Buffer.from(record.value);
  const parsed = parseJson(bytes);
  const payload = parsed.validUtf8 && storableValue(parsed.json) ? parsed.json : undefined;
  const event = parsed.json && typeof parsed.json === 'object' ? (parsed.json as { id?: unknown; data?: unknown }) : undefined;
  const data = event?.data && typeof event.data === 'object' ? (event.data as Record<string, unknown>) : undefined;
  const field = (v: unknown) => (typeof v === 'string' ? text(v, 1000) : undefined);
  // Where the record failed, from its headers; a record that reached the DLQ without them (not sent by our
  // transport) is identified by its place on the DLQ itself, so it can never collide with a real letter.
  const topic = header(DLQ_HEADERS.originalTopic);
  const partition = header(DLQ_HEADERS.originalPartition);
  const offset = header(DLQ_HEADERS.originalOffset);
  const located = topic !== undefined && partition !== undefined && /^\d{1,9}$/.test(partition) && offset !== undefined && /^\d{1,18}$/.test(offset);
  return {
    topic: located ? topic : SCORE_READY_DLQ,
    partition: located ? Number(partition) : record.partition,
    offset: located ? offset : record.offset,
    reason: header(DLQ_HEADERS.error) ?? 'dead-lettered without a reason',
    bytes,
    payload,
    eventId: typeof event?.id === 'string' && event.id.length <= 200 && storableText(event.id) ? event.id : undefined,
    identity: data ? { platformId: field(data.platformId), contextId: field(data.contextId), resourceLinkId: field(data.resourceLinkId), userId: field(data.userId) } : {},
  };
}

/** The record as JSON, if it is JSON at all (and not huge), and whether its bytes were valid UTF-8. */
function parseJson(bytes: Buffer): { json?: unknown; validUtf8: boolean } {
  if (bytes.length > MAX_PAYLOAD_BYTES) return { validUtf8: false };
  const decoded = bytes.toString('utf8');
  const validUtf8 = Buffer.from(decoded, 'utf8').equals(bytes);
  try {
    return { json: JSON.parse(decoded) as unknown, validUtf8 };
  } catch {
    return { validUtf8 };
  }
}

/** Whether jsonb can hold the value: no NUL (jsonb refuses \u0000) and no lone surrogate in any string or key. */
function storableValue(value: unknown): boolean {
  if (typeof value === 'string') return storableText(value);
  if (Array.isArray(value)) return value.every(storableValue);
  if (value && typeof value === 'object') return Object.entries(value).every(([k, v]) => storableText(k) && storableValue(v));
  return true;
}

/** Text for a text column: lone surrogates and NUL become U+FFFD, at most `max` characters. */
function text(value: string, max: number): string {
  return value.slice(0, max).replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]|\u0000/g, '\ufffd');
}
