import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions } from '@app/database';
import { HealthModule } from '@app/health';
import { MessagingModule } from '@app/messaging';
import { createLogger, ObservabilityModule } from '@app/observability';
import { GRADING_CONFIG, GRADING_DATABASE } from './grading.database';
import type { GradingConfig } from './grading.config';

@Module({})
export class GradingModule {
  static forRoot(config: GradingConfig): DynamicModule {
    return {
      module: GradingModule,
      imports: [
        ObservabilityModule.forApp('grading', config.LOG_LEVEL),
        TypeOrmModule.forRoot(GRADING_DATABASE(config)),
        MessagingModule.forRoot({
          settings: { brokers: config.KAFKA_BROKERS, clientId: 'grading', topicPrefix: config.KAFKA_TOPIC_PREFIX, partitions: config.KAFKA_PARTITIONS, replicationFactor: config.KAFKA_REPLICATION_FACTOR },
          logger: createLogger({ app: 'grading', level: config.LOG_LEVEL }),
        }),
        HealthModule.forApp({ database: true, kafka: true }),
      ],
      providers: [{ provide: GRADING_CONFIG, useValue: config }],
      exports: [GRADING_CONFIG],
    };
  }
}
