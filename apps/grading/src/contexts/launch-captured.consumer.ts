import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { TOPICS, type LaunchCapturedEvent } from '@app/contracts';
import type { BatchOutcome, InboundRecord } from '@app/messaging';
import { ContextsService } from './contexts.service';

/**
 * `lti.launch-captured.v1` (consumer group `grading-launches`): what each
 * launch says about its activity's grade and roster services. The sealed
 * serviceKey is the vault's business and is never opened here; launch's
 * signature over it is checked, and a launch that does not verify is a
 * dead letter.
 */
@Controller()
export class LaunchCapturedConsumer {
  constructor(private readonly contexts: ContextsService) {}

  @EventPattern(TOPICS.launchCaptured)
  async handle(@Payload() records: InboundRecord<LaunchCapturedEvent>[]): Promise<BatchOutcome> {
    const { rejected } = await this.contexts.recordCaptured(records.map((r) => ({ ref: r.offset, event: r.value })));
    return { rejected: rejected.map((r) => ({ offset: r.ref, reason: r.reason })) };
  }
}
