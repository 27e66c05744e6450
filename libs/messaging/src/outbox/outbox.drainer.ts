import type pino from 'pino';
import type { EventPublisher } from '../event-publisher';
import type { OutboxStore } from './outbox.store';
import { publishInOrder } from './publish-in-order';

export interface OutboxDrainerOptions {
  /** How often to look at the table when nothing is known to be waiting. */
  intervalMs: number;
  batchSize: number;
  publishTimeoutMs: number;
  /** The advisory lock key (see advisoryLockKey in @app/database) shared by every replica of the app. */
  lockKey: string;
  logger: pino.Logger;
  /** Called after a pass that found the table empty. */
  onEmpty?: () => Promise<void> | void;
  /** Called with the number of records published by a pass. */
  onDrained?: (count: number) => void;
}

const MAX_BACKOFF_MS = 30_000;

/**
 * Publishes what the outbox holds, oldest first, in the background. A record
 * leaves the table only once Kafka has acknowledged it; a failed pass is
 * retried with backoff. Several replicas may run one; they take turns.
 */
export class OutboxDrainer {
  private running = false;
  private loop?: Promise<void>;
  private sleeping?: { timer: NodeJS.Timeout; wake: () => void };
  private failures = 0;

  constructor(
    private readonly store: OutboxStore,
    private readonly publisher: EventPublisher,
    private readonly options: OutboxDrainerOptions,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Ends the next sleep early (new records were just written). */
  wake(): void {
    this.sleeping?.wake();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
  }

  /** One pass: publishes up to batchSize records. Exposed for tests and tools. */
  async drainOnce(): Promise<{ drained: number; busy: boolean }> {
    return this.store.drain(this.options.batchSize, this.options.lockKey, (records) => publishInOrder(this.publisher, records, this.options.publishTimeoutMs));
  }

  private async run(): Promise<void> {
    while (this.running) {
      let delay = this.options.intervalMs;
      try {
        const { drained, busy } = await this.drainOnce();
        if (drained > 0) {
          this.options.onDrained?.(drained);
          if (this.failures > 0) this.options.logger.info({ drained }, 'outbox publishing again');
          this.failures = 0;
          if (drained >= this.options.batchSize) delay = 0;
        } else if (!busy) {
          this.failures = 0;
          await this.options.onEmpty?.();
        }
      } catch (error) {
        this.failures++;
        delay = Math.min(MAX_BACKOFF_MS, this.options.intervalMs * 2 ** Math.min(this.failures, 6));
        this.options.logger.warn({ err: error, attempt: this.failures, retryInMs: delay }, 'outbox pass failed; records stay in the outbox');
        await this.store.noteFailure(this.options.batchSize, error instanceof Error ? error.message : String(error)).catch(() => undefined);
      }
      if (delay > 0 && this.running) await this.sleep(delay);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleeping = undefined;
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleeping = { timer, wake };
    });
  }
}
