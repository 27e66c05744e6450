import type pino from 'pino';
import { EventPublisher } from './event-publisher';
import { createKafka, type KafkaSettings } from './kafka-settings';
import { TopicAdmin } from './topic-admin';

/** Kafka for a process outside Nest (a command-line tool): its topics and producers, kafkajs kept inside this library. */
export interface KafkaClient {
  readonly settings: KafkaSettings;
  readonly topics: TopicAdmin;
  /** A new awaitable producer; the caller connects it and disconnects it when done. */
  createPublisher(): EventPublisher;
}

/** A client whose kafkajs logs go through `logger` (redacting). */
export function createKafkaClient(settings: KafkaSettings, logger: pino.Logger): KafkaClient {
  const kafka = createKafka(settings, logger);
  return {
    settings,
    topics: new TopicAdmin(kafka, settings),
    createPublisher: () => new EventPublisher(kafka, settings),
  };
}
