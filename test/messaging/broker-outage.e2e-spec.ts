// A consumer group through a broker outage long enough for kafkajs to give
// up on rejoining its group ("Failed to find group coordinator", not retried
// by kafkajs): the transport starts the consumer again by itself, and the
// records published after the outage are consumed.
import { Controller, type INestApplication } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { Kafka, logLevel } from 'kafkajs';
import { envelope, SCORE_READY_V1, TOPICS, type ScoreReadyEvent } from '@app/contracts';
import { connectConsumer, consumerHealth, ensureTopics, MessagingModule, type InboundRecord, type KafkaSettings } from '@app/messaging';
import { createLogger } from '@app/observability';
import { OwnBroker } from '../support/broker';
import { eventually, testPort, testTopicPrefix } from '../support/infra';
import { scoreReadyData } from './score-ready';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

jest.setTimeout(300_000);

@Controller()
class Received {
  readonly users: string[] = [];

  @EventPattern(TOPICS.scoreReady)
  async handle(@Payload() records: InboundRecord<ScoreReadyEvent>[]): Promise<void> {
    this.users.push(...records.map((r) => r.value.data.userId));
  }
}

const score = (userId: string) => envelope(SCORE_READY_V1, 'test', scoreReadyData(userId));

describe('KafkaBatchServer through a broker outage', () => {
  const broker = new OwnBroker(testPort(19_450));
  const settings: KafkaSettings = { brokers: [broker.brokers], clientId: 'outage-e2e', topicPrefix: testTopicPrefix(), partitions: 2, replicationFactor: 1 };
  const groupId = `outage-e2e-${settings.topicPrefix}`;
  let app: INestApplication;
  let received: Received;

  const publish = async (userIds: string[]) => {
    const producer = new Kafka({ brokers: settings.brokers, clientId: 'outage-e2e-producer', logLevel: logLevel.NOTHING, retry: { retries: 20 } }).producer();
    await producer.connect();
    await producer.send({ topic: `${settings.topicPrefix}${TOPICS.scoreReady}`, messages: userIds.map((u) => ({ key: u, value: JSON.stringify(score(u)) })) });
    await producer.disconnect();
  };

  beforeAll(async () => {
    await broker.start();
    const logger = createLogger({ app: 'outage-e2e', level: 'silent' });
    const moduleRef = await Test.createTestingModule({ imports: [MessagingModule.forRoot({ settings, logger })], controllers: [Received] }).compile();
    app = moduleRef.createNestApplication(new FastifyAdapter());
    await ensureTopics(app.get(Kafka), settings, [TOPICS.scoreReady]);
    connectConsumer(app, groupId, [TOPICS.scoreReady]);
    await app.startAllMicroservices();
    await app.init();
    received = app.get(Received);
  });

  afterAll(async () => {
    await broker.start().catch(() => undefined);
    await app?.close();
    await broker.stop();
  });

  it('consumes again once the broker is back, without a restart of the process', async () => {
    await publish(['before']);
    await eventually(async () => received.users.includes('before'), { timeoutMs: 60_000, what: 'the record published before the outage' });

    // Down, back, and down again while the consumer rejoins its group (a broker that flaps while
    // it restarts): kafkajs finds no coordinator to rejoin and gives the consumer up.
    await broker.stop();
    for (const upForMs of [300, 1_000, 2_500]) {
      await sleep(3_000);
      await broker.start();
      await sleep(upForMs);
      await broker.kill();
    }
    await sleep(3_000);
    await broker.start();
    await publish(['after-1', 'after-2']);

    await eventually(async () => received.users.includes('after-1') && received.users.includes('after-2'), { timeoutMs: 180_000, what: 'the records published after the outage' });
    expect(consumerHealth.all().find((c) => c.groupId === groupId)).toMatchObject({ crashed: false });
  });
});
