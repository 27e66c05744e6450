import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { Kafka, type Consumer, type KafkaMessage } from 'kafkajs';
import { deadLetterTopic, DLQ_HEADERS, TOPICS } from '@app/contracts';
import { KAFKA_SETTINGS, topicName, type KafkaSettings } from '@app/messaging';
import { sleep } from '../common/wakeup';
import { DeadLettersRepository, type IngestDeadLetter } from './dead-letters.repository';

export const DEAD_LETTER_GROUP = 'grading-dead-letters';

/**
 * Copies `grading.score-ready.v1.dlq` into grading's dead-letter table, so
 * `GET /v1/dead-letters` shows malformed scores with the reason beside the
 * failed deliveries. The DLQ has no contract of its own (its records are
 * whatever failed one), so this is a plain consumer rather than a
 * contract-checking KafkaBatchServer handler; offsets are committed after
 * the rows are written, and a record seen twice is stored once.
 */
@Injectable()
export class ScoreReadyDlqConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ScoreReadyDlqConsumer.name);
  private consumer?: Consumer;
  private stopping = false;

  constructor(
    private readonly kafka: Kafka,
    @Inject(KAFKA_SETTINGS) private readonly settings: KafkaSettings,
    private readonly deadLetters: DeadLettersRepository,
  ) {}

  onApplicationBootstrap(): void {
    void this.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.consumer?.disconnect().catch(() => undefined);
  }

  private async start(): Promise<void> {
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        const consumer = this.kafka.consumer({ groupId: `${this.settings.topicPrefix}${DEAD_LETTER_GROUP}`, retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 10_000 } });
        this.consumer = consumer;
        await consumer.connect();
        await consumer.subscribe({ topic: topicName(this.settings, deadLetterTopic(TOPICS.scoreReady)), fromBeginning: true });
        await consumer.run({
          eachBatchAutoResolve: false,
          eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary }) => {
            await this.store(batch.messages.map((m) => this.letterOf(batch.partition, m)));
            resolveOffset(batch.lastOffset());
            await commitOffsetsIfNecessary();
          },
        });
        return;
      } catch (error) {
        this.logger.warn({ err: error, attempt }, 'dead-letter consumer could not start; retrying');
        await this.consumer?.disconnect().catch(() => undefined);
        await sleep(Math.min(10_000, 500 * 2 ** attempt));
      }
    }
  }

  private async store(letters: IngestDeadLetter[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.deadLetters.recordIngest(letters);
      } catch (error) {
        if (this.stopping) throw error;
        this.logger.warn({ err: error, attempt }, 'could not record dead-lettered scores; retrying');
        await sleep(Math.min(10_000, 250 * 2 ** attempt));
      }
    }
  }

  private letterOf(partition: number, message: KafkaMessage): IngestDeadLetter {
    const header = (name: string) => message.headers?.[name]?.toString();
    const raw = message.value?.toString() ?? '';
    let payload: unknown;
    try {
      payload = JSON.parse(raw);
    } catch {
      payload = undefined;
    }
    const data = (payload as { data?: Record<string, unknown> } | undefined)?.data;
    const text = (v: unknown) => (typeof v === 'string' ? v.slice(0, 1000) : undefined);
    return {
      topic: stripPrefix(header(DLQ_HEADERS.originalTopic) ?? TOPICS.scoreReady, this.settings.topicPrefix),
      partition: Number(header(DLQ_HEADERS.originalPartition) ?? partition),
      offset: header(DLQ_HEADERS.originalOffset) ?? message.offset,
      reason: header(DLQ_HEADERS.error) ?? 'dead-lettered without a reason',
      raw,
      payload,
      identity: data && typeof data === 'object' ? { platformId: text(data.platformId), contextId: text(data.contextId), resourceLinkId: text(data.resourceLinkId), userId: text(data.userId) } : {},
    };
  }
}

function stripPrefix(topic: string, prefix: string): string {
  return prefix && topic.startsWith(prefix) ? topic.slice(prefix.length) : topic;
}
