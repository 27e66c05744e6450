import { CustomTransportStrategy, Server } from '@nestjs/microservices';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type pino from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import { lastValueFrom } from 'rxjs';
import { z } from 'zod';
import { backoffDelay, sleep } from '@app/async';
import { TOPIC_SCHEMAS, type Topic } from '@app/contracts';
import { consumerHealth, type ConsumerState } from './consumer-health';
import { DeadLetterPublisher, type DeadLetter } from './dead-letter.publisher';
import type { EventPublisher } from './event-publisher';
import type { BatchOutcome, InboundRecord } from './inbound-record';
import { PermanentRecordError } from './inbound-record';
import { kafkaRefusal, type KafkaRefusals } from './kafka-refusal';
import { topicName, type KafkaSettings } from './kafka-settings';
import { isRecordDataError, isTransientError } from './transient-error';

export interface KafkaBatchServerOptions {
  kafka: Kafka;
  settings: KafkaSettings;
  publisher: EventPublisher;
  groupId: string;
  /** Topics this consumer group reads; each needs an `@EventPattern(topic)` handler taking `InboundRecord<T>[]`. */
  topics: Topic[];
  /**
   * Topics with no contract (a dead-letter topic holds whatever failed one):
   * their records reach the handler as `InboundRecord<Buffer>`, the bytes
   * untouched, never parsed nor dead-lettered for their content.
   */
  rawTopics?: string[];
  logger: pino.Logger;
  metrics?: Registry;
  /** Where this group reports that the cluster refuses it (credentials, ACLs, certificate), for readiness. */
  refusals?: KafkaRefusals;
  /** How often a record that fails on its own (not for transient reasons) is tried before it is dead-lettered. */
  maxAttempts?: number;
  maxBytesPerPartition?: number;
  /** The group session (30 s unless set) and heartbeat interval (3 s): how soon a dead member's partitions move to the others. */
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
}

/** How long a consumer may be down after a crash, starting again by itself, before /health/live reports it. */
const CRASH_GRACE_MS = 5 * 60_000;

/** Between tries of a failing batch or record: a floor, so a database that is down is not hammered. */
const retryDelayMs = (attempt: number) => backoffDelay(attempt, { baseMs: 500, maxMs: 30_000, jitter: 'equal' });

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
  private readonly consumed?: Counter<'topic' | 'group'>;
  private readonly deadLettered?: Counter<'topic' | 'group'>;
  private readonly lag?: Gauge<'topic' | 'partition' | 'group'>;
  private readonly running?: Gauge<'group'>;
  /** The partitions this process reported lag for: cleared when the group rebalances, as another member may own them now. */
  private readonly lagSeries = new Set<string>();
  private readonly log: pino.Logger;
  private refusedSince?: number;
  private refusedAttempts = 0;
  private crashedSince?: number;
  private crashRestarts = 0;
  /** The one pending start of a new consumer, whichever reason (refusal or crash) asked for it. */
  private startAgainTimer?: NodeJS.Timeout;
  private closing = false;

  constructor(private readonly options: KafkaBatchServerOptions) {
    super();
    this.deadLetters = new DeadLetterPublisher(options.publisher);
    this.state = consumerHealth.register(options.groupId);
    this.log = options.logger.child({ component: 'KafkaBatchServer', groupId: options.groupId });
    const registers = options.metrics ? [options.metrics] : [];
    if (options.metrics) {
      this.consumed = getOrCreate(options.metrics, 'kafka_records_consumed_total', () => new Counter({ name: 'kafka_records_consumed_total', help: 'Kafka records consumed', labelNames: ['topic', 'group'], registers }));
      this.deadLettered = getOrCreate(options.metrics, 'kafka_records_dead_lettered_total', () => new Counter({ name: 'kafka_records_dead_lettered_total', help: 'Kafka records sent to a dead-letter topic', labelNames: ['topic', 'group'], registers }));
      this.lag = getOrCreate(
        options.metrics,
        'kafka_consumer_lag_records',
        () => new Gauge({ name: 'kafka_consumer_lag_records', help: 'Records behind the high watermark, per partition this process owns (including the batch in hand)', labelNames: ['topic', 'partition', 'group'], registers }),
      );
      this.running = getOrCreate(options.metrics, 'kafka_consumer_running', () => new Gauge({ name: 'kafka_consumer_running', help: '1 while the consumer group member runs, 0 once it stopped or crashed for good', labelNames: ['group'], registers }));
    }
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      await this.start();
      callback();
    } catch (error) {
      const refusal = kafkaRefusal(error);
      if (!refusal) return callback(error);
      // The app still starts: its HTTP API and readiness say why it does not consume, and the
      // consumer gets in by itself once the credentials, ACL or certificate are fixed.
      this.waitOutRefusal(refusal);
      callback();
    }
  }

  private async start(): Promise<void> {
    const { groupId } = this.options;
    const topics: string[] = [...this.options.topics, ...(this.options.rawTopics ?? [])];
    for (const topic of topics) {
      if (!this.getHandlerByPattern(topic)) throw new Error(`no @EventPattern('${topic}') handler for consumer group ${groupId}`);
    }
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.connectAndRun();
      } catch (error) {
        // A topic created a moment ago may not be known to every broker yet (kafkajs marks such
        // errors retriable, e.g. UNKNOWN_TOPIC_OR_PARTITION): wait a little rather than fail the app.
        if ((error as { retriable?: unknown }).retriable !== true || attempt >= 10) throw error;
        this.log.warn({ err: error, attempt }, 'consumer could not subscribe yet; retrying');
        await this.consumer?.disconnect().catch(() => undefined);
        await sleep(backoffDelay(attempt, { baseMs: 250, maxMs: 2_500, jitter: 'equal' }));
      }
    }
  }

  private async connectAndRun(): Promise<void> {
    const { kafka, settings, groupId } = this.options;
    const topics: string[] = [...this.options.topics, ...(this.options.rawTopics ?? [])];
    const consumer = kafka.consumer({
      groupId,
      sessionTimeout: this.options.sessionTimeoutMs ?? 30000,
      heartbeatInterval: this.options.heartbeatIntervalMs ?? 3000,
      // kafkajs heartbeats from its fetch loop: an idle fetch must not wait longer than a heartbeat
      // interval, or a short session ends while the consumer merely waits for records.
      maxWaitTimeInMs: Math.min(5000, this.options.heartbeatIntervalMs ?? 5000),
      maxBytesPerPartition: this.options.maxBytesPerPartition ?? 1024 * 1024,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 10000 },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, () => this.clearLag());
    consumer.on(consumer.events.STOP, () => {
      this.running?.set({ group: groupId }, 0);
      this.clearLag();
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (consumer !== this.consumer) return;
      const refusal = payload.restart ? undefined : kafkaRefusal(payload.error);
      if (refusal) return this.waitOutRefusal(refusal);
      this.log.error({ err: payload.error, restart: payload.restart }, 'consumer crashed');
      if (payload.restart) return;
      this.running?.set({ group: groupId }, 0);
      // kafkajs gives up for good on some broker errors that heal by themselves (no group
      // coordinator while a restarted broker loads its groups): start again rather than stop.
      if (isTransientError(payload.error)) return this.restartAfterCrash(payload.error);
      this.state.crashed = true;
      this.state.reason = payload.error?.message;
    });
    consumer.on(consumer.events.GROUP_JOIN, () => {
      if (this.crashedSince !== undefined) {
        this.log.info({ downForMs: Date.now() - this.crashedSince }, 'consumer is back in its group after a crash');
        this.crashedSince = undefined;
        this.crashRestarts = 0;
        this.state.crashed = false;
        this.state.reason = undefined;
      }
      if (this.refusedSince === undefined) return;
      this.log.info({ refusedForMs: Date.now() - this.refusedSince }, 'the broker lets this consumer group in again');
      this.refusedSince = undefined;
      this.refusedAttempts = 0;
      this.options.refusals?.clear(this.refusalSource);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: topics.map((t) => topicName(settings, t)), fromBeginning: true });
    await consumer.run({ eachBatchAutoResolve: false, autoCommitInterval: 1000, eachBatch: (payload) => this.eachBatch(payload) });
    this.running?.set({ group: groupId }, 1);
  }

  private get refusalSource(): string {
    return `consumer group ${this.options.groupId}`;
  }

  /**
   * Credentials, an ACL or a certificate the broker refuses do not heal with a
   * restart, so the pod is not failed for them (that would be a crash loop):
   * the group is reported on readiness and in the log, and tried again with
   * backoff. Nothing is lost meanwhile: the records wait on the topic.
   */
  private waitOutRefusal(reason: string): void {
    if (this.closing) return;
    this.refusedSince ??= Date.now();
    this.refusedAttempts += 1;
    this.options.refusals?.report(this.refusalSource, reason);
    const retryInMs = this.startAgainAfter(this.refusedAttempts);
    this.log.error({ reason, topics: this.options.topics, retryInMs }, 'Kafka refuses this consumer group; it is not consuming until that is fixed');
  }

  /**
   * Starts the consumer again after a crash kafkajs does not recover from,
   * with backoff, for as long as it takes. Down longer than
   * CRASH_GRACE_MS, the group is reported on /health/live as well, so an
   * orchestrator replaces the process if starting again here never works.
   */
  private restartAfterCrash(error: unknown): void {
    if (this.closing) return;
    this.crashedSince ??= Date.now();
    this.crashRestarts += 1;
    if (Date.now() - this.crashedSince > CRASH_GRACE_MS) {
      this.state.crashed = true;
      this.state.reason = error instanceof Error ? error.message : String(error);
    }
    const retryInMs = this.startAgainAfter(this.crashRestarts);
    this.log.warn({ retryInMs, restarts: this.crashRestarts }, 'starting the consumer again after a crash');
  }

  /** Schedules startAgain() after the backoff for this attempt, replacing any start already pending. */
  private startAgainAfter(attempt: number): number {
    const retryInMs = backoffDelay(attempt, { baseMs: 1000, maxMs: 30_000, jitter: 'equal' });
    clearTimeout(this.startAgainTimer);
    this.startAgainTimer = setTimeout(() => void this.startAgain(), retryInMs);
    return retryInMs;
  }

  /**
   * A new consumer for the group, after a refusal or a crash: still refused,
   * it waits that out again; failing for any other reason, it backs off as
   * after a crash.
   */
  private async startAgain(): Promise<void> {
    if (this.closing) return;
    await this.consumer?.disconnect().catch(() => undefined);
    try {
      await this.connectAndRun();
    } catch (error) {
      const refusal = kafkaRefusal(error);
      if (refusal) this.waitOutRefusal(refusal);
      else this.restartAfterCrash(error);
    }
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, commitOffsetsIfNecessary } = payload;
    if (batch.messages.length === 0) return;
    const topic = batch.topic.slice(this.options.settings.topicPrefix.length) as Topic;
    const raw = this.options.rawTopics?.includes(topic) ?? false;
    // Lag counts the batch in hand until it is done, so a batch retried for long shows as lag, not as 0.
    this.setLag(topic, batch.partition, Number(batch.offsetLagLow()) + 1);
    const schema = TOPIC_SCHEMAS[topic];
    const valid: Array<InboundRecord<unknown> & { message: KafkaMessage }> = [];
    const invalid: DeadLetter[] = [];
    for (const message of batch.messages) {
      const parsed: Parsed = raw ? { ok: true, value: message.value ?? Buffer.alloc(0) } : parseRecord(schema, message);
      if (parsed.ok) valid.push({ topic, partition: batch.partition, offset: message.offset, key: message.key?.toString() ?? null, headers: headersOf(message), value: parsed.value, message });
      else invalid.push({ topic, partition: batch.partition, message, reason: parsed.reason, attempts: 1, firstFailureAt: new Date() });
    }
    // kafkajs heartbeats between batches only: keep the session alive while a long batch is handled,
    // so a short session (a quick takeover after a crash) never ends on a slow database write.
    const heartbeats = setInterval(() => void payload.heartbeat().catch(() => undefined), this.options.heartbeatIntervalMs ?? 3000);
    try {
      if (invalid.length) await this.deadLetter(invalid);
      if (valid.length) await this.handle(topic, valid, payload);
    } finally {
      clearInterval(heartbeats);
    }
    resolveOffset(batch.lastOffset());
    await commitOffsetsIfNecessary();
    this.consumed?.inc({ topic, group: this.options.groupId }, batch.messages.length);
    this.setLag(topic, batch.partition, Number(batch.offsetLag()));
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
        await this.pause(payload, retryDelayMs(attempt));
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
        // A value the database refuses (invalid byte sequence, out of range, too large for an index) will be refused on every try.
        const permanent = error instanceof PermanentRecordError || isRecordDataError(error);
        if (permanent || (!isTransientError(error) && attempt >= maxAttempts)) {
          const reason = error instanceof Error ? error.message : String(error);
          await this.deadLetter([{ topic, partition: record.partition, message: record.message, reason, attempts: attempt, firstFailureAt }]);
          return;
        }
        this.log.warn({ err: error, topic, offset: record.offset, eventId: eventIdOf(record.value), attempt }, 'record failed; retrying');
        await this.pause(payload, retryDelayMs(attempt));
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
      this.deadLettered?.inc({ topic: l.topic, group: this.options.groupId });
      this.log.warn({ topic: l.topic, partition: l.partition, offset: l.message.offset, eventId: eventIdOf(l.message.value), reason: l.reason, attempts: l.attempts }, 'record dead-lettered');
    }
  }

  private setLag(topic: Topic, partition: number, records: number): void {
    if (!this.lag) return;
    this.lagSeries.add(JSON.stringify([topic, partition]));
    this.lag.set({ topic, partition: String(partition), group: this.options.groupId }, Math.max(0, records));
  }

  private clearLag(): void {
    for (const series of this.lagSeries) {
      const [topic, partition] = JSON.parse(series) as [string, number];
      this.lag?.remove({ topic, partition: String(partition), group: this.options.groupId });
    }
    this.lagSeries.clear();
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
    this.closing = true;
    clearTimeout(this.startAgainTimer);
    await this.consumer?.disconnect();
    this.clearLag();
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
