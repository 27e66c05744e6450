import { Catch, type INestApplication, type RpcExceptionFilter } from '@nestjs/common';
import type { NestMicroservice } from '@nestjs/microservices';
import { throwError, type Observable } from 'rxjs';
import { Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import type { Topic } from '@app/contracts';
import { METRICS_REGISTRY } from '@app/observability';
import { EventPublisher } from './event-publisher';
import { KafkaBatchServer } from './kafka-batch.server';
import { KafkaRefusals } from './kafka-refusal';
import { KAFKA_LOGGER, KAFKA_SETTINGS } from './messaging.module';

/** Attaches a consumer group to a Nest app built with MessagingModule; handlers are its @EventPattern methods. */
export function connectConsumer(
  app: INestApplication,
  groupId: string,
  topics: Topic[],
  options: { maxAttempts?: number; sessionTimeoutMs?: number; heartbeatIntervalMs?: number; rawTopics?: string[] } = {},
): KafkaBatchServer {
  const strategy = new KafkaBatchServer({
    kafka: app.get(Kafka),
    settings: app.get(KAFKA_SETTINGS),
    publisher: app.get(EventPublisher),
    logger: app.get(KAFKA_LOGGER),
    metrics: optional<Registry>(app, METRICS_REGISTRY),
    refusals: app.get(KafkaRefusals),
    groupId,
    topics,
    rawTopics: options.rawTopics,
    maxAttempts: options.maxAttempts,
    sessionTimeoutMs: options.sessionTimeoutMs,
    heartbeatIntervalMs: options.heartbeatIntervalMs,
  });
  // Not inheriting the HTTP app's filters (they speak HTTP), and deferring the
  // handlers' registration until the filter below is in place: the transport
  // needs each handler's own error, not Nest's generic replacement.
  const microservice = app.connectMicroservice({ strategy }, { inheritAppConfig: false, deferInitialization: true }) as unknown as NestMicroservice;
  microservice.useGlobalFilters(new RethrowFilter());
  microservice.setIsInitHookCalled(true); // the HTTP app runs the module lifecycle hooks once
  return strategy;
}

function optional<T>(app: INestApplication, token: symbol): T | undefined {
  try {
    return app.get<T>(token, { strict: false });
  } catch {
    return undefined;
  }
}

/**
 * Nest's default RPC filter replaces every error with "Internal server error";
 * the transport needs the original to tell a transient failure from a poison record.
 */
@Catch()
class RethrowFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}
