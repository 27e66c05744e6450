import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { TOPICS, type ScoreReadyEvent } from '@app/contracts';
import type { InboundRecord } from '@app/messaging';
import { LedgerService } from '../ledger/ledger.service';

/**
 * `grading.score-ready.v1` into the ledger, a whole batch per transaction.
 * Records reach here already validated (invalid ones were dead-lettered by
 * the transport); the offsets are committed after this resolves, i.e. after
 * the ledger write is durable.
 */
@Controller()
export class ScoreReadyConsumer {
  constructor(private readonly ledger: LedgerService) {}

  @EventPattern(TOPICS.scoreReady)
  async handle(@Payload() records: InboundRecord<ScoreReadyEvent>[]): Promise<void> {
    await this.ledger.record(records.map((r) => ({ eventId: r.value.id, source: r.value.source, data: r.value.data })));
  }
}
