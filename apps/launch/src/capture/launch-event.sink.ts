import { contextKey, TOPICS, type LaunchCapturedEvent } from '@app/contracts';
import type { PublishRoute, ReliablePublisher } from '@app/messaging';

export const LAUNCH_EVENTS = Symbol('LAUNCH_EVENTS');

/** Where LaunchCaptured goes. Resolves once the event is acknowledged by Kafka or durable in the outbox. */
export interface LaunchEventSink {
  publish(event: LaunchCapturedEvent): Promise<PublishRoute>;
}

export class KafkaLaunchEventSink implements LaunchEventSink {
  constructor(private readonly publisher: ReliablePublisher) {}

  publish(event: LaunchCapturedEvent): Promise<PublishRoute> {
    return this.publisher.send({
      topic: TOPICS.launchCaptured,
      key: contextKey(event.data),
      value: event,
      headers: event.correlationid ? { 'correlation-id': event.correlationid } : undefined,
    });
  }
}
