import { Module } from '@nestjs/common';
import { advisoryLockKey } from '@app/database';
import { OutboxModule } from '@app/messaging';
import { OutcomeOutboxRepository } from './outcome-outbox.repository';
import { OutcomePublisher } from './outcome.publisher';

@Module({
  imports: [
    OutboxModule.forRoot({
      schema: 'grading',
      lockKey: advisoryLockKey('outbox:grading'),
      // As the outcome publisher always had them: a slow broker gets 15 s per batch, and
      // publishing resumes within 10 s of an outage ending.
      drainPublishTimeoutMs: 15_000,
      drainRetryBaseMs: 500,
      drainRetryMaxMs: 10_000,
      // Every recorded batch of deliveries wakes the drainer; under load, one pass per 50 ms
      // publishes their outcomes together instead of five statements per batch.
      drainGatherMs: 50,
    }),
  ],
  providers: [OutcomeOutboxRepository, OutcomePublisher],
  exports: [OutcomePublisher, OutcomeOutboxRepository],
})
export class OutcomesModule {}
