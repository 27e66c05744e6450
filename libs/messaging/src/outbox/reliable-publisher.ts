import type pino from 'pino';
import type { EventPublisher } from '../event-publisher';
import type { OutboxDrainer } from './outbox.drainer';
import type { OutboxRecord, OutboxStore } from './outbox.store';
import { publishInOrder } from './publish-in-order';

export interface ReliablePublisherOptions {
  /** How long a record may wait for others to share its Kafka request. */
  lingerMs: number;
  /** Most records per Kafka request. */
  maxBatch: number;
  /** How long a Kafka request may take before its records go to the outbox instead. */
  publishTimeoutMs: number;
  logger: pino.Logger;
  /** Counts where records went, for metrics. */
  onRouted?: (route: 'kafka' | 'outbox', count: number) => void;
}

export interface PublishRequest {
  topic: string;
  key: string;
  /** A string is sent as is; anything else as JSON. */
  value: unknown;
  headers?: Record<string, string>;
}

/** Where a record went: acknowledged by Kafka, or durable in the outbox for the drainer. */
export type PublishRoute = 'kafka' | 'outbox';

interface Pending {
  record: OutboxRecord;
  resolve: (route: PublishRoute) => void;
  reject: (error: unknown) => void;
}

/**
 * Publishes so that the caller never waits on a sick broker for long:
 * records arriving within `lingerMs` share one Kafka request (one in flight
 * at a time; what arrives meanwhile forms the next batch); a request that
 * fails or outlasts `publishTimeoutMs` puts its records in the outbox table,
 * and from then on every record goes there too until the drainer has
 * emptied it, so records leave this process in the order they came.
 * `send` resolves once the record is acknowledged or durable in the outbox.
 */
export class ReliablePublisher {
  private pending: Pending[] = [];
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  /** True while the outbox may hold records: new ones must queue behind them. */
  private backlog = true;
  private outboxWrites = 0;
  private outboxWritesInFlight = 0;
  private stopped = false;

  constructor(
    private readonly publisher: EventPublisher,
    private readonly store: OutboxStore,
    private readonly drainer: OutboxDrainer,
    private readonly options: ReliablePublisherOptions,
  ) {}

  /** Whether records currently go to the outbox first. */
  get routingThroughOutbox(): boolean {
    return this.backlog;
  }

  /** Learns whether the outbox holds records from an earlier run, then starts draining. */
  async start(): Promise<void> {
    // Connect ahead of the first record, without making boot wait on the broker.
    this.publisher.connect().catch((error: unknown) => this.options.logger.warn({ err: error }, 'Kafka not reachable at start; records wait in the outbox until it is'));
    try {
      this.backlog = !(await this.store.isEmpty());
    } catch (error) {
      this.backlog = true;
      this.options.logger.warn({ err: error }, 'cannot read the outbox at start; routing through it until it can be drained');
    }
    this.drainer.start();
  }

  /** Sends what is queued, then stops the drainer. */
  async stop(): Promise<void> {
    this.stopped = true;
    while (this.pending.length || this.flushing) await this.flush();
    await this.drainer.stop();
  }

  send(request: PublishRequest): Promise<PublishRoute> {
    const record: OutboxRecord = {
      topic: request.topic,
      key: request.key,
      value: typeof request.value === 'string' ? request.value : JSON.stringify(request.value),
      headers: request.headers,
    };
    return new Promise<PublishRoute>((resolve, reject) => {
      this.pending.push({ record, resolve, reject });
      this.schedule();
    });
  }

  /**
   * Called by the drainer after a pass that found the outbox empty. The
   * backlog ends only if no outbox write started or was running meanwhile.
   */
  async outboxSeenEmpty(): Promise<void> {
    if (!this.backlog || this.outboxWritesInFlight > 0) return;
    const writes = this.outboxWrites;
    const empty = await this.store.isEmpty();
    if (empty && writes === this.outboxWrites && this.outboxWritesInFlight === 0 && this.backlog) {
      this.backlog = false;
      this.options.logger.info('outbox empty; publishing straight to Kafka again');
    }
  }

  private schedule(): void {
    if (this.flushing) return; // the running flush picks the queue up when it ends
    if (this.pending.length >= this.options.maxBatch || this.stopped || this.options.lingerMs <= 0) {
      void this.flush();
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.options.lingerMs);
  }

  private flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const batch = this.pending.splice(0, this.options.maxBatch);
    if (batch.length === 0) return Promise.resolve();
    this.flushing = this.deliver(batch).finally(() => {
      this.flushing = undefined;
      // Whatever queued during this request has already waited; send it now.
      if (this.pending.length) void this.flush();
    });
    return this.flushing;
  }

  private async deliver(batch: Pending[]): Promise<void> {
    if (!this.backlog) {
      try {
        await publishInOrder(this.publisher, batch.map((p) => p.record), this.options.publishTimeoutMs);
        this.options.onRouted?.('kafka', batch.length);
        for (const p of batch) p.resolve('kafka');
        return;
      } catch (error) {
        if (!this.backlog) this.options.logger.warn({ err: error, records: batch.length }, 'Kafka did not acknowledge in time; routing records through the outbox');
        this.backlog = true;
      }
    }
    this.outboxWrites++;
    this.outboxWritesInFlight++;
    try {
      await this.store.append(batch.map((p) => p.record));
      this.options.onRouted?.('outbox', batch.length);
      for (const p of batch) p.resolve('outbox');
      this.drainer.wake();
    } catch (error) {
      for (const p of batch) p.reject(error);
    } finally {
      this.outboxWritesInFlight--;
    }
  }
}
