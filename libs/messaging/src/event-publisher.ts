import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import { Counter, type Registry } from 'prom-client';
import { kafkaRefusal, type KafkaRefusals } from './kafka-refusal';
import { topicName, type KafkaSettings } from './kafka-settings';

/** A record's headers: names to text values. */
export type RecordHeaders = Readonly<Record<string, string>>;

export interface OutgoingRecord {
  key: string;
  value: unknown;
  headers?: RecordHeaders;
}

export class PublishTimeoutError extends Error {
  constructor(topic: string, ms: number) {
    super(`publishing to ${topic} did not complete within ${ms} ms`);
    this.name = 'PublishTimeoutError';
  }
}

/**
 * An awaitable, idempotent producer with acks=all: when publish() resolves,
 * the records are on every in-sync replica. A caller that must not wait on
 * a sick broker passes a timeout and falls back (the launch outbox does).
 */
export class EventPublisher {
  private readonly producer: Producer;
  private readonly produced?: Counter<'topic'>;
  private connecting?: Promise<void>;

  constructor(
    kafka: Kafka,
    private readonly settings: KafkaSettings,
    metrics?: Registry,
    /** Where a refusal (credentials, ACL, certificate) is reported until a send to that topic succeeds. */
    private readonly refusals?: KafkaRefusals,
  ) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      // Keys hash as in the Java client, so other producers keep a context on the same partition.
      createPartitioner: Partitioners.DefaultPartitioner,
      // Bounded so that a send during a long outage fails instead of hanging forever.
      retry: { retries: 12, initialRetryTime: 200, maxRetryTime: 5000 },
    });
    if (metrics) {
      this.produced = new Counter({ name: 'kafka_records_produced_total', help: 'Kafka records produced', labelNames: ['topic'], registers: [metrics] });
    }
  }

  connect(): Promise<void> {
    this.connecting ??= this.producer.connect().catch((error: unknown) => {
      this.connecting = undefined;
      throw error;
    });
    return this.connecting;
  }

  async publish(topic: string, records: OutgoingRecord[], options: { timeoutMs?: number } = {}): Promise<void> {
    if (records.length === 0) return;
    const messages = records.map((r) => ({ key: r.key, value: typeof r.value === 'string' ? r.value : JSON.stringify(r.value), headers: r.headers }));
    const send = this.connect().then(async () => {
      // In order, one send after the other: kafkajs puts a partition's records in one batch, and
      // the broker refuses a batch over message.max.bytes (1 MiB by default).
      for (const chunk of chunksOf(messages, MAX_SEND_BYTES)) {
        await this.producer.send({ topic: topicName(this.settings, topic), acks: -1, messages: chunk });
      }
    });
    try {
      if (options.timeoutMs === undefined) await send;
      else await withTimeout(send, options.timeoutMs, () => new PublishTimeoutError(topic, options.timeoutMs!));
    } catch (error) {
      const refusal = kafkaRefusal(error);
      if (refusal) this.refusals?.report(`producer to ${topic}`, refusal);
      throw error;
    }
    this.refusals?.clear(`producer to ${topic}`);
    this.produced?.inc({ topic }, records.length);
  }

  async disconnect(): Promise<void> {
    this.connecting = undefined;
    await this.producer.disconnect();
  }
}

/** Well under the broker's default message.max.bytes, with room for record overhead. */
const MAX_SEND_BYTES = 512 * 1024;

type Message = { key: string; value: string; headers?: RecordHeaders };

/** Consecutive runs of messages of about `maxBytes` at most (a larger message goes alone). */
function chunksOf(messages: Message[], maxBytes: number): Message[][] {
  const chunks: Message[][] = [];
  let chunk: Message[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = Buffer.byteLength(message.key) + Buffer.byteLength(message.value) + headerBytes(message.headers) + 64;
    if (chunk.length > 0 && bytes + size > maxBytes) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(message);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

function headerBytes(headers: RecordHeaders | undefined): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(headers ?? {})) bytes += name.length + value.length;
  return bytes;
}

export function withTimeout<T>(promise: Promise<T>, ms: number, error: () => Error): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(error()), ms);
  });
  promise.catch(() => undefined); // the loser of the race must not become an unhandled rejection
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
