import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { TOPICS } from '@app/contracts';
import { EventPublisher } from '@app/messaging';
import { sleep, Wakeup } from '../common/wakeup';
import { OutcomeOutboxRepository } from './outcome-outbox.repository';

const BATCH = 500;
const IDLE_MS = 1_000;

/**
 * Publishes delivery outcomes on `grading.score-delivered.v1`, in batches,
 * from the outbox the delivery results were recorded with: an outcome is
 * never lost to a broker outage, only delayed.
 */
@Injectable()
export class OutcomePublisher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OutcomePublisher.name);
  private readonly wakeup = new Wakeup();
  private stopping = false;
  private loop?: Promise<void>;

  constructor(
    private readonly outbox: OutcomeOutboxRepository,
    private readonly publisher: EventPublisher,
  ) {}

  onApplicationBootstrap(): void {
    this.loop = this.run();
  }

  /** New outcomes were recorded. */
  nudge(): void {
    this.wakeup.wake();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.wakeup.wake();
    await this.loop;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      try {
        const published = await this.outbox.drain(BATCH, (records) => this.publisher.publish(TOPICS.scoreDelivered, records, { timeoutMs: 15_000 }));
        failures = 0;
        if (published < BATCH) await this.wakeup.wait(IDLE_MS);
      } catch (error) {
        failures++;
        this.logger.warn({ err: error, failures }, 'could not publish delivery outcomes; retrying');
        await sleep(Math.min(10_000, 250 * 2 ** failures));
      }
    }
  }
}
