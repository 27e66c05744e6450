import { Global, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { Kafka } from 'kafkajs';
import type pino from 'pino';
import type { Registry } from 'prom-client';
import { METRICS_REGISTRY } from '@app/observability';
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
@Global()
@Module({})
export class MessagingModule {
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

