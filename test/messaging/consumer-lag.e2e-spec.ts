import { Controller, type INestApplication } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import { envelope, SCORE_READY_V1, TOPICS, type ScoreReadyEvent } from '@app/contracts';
import { connectConsumer, ensureTopics, MessagingModule, type InboundRecord, type KafkaSettings } from '@app/messaging';
import { createLogger, METRICS_REGISTRY, MetricsModule } from '@app/observability';
import { eventually, kafkaBrokers, testTopicPrefix } from '../support/infra';

@Controller()
class GatedConsumer {
  readonly received: string[] = [];
  private gate?: { promise: Promise<void>; open: () => void };

  hold(): void {
    let open!: () => void;
    this.gate = { promise: new Promise<void>((resolve) => (open = resolve)), open };
  }

  release(): void {
    this.gate?.open();
    this.gate = undefined;
  }

  @EventPattern(TOPICS.scoreReady)
  async handle(@Payload() records: InboundRecord<ScoreReadyEvent>[]): Promise<void> {
    await this.gate?.promise;
    this.received.push(...records.map((r) => r.value.data.userId));
  }
}

interface LagSeries {
  partition: string;
  group: string;
  value: number;
}

async function lagOf(registry: Registry): Promise<LagSeries[]> {
  const metric = await registry.getSingleMetric('kafka_consumer_lag_records')!.get();
  return metric.values.map((v) => ({ partition: String(v.labels.partition), group: String(v.labels.group), value: v.value }));
}

/** kafka_consumer_lag_records: current while a batch is in hand, and dropped for partitions a rebalance moved away. */
describe('consumer lag metrics over a real broker', () => {
  const settings: KafkaSettings = { brokers: kafkaBrokers().split(','), clientId: 'lag-e2e', topicPrefix: testTopicPrefix(), partitions: 2, replicationFactor: 1 };
  const topic = `${settings.topicPrefix}${TOPICS.scoreReady}`;
  const groupId = `lag-e2e-${settings.topicPrefix}`;
  const apps: INestApplication[] = [];
  let kafka: Kafka;

  const member = async (): Promise<{ app: INestApplication; consumer: GatedConsumer; registry: Registry }> => {
    const logger = createLogger({ app: 'lag-e2e', level: 'silent' });
    const moduleRef = await Test.createTestingModule({ imports: [MetricsModule.forApp('lag-e2e'), MessagingModule.forRoot({ settings, logger })], controllers: [GatedConsumer] }).compile();
    const app = moduleRef.createNestApplication(new FastifyAdapter());
    apps.push(app);
    kafka = app.get(Kafka);
    await ensureTopics(kafka, settings, [TOPICS.scoreReady]);
    connectConsumer(app, groupId, [TOPICS.scoreReady]);
    await app.startAllMicroservices();
    await app.init();
    return { app, consumer: app.get(GatedConsumer), registry: app.get<Registry>(METRICS_REGISTRY) };
  };

  const publish = async (partition: number, users: string[]) => {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: users.map((userId) =>
        ({ partition, key: userId, value: JSON.stringify(envelope(SCORE_READY_V1, 'test', { platformId: 'p', contextId: 'c', resourceLinkId: 'r', userId, activityProgress: 'Completed', gradingProgress: 'FullyGraded', timestamp: '2026-11-23T10:00:00Z' })) })),
    });
    await producer.disconnect();
  };

  afterAll(async () => {
    for (const app of apps.reverse()) await app.close().catch(() => undefined);
  });

  it('counts the batch in hand as lag, falls to 0 once it is done, and forgets partitions a rebalance moved away', async () => {
    const first = await member();
    expect(await registryRunning(first.registry)).toBe(1);

    first.consumer.hold();
    await publish(0, ['a1', 'a2', 'a3']);
    await publish(1, ['b1']);
    const held = await eventually(async () => (await lagOf(first.registry)).find((s) => s.partition === '0' && s.value >= 1), { what: 'lag while the batch is held' });
    expect(held.group).toBe(groupId);
    first.consumer.release();
    await eventually(async () => first.consumer.received.length === 4, { what: 'all four records' });
    await eventually(async () => {
      const series = await lagOf(first.registry);
      return series.length === 2 && series.every((s) => s.value === 0);
    }, { what: 'lag 0 on both partitions' });

    // A second member joins: the group rebalances and each member owns one partition.
    const second = await member();
    await eventually(async () => (await lagOf(first.registry)).length < 2, { what: 'the first member dropping its lag series on rebalance', timeoutMs: 60_000 });
    await publish(0, ['a4']);
    await publish(1, ['b2']);
    await eventually(async () => first.consumer.received.length + second.consumer.received.length === 6, { what: 'the records after the rebalance', timeoutMs: 60_000 });
    const owned = [...(await lagOf(first.registry)), ...(await lagOf(second.registry))].map((s) => s.partition).sort();
    expect(owned).toEqual(['0', '1']);
  });
});

async function registryRunning(registry: Registry): Promise<number | undefined> {
  const metric = await registry.getSingleMetric('kafka_consumer_running')!.get();
  return metric.values[0]?.value;
}
