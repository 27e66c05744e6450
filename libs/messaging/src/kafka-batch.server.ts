import { CustomTransportStrategy, Server } from '@nestjs/microservices';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type pino from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import { lastValueFrom } from 'rxjs';
import { z } from 'zod';
import { TOPIC_SCHEMAS, type Topic } from '@app/contracts';
import { consumerHealth, type ConsumerState } from './consumer-health';
import { DeadLetterPublisher, type DeadLetter } from './dead-letter.publisher';
import type { EventPublisher } from './event-publisher';
import type { BatchOutcome, InboundRecord } from './inbound-record';
import { PermanentRecordError } from './inbound-record';
import { topicName, type KafkaSettings } from './kafka-settings';
import { isTransientError } from './transient-error';

export interface KafkaBatchServerOptions {
  kafka: Kafka;
  settings: KafkaSettings;
  publisher: EventPublisher;
  groupId: string;
  /** Topics this consumer group reads; each needs an `@EventPattern(topic)` handler taking `InboundRecord<T>[]`. */
  topics: Topic[];
  logger: pino.Logger;
  metrics?: Registry;
  /** How often a record that fails on its own (not for transient reasons) is tried before it is dead-lettered. */
  maxAttempts?: number;
  maxBytesPerPartition?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const backoffMs = (attempt: number) => Math.min(30_000, 250 * 2 ** Math.min(attempt, 8)) * (0.5 + Math.random() / 2);

/**
 * A Nest microservice transport over kafkajs that hands handlers whole,
 * validated batches. Its rules:
 * - a record that fails its topic's contract is dead-lettered, never handed on;
 * - a record that keeps failing on its own is dead-lettered after maxAttempts,
 *   with the attempt count and first failure time in its headers;
 * - infrastructure failures (database or broker down) are retried with backoff
 *   for as long as they last and never dead-letter anything;
 * - an offset is resolved only after the record's effect or its dead letter is durable.
 */
export class KafkaBatchServer extends Server implements CustomTransportStrategy {
  private consumer?: Consumer;
  private readonly deadLetters: DeadLetterPublisher;
  private readonly state: ConsumerState;
  private readonly consumed?: Counter<'topic'>;
  private readonly deadLettered?: Counter<'topic'>;
  private readonly lag?: Gauge<'topic' | 'partition'>;
  private readonly log: pino.Logger;

  constructor(private readonly options: KafkaBatchServerOptions) {
    super();
    this.deadLetters = new DeadLetterPublisher(options.publisher);
    this.state = consumerHealth.register(options.groupId);
    this.log = options.logger.child({ component: 'KafkaBatchServer', groupId: options.groupId });
    const registers = options.metrics ? [options.metrics] : [];
    if (options.metrics) {
      this.consumed = getOrCreate(options.metrics, 'kafka_records_consumed_total', () => new Counter({ name: 'kafka_records_consumed_total', help: 'Kafka records consumed', labelNames: ['topic'], registers }));
      this.deadLettered = getOrCreate(options.metrics, 'kafka_records_dead_lettered_total', () => new Counter({ name: 'kafka_records_dead_lettered_total', help: 'Kafka records sent to a dead-letter topic', labelNames: ['topic'], registers }));
      this.lag = getOrCreate(options.metrics, 'kafka_consumer_lag', () => new Gauge({ name: 'kafka_consumer_lag', help: 'Records behind the high watermark, per partition', labelNames: ['topic', 'partition'], registers }));
    }
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      await this.start();
      callback();
    } catch (error) {
      callback(error);
    }
  }

  private async start(): Promise<void> {
    const { kafka, settings, groupId, topics } = this.options;
    for (const topic of topics) {
      if (!this.getHandlerByPattern(topic)) throw new Error(`no @EventPattern('${topic}') handler for consumer group ${groupId}`);
    }
    this.consumer = kafka.consumer({
      groupId,
      sessionTimeout: 30000,
      heartbeatInterval: 3000,
      maxBytesPerPartition: this.options.maxBytesPerPartition ?? 1024 * 1024,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 10000 },
    });
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) {
        this.state.crashed = true;
        this.state.reason = payload.error?.message;
      }
      this.log.error({ err: payload.error, restart: payload.restart }, 'consumer crashed');
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: topics.map((t) => topicName(settings, t)), fromBeginning: true });
    await this.consumer.run({ eachBatchAutoResolve: false, autoCommitInterval: 1000, eachBatch: (payload) => this.eachBatch(payload) });
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, commitOffsetsIfNecessary } = payload;
    if (batch.messages.length === 0) return;
    const topic = batch.topic.slice(this.options.settings.topicPrefix.length) as Topic;
    const schema = TOPIC_SCHEMAS[topic];
    const valid: Array<InboundRecord<unknown> & { message: KafkaMessage }> = [];
    const invalid: DeadLetter[] = [];
    for (const message of batch.messages) {
      const parsed = parseRecord(schema, message);
      if (parsed.ok) valid.push({ topic, partition: batch.partition, offset: message.offset, key: message.key?.toString() ?? null, headers: headersOf(message), value: parsed.value, message });
      else invalid.push({ topic, partition: batch.partition, message, reason: parsed.reason, attempts: 1, firstFailureAt: new Date() });
    }
    if (invalid.length) await this.deadLetter(invalid);
    if (valid.length) await this.handle(topic, valid, payload);
    resolveOffset(batch.lastOffset());
    await commitOffsetsIfNecessary();
    this.consumed?.inc({ topic }, batch.messages.length);
    this.lag?.set({ topic, partition: String(batch.partition) }, Number(batch.offsetLag()));
  }

  private async handle(topic: Topic, records: Array<InboundRecord<unknown> & { message: KafkaMessage }>, payload: EachBatchPayload): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await this.invoke(topic, records);
        const rejected = new Map((outcome?.rejected ?? []).map((r) => [r.offset, r.reason]));
        if (rejected.size) {
          await this.deadLetter(records.filter((r) => rejected.has(r.offset)).map((r) => ({ topic, partition: r.partition, message: r.message, reason: rejected.get(r.offset)!, attempts: 1, firstFailureAt: new Date() })));
        }
        return;
      } catch (error) {
        this.assertStillOwner(payload, error);
        if (!isTransientError(error) && records.length > 1) {
          // Find the record at fault: the others must not wait on it.
          for (const record of records) await this.handleOne(topic, record, payload);
          return;
        }
        if (!isTransientError(error)) return this.handleOne(topic, records[0], payload);
        this.log.warn({ err: error, topic, attempt, records: records.length }, 'batch failed for a transient reason; retrying');
        await this.pause(payload, backoffMs(attempt));
      }
    }
  }

  private async handleOne(topic: Topic, record: InboundRecord<unknown> & { message: KafkaMessage }, payload: EachBatchPayload): Promise<void> {
    const maxAttempts = this.options.maxAttempts ?? 5;
    const firstFailureAt = new Date();
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await this.invoke(topic, [record]);
        const reason = outcome?.rejected?.find((r) => r.offset === record.offset)?.reason;
        if (reason) await this.deadLetter([{ topic, partition: record.partition, message: record.message, reason, attempts: attempt, firstFailureAt }]);
        return;
      } catch (error) {
        this.assertStillOwner(payload, error);
        const permanent = error instanceof PermanentRecordError;
        if (permanent || (!isTransientError(error) && attempt >= maxAttempts)) {
          const reason = error instanceof Error ? error.message : String(error);
          await this.deadLetter([{ topic, partition: record.partition, message: record.message, reason, attempts: attempt, firstFailureAt }]);
          return;
        }
        this.log.warn({ err: error, topic, offset: record.offset, eventId: eventIdOf(record.value), attempt }, 'record failed; retrying');
        await this.pause(payload, backoffMs(attempt));
      }
    }
  }

  private async invoke(topic: Topic, records: InboundRecord<unknown>[]): Promise<BatchOutcome | undefined> {
    const handler = this.getHandlerByPattern(topic)!;
    const plain = records.map(({ message: _m, ...record }: InboundRecord<unknown> & { message?: KafkaMessage }) => record);
    return lastValueFrom(this.transformToObservable(await handler(plain)), { defaultValue: undefined }) as Promise<BatchOutcome | undefined>;
  }

  private async deadLetter(letters: DeadLetter[]): Promise<void> {
    // If this throws, the batch is not resolved and is read again: a dead letter is durable before we move past it.
    await this.deadLetters.send(letters);
    for (const l of letters) {
      this.deadLettered?.inc({ topic: l.topic });
      this.log.warn({ topic: l.topic, partition: l.partition, offset: l.message.offset, eventId: eventIdOf(l.message.value), reason: l.reason, attempts: l.attempts }, 'record dead-lettered');
    }
  }

  /** Stop retrying once the partition was reassigned or the consumer is stopping: the next owner reads it again. */
  private assertStillOwner(payload: EachBatchPayload, error: unknown): void {
    if (!payload.isRunning() || payload.isStale()) throw error;
  }

  private async pause(payload: EachBatchPayload, ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (Date.now() < until && payload.isRunning() && !payload.isStale()) {
      await sleep(Math.min(1000, until - Date.now()));
      await payload.heartbeat().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.consumer?.disconnect();
    consumerHealth.unregister(this.options.groupId);
  }

  on(): never {
    throw new Error('KafkaBatchServer does not emit events');
  }

  unwrap<T>(): T {
    return this.consumer as T;
  }
}

type Parsed = { ok: true; value: unknown } | { ok: false; reason: string };

function parseRecord(schema: z.ZodType, message: KafkaMessage): Parsed {
  let json: unknown;
  try {
    json = JSON.parse(message.value?.toString() ?? '');
  } catch (error) {
    return { ok: false, reason: `invalid JSON: ${(error as Error).message}` };
  }
  const result = schema.safeParse(json);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, reason: result.error.issues.map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`).join('; ') };
}

/** The CloudEvent id of a record (parsed, or raw bytes that may not parse), so its log lines can be found by event. */
function eventIdOf(value: unknown): string | undefined {
  try {
    const event = Buffer.isBuffer(value) ? (JSON.parse(value.toString()) as unknown) : value;
    const id = event && typeof event === 'object' ? (event as { id?: unknown }).id : undefined;
    return typeof id === 'string' ? id.slice(0, 200) : undefined;
  } catch {
    return undefined;
  }
}

function headersOf(message: KafkaMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) if (value !== undefined) out[name] = value.toString();
  return out;
}

function getOrCreate<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}
