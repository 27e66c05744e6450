import { Global, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { Kafka } from 'kafkajs';
import type pino from 'pino';
import type { Registry } from 'prom-client';
import type { InfrastructureEnv } from '@app/config';
import { createLogger, METRICS_REGISTRY } from '@app/observability';
import { EventPublisher } from './event-publisher';
import { createKafka, kafkaSettings, type KafkaEnv, type KafkaSettings } from './kafka-settings';
import { KafkaRefusals } from './kafka-refusal';
import { KafkaProbe, TopicAdmin } from './topic-admin';

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

/** The settings every app takes from its validated environment. */
type AppKafkaEnv = KafkaEnv & Pick<InfrastructureEnv, 'LOG_LEVEL'>;

@Global()
@Module({})
export class MessagingModule {
  /** Kafka for one app, configured from its environment; kafkajs logs go through the redacting logger. */
  static forApp(app: string, env: AppKafkaEnv): DynamicModule {
    return MessagingModule.forRoot({
      settings: kafkaSettings(app, env),
      logger: createLogger({ app, level: env.LOG_LEVEL }),
    });
  }

  static forRoot(options: MessagingOptions): DynamicModule {
    const kafka = createKafka(options.settings, options.logger);
    const refusals = new KafkaRefusals();
    return {
      module: MessagingModule,
      providers: [
        { provide: Kafka, useValue: kafka },
        { provide: KAFKA_SETTINGS, useValue: options.settings },
        { provide: KAFKA_LOGGER, useValue: options.logger },
        { provide: KafkaRefusals, useValue: refusals },
        {
          provide: EventPublisher,
          inject: [{ token: METRICS_REGISTRY, optional: true }],
          useFactory: (metrics?: Registry) => new EventPublisher(kafka, options.settings, metrics, refusals),
        },
        { provide: KafkaProbe, useValue: new KafkaProbe(kafka, refusals) },
        { provide: TopicAdmin, useValue: new TopicAdmin(kafka, options.settings) },
        MessagingLifecycle,
      ],
      // The kafkajs client stays unexported: connectConsumer finds it for the consumers; apps use TopicAdmin and EventPublisher.
      exports: [KAFKA_SETTINGS, KAFKA_LOGGER, KafkaRefusals, EventPublisher, KafkaProbe, TopicAdmin],
    };
  }
}

