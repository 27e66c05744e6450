import { Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions } from '@app/database';
import { HealthModule } from '@app/health';
import { createHttpApp } from '@app/http';
import { MessagingModule } from '@app/messaging';
import { createLogger, ObservabilityModule } from '@app/observability';
import { OwnBroker } from '../support/broker';
import { baseDatabaseUrl, eventually, testPort, testTopicPrefix } from '../support/infra';

/** Probes as Kubernetes sees them while the broker goes away and comes back. */
describe('health probes follow the broker', () => {
  const broker = new OwnBroker(testPort(19392));
  let app: NestFastifyApplication;
  let base: string;

  const status = async (path: string) => (await fetch(`${base}${path}`)).status;

  beforeAll(async () => {
    await broker.start();
    @Module({
      imports: [
        ObservabilityModule.forApp('health-e2e', 'silent'),
        TypeOrmModule.forRoot(dataSourceOptions({ url: baseDatabaseUrl(), schema: 'public', applicationName: 'health-e2e', entities: [], migrations: [] })),
        MessagingModule.forRoot({
          settings: { brokers: [broker.brokers], clientId: 'health-e2e', topicPrefix: testTopicPrefix(), partitions: 1, replicationFactor: 1 },
          logger: createLogger({ app: 'health-e2e', level: 'silent' }),
        }),
        HealthModule.forApp({ database: true, kafka: true }),
      ],
    })
    class ProbedModule {}
    app = await createHttpApp(ProbedModule, { name: 'health-e2e' });
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });

  afterAll(async () => {
    await app?.close();
    await broker.stop();
  });

  it('ready turns 503 without the broker and 200 again when it is back; live stays 200 throughout', async () => {
    await eventually(async () => (await status('/health/ready')) === 200, { what: 'ready with the broker up' });
    await broker.stop();
    await eventually(async () => (await status('/health/ready')) === 503, { what: 'not ready with the broker down' });
    const body = (await (await fetch(`${base}/health/ready`)).json()) as { status: string; error: Record<string, unknown> };
    expect(body.status).toBe('error');
    expect(Object.keys(body.error)).toEqual(['kafka']);
    expect(await status('/health/live')).toBe(200);
    await broker.start();
    await eventually(async () => (await status('/health/ready')) === 200, { timeoutMs: 60000, what: 'ready again after the broker restarted' });
  });
});
