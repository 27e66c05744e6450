import { Partitioners, type IHeaders, type Kafka, type Producer } from 'kafkajs';
import { Counter, type Registry } from 'prom-client';
import { topicName, type KafkaSettings } from './kafka-settings';

export interface OutgoingRecord {
  key: string;
  value: unknown;
  headers?: IHeaders;
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

  constructor(kafka: Kafka, private readonly settings: KafkaSettings, metrics?: Registry) {
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
    const send = this.connect().then(() =>
      this.producer.send({
        topic: topicName(this.settings, topic),
        acks: -1,
        messages: records.map((r) => ({ key: r.key, value: typeof r.value === 'string' ? r.value : JSON.stringify(r.value), headers: r.headers })),
      }),
    );
    if (options.timeoutMs === undefined) await send;
    else await withTimeout(send, options.timeoutMs, () => new PublishTimeoutError(topic, options.timeoutMs!));
    this.produced?.inc({ topic }, records.length);
  }

  async disconnect(): Promise<void> {
    this.connecting = undefined;
    await this.producer.disconnect();
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number, error: () => Error): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(error()), ms);
  });
  promise.catch(() => undefined); // the loser of the race must not become an unhandled rejection
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
