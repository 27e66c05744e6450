import { Global, Injectable, Module, type BeforeApplicationShutdown, type DynamicModule, type OnApplicationBootstrap } from '@nestjs/common';
import type pino from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { METRICS_REGISTRY } from '@app/observability';
import { EventPublisher } from '../event-publisher';
import { KAFKA_LOGGER } from '../messaging.module';
import { OutboxDrainer } from './outbox.drainer';
import { OutboxStore } from './outbox.store';
import { ReliablePublisher } from './reliable-publisher';

export interface OutboxModuleOptions {
  /** The app's schema, where its migration created the outbox table. */
  schema: string;
  table?: string;
  /** Advisory lock key shared by the app's replicas (advisoryLockKey(`outbox:<schema>`)). */
  lockKey: string;
  lingerMs?: number;
  maxBatch?: number;
  publishTimeoutMs?: number;
  drainIntervalMs?: number;
  drainBatchSize?: number;
  /** How long the drainer waits for Kafka to acknowledge a batch (the larger of publishTimeoutMs and 5 s unless set). */
  drainPublishTimeoutMs?: number;
  /** The drainer's backoff after failed passes (see OutboxDrainerOptions). */
  drainRetryBaseMs?: number;
  drainRetryMaxMs?: number;
  /** The drainer's least wait between passes that found records (see OutboxDrainerOptions.gatherMs). */
  drainGatherMs?: number;
}

export const OUTBOX_DEFAULTS = { lingerMs: 5, maxBatch: 500, publishTimeoutMs: 1000, drainIntervalMs: 1000, drainBatchSize: 500 } as const;

/** The publisher and its drainer are made together: each needs the other. */
const OUTBOX_PARTS = Symbol('OUTBOX_PARTS');
interface OutboxParts {
  drainer: OutboxDrainer;
  reliable: ReliablePublisher;
}

@Injectable()
class OutboxLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(private readonly publisher: ReliablePublisher) {}

  onApplicationBootstrap(): Promise<void> {
    return this.publisher.start();
  }

  // Before the Kafka producer disconnects (onApplicationShutdown): queued records still go out or to the table.
  beforeApplicationShutdown(): Promise<void> {
    return this.publisher.stop();
  }
}

/**
 * One app's outbox table and its background drainer, with two ways in:
 * ReliablePublisher (Kafka first, the table when Kafka is slow or down), and
 * OutboxStore.append inside the caller's own transaction, for events that
 * must be recorded with the change they announce (then OutboxDrainer.wake).
 * Needs MessagingModule and a TypeORM DataSource in the app.
 */
@Global()
@Module({})
export class OutboxModule {
  static forRoot(options: OutboxModuleOptions): DynamicModule {
    const settings = { ...OUTBOX_DEFAULTS, ...withoutUndefined(options) };
    return {
      module: OutboxModule,
      providers: [
        { provide: OutboxStore, inject: [DataSource], useFactory: (dataSource: DataSource) => new OutboxStore(dataSource, { schema: options.schema, table: options.table }) },
        {
          provide: OUTBOX_PARTS,
          inject: [EventPublisher, OutboxStore, KAFKA_LOGGER, { token: METRICS_REGISTRY, optional: true }],
          useFactory: (events: EventPublisher, store: OutboxStore, logger: pino.Logger, metrics?: Registry): OutboxParts => {
            const log = logger.child({ component: 'outbox', schema: options.schema });
            const routed = metrics && new Counter({ name: 'outbox_records_routed_total', help: 'Records sent straight to Kafka or through the outbox', labelNames: ['route'], registers: [metrics] });
            const drained = metrics && new Counter({ name: 'outbox_records_drained_total', help: 'Records published from the outbox', registers: [metrics] });
            const backlog = metrics && new Gauge({ name: 'outbox_routing_through_table', help: '1 while new records queue behind the outbox', registers: [metrics] });
            let reliable: ReliablePublisher | undefined;
            const drainer = new OutboxDrainer(store, events, {
              intervalMs: settings.drainIntervalMs,
              batchSize: settings.drainBatchSize,
              publishTimeoutMs: settings.drainPublishTimeoutMs ?? Math.max(settings.publishTimeoutMs, 5000),
              lockKey: options.lockKey,
              logger: log,
              onEmpty: () => reliable?.outboxSeenEmpty(),
              onDrained: (count) => drained?.inc(count),
              retryBaseMs: settings.drainRetryBaseMs,
              retryMaxMs: settings.drainRetryMaxMs,
              gatherMs: settings.drainGatherMs,
            });
            reliable = new ReliablePublisher(events, store, drainer, {
              lingerMs: settings.lingerMs,
              maxBatch: settings.maxBatch,
              publishTimeoutMs: settings.publishTimeoutMs,
              logger: log,
              onRouted: (route, count) => {
                routed?.inc({ route }, count);
                backlog?.set(reliable?.routingThroughOutbox ? 1 : 0);
              },
            });
            return { drainer, reliable };
          },
        },
        { provide: ReliablePublisher, inject: [OUTBOX_PARTS], useFactory: (parts: OutboxParts) => parts.reliable },
        { provide: OutboxDrainer, inject: [OUTBOX_PARTS], useFactory: (parts: OutboxParts) => parts.drainer },
        OutboxLifecycle,
      ],
      exports: [ReliablePublisher, OutboxStore, OutboxDrainer],
    };
  }
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
