import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { TOPICS } from '@app/contracts';
import { OutboxStore } from '@app/messaging';

/** ScoreDelivered / ScoreFailed events, kept in grading's outbox until its drainer has published them. */
@Injectable()
export class OutcomeOutboxRepository {
  constructor(private readonly outbox: OutboxStore) {}

  /**
   * Adds outcome events inside the caller's transaction (the one that records
   * the results they announce), in order: the drainer publishes them oldest
   * first, one replica at a time, so each row's outcomes reach Kafka in the
   * order they were written.
   */
  async append(tx: EntityManager, records: ReadonlyArray<{ key: string; event: unknown }>): Promise<void> {
    await this.outbox.append(
      records.map((r) => ({ topic: TOPICS.scoreDelivered, key: r.key, value: JSON.stringify(r.event) })),
      tx,
    );
  }
}
