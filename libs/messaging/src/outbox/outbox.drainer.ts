import type pino from 'pino';
import { backoffDelay, sleep, Wakeup } from '@app/async';
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
  /** The wait after a first failed pass (twice intervalMs unless set); it doubles with each failure in a row. */
  retryBaseMs?: number;
  /** The longest wait between failed passes (30 s unless set). */
  retryMaxMs?: number;
  /**
   * After a pass that published less than a full batch, the least wait before the next one,
   * however soon it is woken: records written meanwhile then go out together (0 unless set).
   */
  gatherMs?: number;
}

/**
 * Publishes what the outbox holds, oldest first, in the background. A record
 * leaves the table only once Kafka has acknowledged it; a failed pass is
 * retried with backoff. Several replicas may run one; they take turns.
 */
export class OutboxDrainer {
  private running = false;
  private loop?: Promise<void>;
  private readonly wakeup = new Wakeup();
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

  /** Ends the current or next wait early (new records were just written): a wake during a pass is not lost. */
  wake(): void {
    this.wakeup.wake();
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
          // A wake that comes meanwhile is kept: the wait below then ends at once.
          else if (this.options.gatherMs) await sleep(this.options.gatherMs);
        } else if (!busy) {
          this.failures = 0;
          await this.options.onEmpty?.();
        }
      } catch (error) {
        this.failures++;
        delay = backoffDelay(this.failures, { baseMs: this.options.retryBaseMs ?? this.options.intervalMs * 2, maxMs: this.options.retryMaxMs ?? 30_000, jitter: 'equal' });
        this.options.logger.warn({ err: error, attempt: this.failures, retryInMs: delay }, 'outbox pass failed; records stay in the outbox');
        await this.store.noteFailure(this.options.batchSize, error instanceof Error ? error.message : String(error)).catch(() => undefined);
      }
      if (delay > 0 && this.running) await this.wakeup.wait(delay);
    }
  }
}
