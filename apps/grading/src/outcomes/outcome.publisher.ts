import { Injectable } from '@nestjs/common';
import { OutboxDrainer } from '@app/messaging';

/**
 * Publishes delivery outcomes on `grading.score-delivered.v1` from the outbox
 * the delivery results were recorded with: an outcome is never lost to a
 * broker outage, only delayed. The outbox's drainer does the publishing
 * (started and stopped with the app); this only tells it when to look.
 */
@Injectable()
export class OutcomePublisher {
  constructor(private readonly drainer: OutboxDrainer) {}

  /** New outcomes were recorded. */
  nudge(): void {
    this.drainer.wake();
  }
}
