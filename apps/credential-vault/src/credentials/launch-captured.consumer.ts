import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { TOPICS, type LaunchCapturedEvent } from '@app/contracts';
import type { BatchOutcome, InboundRecord } from '@app/messaging';
import { LaunchCaptureService } from './launch-capture.service';

/** LaunchCaptured from launch (consumer group `credential-vault`); records already passed the contract. */
@Controller()
export class LaunchCapturedConsumer {
  constructor(private readonly captures: LaunchCaptureService) {}

  @EventPattern(TOPICS.launchCaptured)
  async handle(@Payload() records: InboundRecord<LaunchCapturedEvent>[]): Promise<BatchOutcome> {
    const { rejected } = await this.captures.captureBatch(records.map((r) => ({ ref: r.offset, event: r.value })));
    return { rejected: rejected.map((r) => ({ offset: r.ref, reason: r.reason })) };
  }
}
