import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { advisoryLockKey } from '@app/database';
import { HealthModule } from '@app/health';
import { MessagingModule, OutboxModule } from '@app/messaging';
import { ObservabilityModule } from '@app/observability';
import { AdmissionModule } from './admission/admission.module';
import { CaptureModule } from './capture/capture.module';
import { IdTokenModule } from './id-token/id-token.module';
import { LandingModule } from './landing/landing.module';
import { LAUNCH_CONFIG, LAUNCH_DATABASE } from './launch.database';
import type { LaunchConfig } from './launch.config';

@Module({})
export class LaunchModule {
  static forRoot(config: LaunchConfig): DynamicModule {
    return {
      module: LaunchModule,
      imports: [
        ObservabilityModule.forApp('launch', config.LOG_LEVEL),
        TypeOrmModule.forRoot(LAUNCH_DATABASE(config)),
        MessagingModule.forApp('launch', config),
        // Kafka is not a readiness condition: while it is down launches go to the outbox, and a pod
        // taken out of service for it would fail exactly the launches the outbox exists to keep.
        HealthModule.forApp({ database: true, kafka: false }),
        OutboxModule.forRoot({
          schema: 'launch',
          lockKey: advisoryLockKey('outbox:launch'),
          lingerMs: config.LAUNCH_PUBLISH_LINGER_MS,
          publishTimeoutMs: config.LAUNCH_PUBLISH_TIMEOUT_MS,
          drainIntervalMs: config.LAUNCH_OUTBOX_DRAIN_INTERVAL_MS,
        }),
        AdmissionModule.forRoot({ ratePerMinute: config.LAUNCH_RATE_LIMIT }),
        IdTokenModule.forRoot(config),
        CaptureModule.forRoot(config),
        LandingModule,
      ],
      providers: [{ provide: LAUNCH_CONFIG, useValue: config }],
      exports: [LAUNCH_CONFIG],
    };
  }
}
