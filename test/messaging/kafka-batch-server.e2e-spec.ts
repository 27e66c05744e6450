import { Controller, type INestApplication } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { Kafka } from 'kafkajs';
import { DLQ_HEADERS, envelope, SCORE_READY_V1, TOPICS, type ScoreReadyEvent } from '@app/contracts';
import { connectConsumer, ensureTopics, EventPublisher, MessagingModule, type InboundRecord, type KafkaSettings } from '@app/messaging';
import { createLogger } from '@app/observability';
import { eventually, kafkaBrokers, readTopic, testTopicPrefix } from '../support/infra';
import { scoreReadyData as score } from './score-ready';

@Controller()
class RecordingConsumer {
  readonly received: string[] = [];
  transientFailuresLeft = 0;
  poisonUser?: string;

  @EventPattern(TOPICS.scoreReady)
  async handle(@Payload() records: InboundRecord<ScoreReadyEvent>[]): Promise<void> {
    if (this.transientFailuresLeft > 0) {
      this.transientFailuresLeft--;
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    }
    if (records.some((r) => r.value.data.userId === this.poisonUser)) throw new Error(`cannot handle ${this.poisonUser}`);
    this.received.push(...records.map((r) => r.value.data.userId));
  }
}

describe('KafkaBatchServer over a real broker', () => {
  const settings: KafkaSettings = { brokers: kafkaBrokers().split(','), clientId: 'messaging-e2e', topicPrefix: testTopicPrefix(), partitions: 1, replicationFactor: 1 };
  const topic = `${settings.topicPrefix}${TOPICS.scoreReady}`;
  let app: INestApplication;
  let consumer: RecordingConsumer;
  let kafka: Kafka;

  const publishRaw = async (values: string[]) => {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: values.map((value) => ({ key: 'k', value })) });
    await producer.disconnect();
  };
  const valid = (userId: string) => JSON.stringify(envelope(SCORE_READY_V1, 'test', score(userId)));

  beforeAll(async () => {
    const logger = createLogger({ app: 'messaging-e2e', level: 'silent' });
    const moduleRef = await Test.createTestingModule({ imports: [MessagingModule.forRoot({ settings, logger })], controllers: [RecordingConsumer] }).compile();
    app = moduleRef.createNestApplication(new FastifyAdapter());
    kafka = app.get(Kafka);
    await ensureTopics(kafka, settings, [TOPICS.scoreReady]);
    connectConsumer(app, `messaging-e2e-${settings.topicPrefix}`, [TOPICS.scoreReady], { maxAttempts: 2 });
    await app.startAllMicroservices();
    await app.init();
    consumer = app.get(RecordingConsumer);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('delivers valid records, dead-letters malformed ones with a reason naming the field, and goes on', async () => {
    await publishRaw([
      valid('before'),
      '{not json',
      JSON.stringify(envelope(SCORE_READY_V1, 'test', { ...score('x'), userId: undefined })),
      JSON.stringify(envelope(SCORE_READY_V1, 'test', score('x', { gradingProgress: 'Graded' }))),
      JSON.stringify(envelope(SCORE_READY_V1, 'test', score('x', { scoreGiven: '7' }))),
      valid('after'),
    ]);
    await eventually(async () => consumer.received.includes('after'), { what: 'the record after the malformed ones' });
    expect(consumer.received).toEqual(expect.arrayContaining(['before', 'after']));
    expect(consumer.received).not.toContain('x');

    const letters = await readTopic(kafka, `${topic}.dlq`, 4);
    const reasons = letters.map((m) => m.headers?.[DLQ_HEADERS.error]?.toString() ?? '');
    expect(reasons[0]).toMatch(/^invalid JSON/);
    expect(reasons[1]).toMatch(/data\.userId/);
    expect(reasons[2]).toMatch(/data\.gradingProgress/);
    expect(reasons[3]).toMatch(/data\.scoreGiven/);
    expect(letters[0].value?.toString()).toBe('{not json');
    for (const letter of letters) {
      expect(letter.headers?.[DLQ_HEADERS.originalTopic]?.toString()).toBe(TOPICS.scoreReady);
      expect(letter.headers?.[DLQ_HEADERS.originalOffset]).toBeDefined();
    }
  });

  it('retries transient failures without dead-lettering anything', async () => {
    consumer.transientFailuresLeft = 2;
    await publishRaw([valid('transient')]);
    await eventually(async () => consumer.received.includes('transient'), { what: 'the record after two transient failures' });
    expect(consumer.transientFailuresLeft).toBe(0);
  });

  it('isolates a record that keeps failing: dead-lettered with its attempts, its neighbours delivered', async () => {
    consumer.poisonUser = 'poison';
    await publishRaw([valid('left'), valid('poison'), valid('right')]);
    await eventually(async () => consumer.received.includes('right'), { what: 'the neighbours of the poison record' });
    const letters = await readTopic(kafka, `${topic}.dlq`, 5);
    const poison = letters.find((m) => m.headers?.[DLQ_HEADERS.error]?.toString().includes('cannot handle poison'));
    expect(poison).toBeDefined();
    expect(poison!.headers?.[DLQ_HEADERS.attempts]?.toString()).toBe('2');
    expect(consumer.received).toEqual(expect.arrayContaining(['left', 'right']));
    expect(consumer.received).not.toContain('poison');
  });

  it('publishes a burst for one key larger than the broker takes in one batch, in order', async () => {
    const publisher = app.get(EventPublisher);
    const comment = 'x'.repeat(1500);
    const burst = Array.from({ length: 1000 }, (_, i) => ({ key: 'one-activity', value: envelope(SCORE_READY_V1, 'test', score(`burst-${i}`, { comment })) }));
    await publisher.publish(TOPICS.scoreReady, burst);
    await eventually(async () => consumer.received.includes('burst-999'), { what: 'the last record of a 1.5 MB burst' });
    const order = consumer.received.filter((u) => u.startsWith('burst-'));
    expect(order).toEqual(burst.map((_, i) => `burst-${i}`));
  });
});
