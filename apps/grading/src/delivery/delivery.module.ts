import { Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { TokenSource } from '@app/auth';
import { LtiaasClient } from '@app/ltiaas';
import { createLogger } from '@app/observability';
import { ContextsModule } from '../contexts/contexts.module';
import { GRADING_CONFIG } from '../grading.database';
import type { GradingConfig } from '../grading.config';
import { OutcomesModule } from '../outcomes/outcomes.module';
import { VaultClient } from './credentials/vault.client';
import { DeliveryCompletionRepository } from './delivery-completion.repository';
import { DeliveryCoordinator } from './delivery.coordinator';
import { DeliveryMetrics } from './delivery.metrics';
import { LineItemsRepository } from './line-items/line-items.repository';
import { CLOCK, LTIAAS_PORT, systemClock, VAULT_PORT } from './ports';
import { PlatformBudgetRepository } from './rate-limit/platform-budget.repository';
import { ScoreClaimRepository } from './score-claim.repository';

/** Closes the LTIAAS connection pool once delivery has stopped. */
@Injectable()
class LtiaasPool implements OnApplicationShutdown {
  constructor(@Inject(LTIAAS_PORT) private readonly client: LtiaasClient) {}

  onApplicationShutdown(): Promise<void> {
    return this.client.close();
  }
}

@Module({
  imports: [ContextsModule, OutcomesModule],
  providers: [
    { provide: CLOCK, useValue: systemClock },
    {
      provide: LTIAAS_PORT,
      inject: [GRADING_CONFIG],
      useFactory: (config: GradingConfig) =>
        new LtiaasClient({
          baseUrl: config.LTIAAS_URL,
          apiKey: config.LTIAAS_API_KEY,
          connections: Math.max(16, config.DELIVERY_CONCURRENCY * 2),
          headersTimeoutMs: config.LTIAAS_TIMEOUT_MS,
          bodyTimeoutMs: config.LTIAAS_TIMEOUT_MS,
          logger: createLogger({ app: 'grading', level: config.LOG_LEVEL }),
        }),
    },
    {
      provide: VAULT_PORT,
      inject: [GRADING_CONFIG],
      useFactory: (config: GradingConfig) => new VaultClient(config.VAULT_URL, new TokenSource({ vaultUrl: config.VAULT_URL, apiKey: config.GRADING_API_KEY })),
    },
    LtiaasPool,
    ScoreClaimRepository,
    DeliveryCompletionRepository,
    PlatformBudgetRepository,
    LineItemsRepository,
    DeliveryMetrics,
    DeliveryCoordinator,
  ],
})
export class DeliveryModule {}
