import type { INestApplication } from '@nestjs/common';
import { Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import type { Topic } from '@app/contracts';
import { METRICS_REGISTRY } from '@app/observability';
import { EventPublisher } from './event-publisher';
import { KafkaBatchServer } from './kafka-batch.server';
import { KAFKA_LOGGER, KAFKA_SETTINGS } from './messaging.module';

/** Attaches a consumer group to a Nest app built with MessagingModule; handlers are its @EventPattern methods. */
export function connectConsumer(app: INestApplication, groupId: string, topics: Topic[], options: { maxAttempts?: number } = {}): KafkaBatchServer {
  const strategy = new KafkaBatchServer({
    kafka: app.get(Kafka),
    settings: app.get(KAFKA_SETTINGS),
    publisher: app.get(EventPublisher),
    logger: app.get(KAFKA_LOGGER),
    metrics: app.get<Registry>(METRICS_REGISTRY, { strict: false }),
    groupId,
    topics,
    maxAttempts: options.maxAttempts,
  });
  app.connectMicroservice({ strategy }, { inheritAppConfig: true });
  return strategy;
}
