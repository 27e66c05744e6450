import { Global, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { Kafka } from 'kafkajs';
import type pino from 'pino';
import type { Registry } from 'prom-client';
import type { InfrastructureEnv } from '@app/config';
import { createLogger, METRICS_REGISTRY } from '@app/observability';
import { EventPublisher } from './event-publisher';
import { createKafka, type KafkaSettings } from './kafka-settings';
import { KafkaProbe } from './topic-admin';

export const KAFKA_SETTINGS = Symbol('KAFKA_SETTINGS');
export const KAFKA_LOGGER = Symbol('KAFKA_LOGGER');

export interface MessagingOptions {
  settings: KafkaSettings;
  logger: pino.Logger;
}

@Injectable()
class MessagingLifecycle implements OnApplicationShutdown {
  constructor(
    private readonly publisher: EventPublisher,
    private readonly probe: KafkaProbe,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.publisher.disconnect().catch(() => undefined);
    await this.probe.close();
  }
}

/** The Kafka client, an awaitable publisher and a readiness probe for one app. */
/** The settings every app takes from its validated environment. */
type KafkaEnv = Pick<InfrastructureEnv, 'KAFKA_BROKERS' | 'KAFKA_TOPIC_PREFIX' | 'KAFKA_PARTITIONS' | 'KAFKA_REPLICATION_FACTOR' | 'LOG_LEVEL'>;

@Global()
@Module({})
export class MessagingModule {
  /** Kafka for one app, configured from its environment; kafkajs logs go through the redacting logger. */
  static forApp(app: string, env: KafkaEnv): DynamicModule {
    return MessagingModule.forRoot({
      settings: { brokers: env.KAFKA_BROKERS, clientId: app, topicPrefix: env.KAFKA_TOPIC_PREFIX, partitions: env.KAFKA_PARTITIONS, replicationFactor: env.KAFKA_REPLICATION_FACTOR },
      logger: createLogger({ app, level: env.LOG_LEVEL }),
    });
  }

  static forRoot(options: MessagingOptions): DynamicModule {
    const kafka = createKafka(options.settings, options.logger);
    return {
      module: MessagingModule,
      providers: [
        { provide: Kafka, useValue: kafka },
        { provide: KAFKA_SETTINGS, useValue: options.settings },
        { provide: KAFKA_LOGGER, useValue: options.logger },
        {
          provide: EventPublisher,
          inject: [{ token: METRICS_REGISTRY, optional: true }],
          useFactory: (metrics?: Registry) => new EventPublisher(kafka, options.settings, metrics),
        },
        { provide: KafkaProbe, useValue: new KafkaProbe(kafka) },
        MessagingLifecycle,
      ],
      exports: [Kafka, KAFKA_SETTINGS, KAFKA_LOGGER, EventPublisher, KafkaProbe],
    };
  }
}

