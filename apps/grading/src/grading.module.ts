import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule, authOptions, LaunchSignatureModule, RevocationList } from '@app/auth';
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
import { OperatorModule } from './operator/operator.module';
import { OutcomesModule } from './outcomes/outcomes.module';
import { RevocationModule } from './revocation/revocation.module';
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
        // Tokens of revoked API keys are refused within seconds, from a list polled in the background.
        AuthModule.forRootAsync({
          imports: [RevocationModule.forRoot(config)],
          inject: [RevocationList],
          useFactory: (revocation: RevocationList) => ({ ...authOptions(config), revocation }),
        }),
        LaunchSignatureModule.forRoot(config.LAUNCH_SIGNING_PUBLIC_JWKS),
        LedgerModule,
        IngestModule,
        ContextsModule,
        OutcomesModule,
        DeliveryModule,
        DeadLettersModule,
        JobsModule,
        SyncStatusModule,
        OperatorModule,
      ],
      providers: [{ provide: GRADING_CONFIG, useValue: config }, DeliverySignals],
      exports: [GRADING_CONFIG, DeliverySignals],
    };
  }
}
