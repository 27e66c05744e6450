import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { TOPICS, type LaunchCapturedEvent } from '@app/contracts';
import type { InboundRecord } from '@app/messaging';
import { ContextsService } from './contexts.service';

/**
 * `lti.launch-captured.v1` (consumer group `grading-launches`): what each
 * launch says about its activity's grade and roster services. The sealed
 * serviceKey is the vault's business and is never opened here.
 */
@Controller()
export class LaunchCapturedConsumer {
  constructor(private readonly contexts: ContextsService) {}

  @EventPattern(TOPICS.launchCaptured)
  async handle(@Payload() records: InboundRecord<LaunchCapturedEvent>[]): Promise<void> {
    await this.contexts.recordLaunches(
      records.map(({ value: { id, data } }) => ({
        eventId: id,
        platformId: data.platformId,
        contextId: data.contextId,
        resourceLinkId: data.resourceLinkId,
        launchedAt: data.launchedAt,
        agsAvailable: data.services.assignmentAndGrades.available,
        agsLineItemId: data.services.assignmentAndGrades.lineItemId ?? null,
        nrpsAvailable: data.services.namesAndRoles.available,
      })),
    );
  }
}
