import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { EVENT_SOURCES, TOPICS, type ScoreReadyEvent } from '@app/contracts';
import type { BatchOutcome, InboundRecord } from '@app/messaging';
import { LedgerService } from '../ledger/ledger.service';
import { ScoreAdmission } from './score-admission';

/**
 * `grading.score-ready.v1` into the ledger, a whole batch per transaction.
 * Records reach here already validated (invalid ones were dead-lettered by
 * the transport); one whose timestamp is too far ahead of this clock is
 * refused here and dead-lettered with the reason. The offsets are committed
 * after this resolves, i.e. after the ledger write is durable.
 */
@Controller()
export class ScoreReadyConsumer {
  constructor(
    private readonly ledger: LedgerService,
    private readonly admission: ScoreAdmission,
  ) {}

  @EventPattern(TOPICS.scoreReady)
  async handle(@Payload() records: InboundRecord<ScoreReadyEvent>[]): Promise<BatchOutcome> {
    const rejected: NonNullable<BatchOutcome['rejected']> = [];
    const admitted: InboundRecord<ScoreReadyEvent>[] = [];
    for (const record of records) {
      const issue = this.admission.issue(record.value.data);
      if (issue) rejected.push({ offset: record.offset, reason: `data.${issue}` });
      else admitted.push(record);
    }
    if (admitted.length) {
      await this.ledger.record(
        admitted.map(({ value }) => ({
          eventId: value.id,
          source: value.source,
          data: value.data,
          // Only grading's own HTTP ingest vouches for who submitted an event; a grader publishing to Kafka has no key handle.
          ...(value.source === EVENT_SOURCES.gradingHttpIngest && value.submittedby ? { submittedBy: value.submittedby } : {}),
          ...(value.correlationid ? { correlationId: value.correlationid } : {}),
        })),
      );
    }
    return { rejected };
  }
}
