import type pino from 'pino';
import { contextKey, envelope, EVENT_SOURCES, SCORE_READY_V1, TOPICS, type ScoreReadyEvent } from '@app/contracts';
import { createKafkaClient, topicName, type KafkaSettings } from '@app/messaging';
import type { BackfillRecord, RecordFailure, ScoreSink } from './score-sink';

/** The CloudEvent for one line: deterministic id, keyed like every other event about the activity. */
export function backfillEvent(record: BackfillRecord, correlationId: string, time: string): ScoreReadyEvent {
  return envelope(SCORE_READY_V1, EVENT_SOURCES.gradingBackfill, record.data, { id: record.id, correlationId, time });
}

export interface EventSender {
  publish(topic: string, records: { key: string; value: unknown }[]): Promise<void>;
}

/** Publishes straight to grading.score-ready.v1 with acks=all, one produce request per batch. */
export class KafkaScoreSink implements ScoreSink {
  constructor(
    private readonly publisher: EventSender,
    readonly target: string,
    /** Ties every event of one file together in the consumers' logs. */
    private readonly correlationId: string,
    private readonly disconnect: () => Promise<void> = async () => undefined,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  static async open(settings: KafkaSettings, logger: pino.Logger, fileSha256: string): Promise<KafkaScoreSink> {
    const kafka = createKafkaClient(settings, logger);
    // Created with the configured partitions: a topic auto-created by the first produce would get the broker's default.
    await kafka.topics.ensure([TOPICS.scoreReady]);
    const publisher = kafka.createPublisher();
    await publisher.connect();
    return new KafkaScoreSink(publisher, topicName(settings, TOPICS.scoreReady), `backfill:${fileSha256.slice(0, 16)}`, () => publisher.disconnect());
  }

  async send(records: BackfillRecord[]): Promise<{ failed: RecordFailure[] }> {
    const time = this.clock().toISOString();
    await this.publisher.publish(
      TOPICS.scoreReady,
      records.map((record) => ({ key: contextKey(record.data), value: backfillEvent(record, this.correlationId, time) })),
    );
    return { failed: [] };
  }

  close(): Promise<void> {
    return this.disconnect();
  }
}
