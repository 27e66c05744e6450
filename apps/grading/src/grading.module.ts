import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule, authOptions } from '@app/auth';
import { HealthModule } from '@app/health';
import { MessagingModule } from '@app/messaging';
import { ObservabilityModule } from '@app/observability';
import { DeliverySignals } from './common/delivery-signals';
import { ContextsModule } from './contexts/contexts.module';
import { DeadLettersModule } from './dead-letters/dead-letters.module';
import { DeliveryModule } from './delivery/delivery.module';
import { GRADING_CONFIG, GRADING_DATABASE } from './grading.database';
import type { GradingConfig } from './grading.config';
import { IngestModule } from './ingest/ingest.module';
import { JobsModule } from './jobs/jobs.module';
import { LedgerModule } from './ledger/ledger.module';
import { GradingMetricsModule } from './metrics/metrics.module';
import { OutcomesModule } from './outcomes/outcomes.module';
import { SyncStatusModule } from './sync-status/sync-status.module';

@Module({})
export class GradingModule {
  static forRoot(config: GradingConfig): DynamicModule {
    return {
      module: GradingModule,
      global: true,
      imports: [
        ObservabilityModule.forApp('grading', config.LOG_LEVEL),
        TypeOrmModule.forRoot(GRADING_DATABASE(config)),
        MessagingModule.forApp('grading', config),
        HealthModule.forApp({ database: true, kafka: true }),
        AuthModule.forRoot(authOptions(config)),
        LedgerModule,
        IngestModule,
        ContextsModule,
        OutcomesModule,
        DeliveryModule,
        DeadLettersModule,
        GradingMetricsModule,
        JobsModule,
        SyncStatusModule,
      ],
      providers: [{ provide: GRADING_CONFIG, useValue: config }, DeliverySignals],
      exports: [GRADING_CONFIG, DeliverySignals],
    };
  }
}
