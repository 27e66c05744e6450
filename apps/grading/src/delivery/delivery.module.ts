import { Module } from '@nestjs/common';
import { CLOCK, systemClock, type Clock } from '../common/clock';
import type { Semaphore } from '../common/semaphore';
import { ContextsModule } from '../contexts/contexts.module';
import { ContextsRepository } from '../contexts/contexts.repository';
import { AccountKeyCheck } from '../credentials/account-key.check';
import { CredentialResolver } from '../credentials/credential.resolver';
import { CredentialsModule } from '../credentials/credentials.module';
import { LTIAAS_PORT, type LtiaasPort } from '../credentials/ports';
import { DeadLettersModule } from '../dead-letters/dead-letters.module';
import { LedgerModule } from '../ledger/ledger.module';
import { OutcomePublisher } from '../outcomes/outcome.publisher';
import { OutcomesModule } from '../outcomes/outcomes.module';
import { COMPLETION_BUFFER_OPTIONS, CompletionBuffer, type CompletionBufferOptions } from './completion.buffer';
import { DeliveryAttemptsRepository } from './delivery-attempts.repository';
import { DeliveryCompletionService } from './delivery-completion.service';
import { DELIVERY_PORTS, DeliveryGroupRunner, type GroupRunnerDeps } from './delivery-group.runner';
import { DeliveryCoordinator } from './delivery.coordinator';
import { DeliveryMetrics } from './delivery.metrics';
import { DELIVERY_BACKOFF, DELIVERY_NEXT_UP, DELIVERY_SLOTS, deliverySettings } from './delivery.settings';
import { DeliveryWorker } from './delivery.worker';
import type { BackoffPolicy } from './failure-policy';
import { LAUNCH_LINE_ITEMS, LineItemResolver, type LaunchLineItems } from './line-items/line-item.resolver';
import { LineItemSendsRepository } from './line-items/line-item-sends.repository';
import { LineItemsRepository } from './line-items/line-items.repository';
import { SendTurns } from './line-items/send-turns';
import { PlatformBudgetRepository } from './rate-limit/platform-budget.repository';
import { PlatformRateLimiter } from './rate-limit/platform-rate-limiter';

/** The line item each launch named for its activity. */
function launchLineItems(contexts: ContextsRepository): LaunchLineItems {
  return { launchLineItemId: async (triple) => (await contexts.find(triple))?.agsLineItemId ?? null };
}

/** Results are recorded by the service; a stale key is reported to the vault; every batch is counted and wakes the outcome publisher. */
function completionBufferOptions(store: DeliveryCompletionService, credentials: CredentialResolver, metrics: DeliveryMetrics, outcomes: OutcomePublisher): CompletionBufferOptions {
  return {
    store,
    onStale: (report) => credentials.markStale(report.triple, { capturedAt: report.capturedAt, reason: report.reason }),
    onRecorded: (result) => {
      metrics.recorded(result);
      outcomes.nudge();
    },
  };
}

/** Score POSTs and throttled answers are counted on their way. */
function deliveryPorts(
  ltiaas: LtiaasPort,
  metrics: DeliveryMetrics,
  limiter: PlatformRateLimiter,
  credentials: CredentialResolver,
  lineItems: LineItemResolver,
  slots: Semaphore,
  nextUp: Semaphore,
  clock: Clock,
  backoff: BackoffPolicy,
  accountKey: AccountKeyCheck,
  turns: SendTurns,
): GroupRunnerDeps {
  return { ltiaas: metrics.instrument(ltiaas), gate: metrics.instrumentGate(limiter), credentials, lineItems, slots, nextUp, clock, backoff, accountKey, turns };
}

@Module({
  imports: [CredentialsModule, ContextsModule, LedgerModule, DeadLettersModule, OutcomesModule],
  providers: [
    ...deliverySettings,
    { provide: CLOCK, useValue: systemClock },
    { provide: LAUNCH_LINE_ITEMS, inject: [ContextsRepository], useFactory: launchLineItems },
    {
      provide: COMPLETION_BUFFER_OPTIONS,
      inject: [DeliveryCompletionService, CredentialResolver, DeliveryMetrics, OutcomePublisher],
      useFactory: completionBufferOptions,
    },
    {
      provide: DELIVERY_PORTS,
      inject: [LTIAAS_PORT, DeliveryMetrics, PlatformRateLimiter, CredentialResolver, LineItemResolver, DELIVERY_SLOTS, DELIVERY_NEXT_UP, CLOCK, DELIVERY_BACKOFF, AccountKeyCheck, SendTurns],
      useFactory: deliveryPorts,
    },
    PlatformBudgetRepository,
    LineItemsRepository,
    LineItemSendsRepository,
    DeliveryAttemptsRepository,
    DeliveryCompletionService,
    DeliveryMetrics,
    PlatformRateLimiter,
    LineItemResolver,
    SendTurns,
    CompletionBuffer,
    DeliveryGroupRunner,
    DeliveryWorker,
    DeliveryCoordinator,
  ],
})
export class DeliveryModule {}
