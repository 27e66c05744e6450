import { Module } from '@nestjs/common';
import { OutcomeOutboxRepository } from './outcome-outbox.repository';
import { OutcomePublisher } from './outcome.publisher';

@Module({
  providers: [OutcomeOutboxRepository, OutcomePublisher],
  exports: [OutcomePublisher],
})
export class OutcomesModule {}
