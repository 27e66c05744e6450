import { OwnBroker } from '../support/broker';
import { eventually, testPort } from '../support/infra';
import { startStackGrading, startSyncStack, type SyncStack } from '../support/sync-jobs';

/**
 * grading's Kubernetes probes while its broker goes away and comes back (a
 * broker of the suite's own): /health/live stays 200 (a broker outage must
 * not restart pods), /health/ready turns 503 naming Kafka, then 200 again.
 * /health/sync keeps answering from the database meanwhile.
 */
describe('grading probes follow the broker', () => {
  const broker = new OwnBroker(testPort(19394));
  let stack: SyncStack;
  let grading: Awaited<ReturnType<typeof startStackGrading>>;

  const status = async (path: string) => (await fetch(`${grading.url}${path}`)).status;

  beforeAll(async () => {
    await broker.start();
    stack = await startSyncStack('probes', { brokers: broker.brokers });
    grading = await startStackGrading(stack);
  });

  afterAll(async () => {
    await grading?.close();
    await stack?.close();
    await broker.stop();
  });

  it('live stays 200 while Kafka is stopped and ready goes 503; ready is 200 again once Kafka is back', async () => {
    await eventually(async () => (await status('/health/ready')) === 200, { what: 'ready with the broker up' });
    expect(await status('/health/live')).toBe(200);

    await broker.stop();
    await eventually(async () => (await status('/health/ready')) === 503, { what: 'not ready with the broker down' });
    const ready = (await (await fetch(`${grading.url}/health/ready`)).json()) as { status: string; error: Record<string, unknown>; info: Record<string, unknown> };
    expect(ready.status).toBe('error');
    expect(Object.keys(ready.error)).toEqual(['kafka']);
    expect(ready.info).toHaveProperty('database');
    expect(await status('/health/live')).toBe(200);
    expect(await status('/health/sync')).toBe(200);

    await broker.start();
    await eventually(async () => (await status('/health/ready')) === 200, { timeoutMs: 90_000, what: 'ready again after the broker restarted' });
    expect(await status('/health/live')).toBe(200);
  });
});
