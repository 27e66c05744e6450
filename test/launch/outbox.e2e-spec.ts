// Kafka down must not fail a user's launch: the event waits in launch's
// outbox and reaches the vault once the broker is back, in order. Runs on a
// broker of its own, which it stops and starts.
import { contextKey, type ContextTriple } from '@app/contracts';
import { ReliablePublisher } from '@app/messaging';
import { OwnBroker } from '../support/broker';
import { eventually, readTopic, testPort } from '../support/infra';
import { CaptureStack } from '../vault/capture-stack';

const BROKER_PORT = testPort(19592);

describe('launching while Kafka is down', () => {
  const broker = new OwnBroker(BROKER_PORT);
  let stack: CaptureStack;
  const t: ContextTriple = { platformId: 'https://moodle.example.org', contextId: 'course-outage', resourceLinkId: 'activity-1' };
  const other: ContextTriple = { ...t, resourceLinkId: 'activity-2' };

  beforeAll(async () => {
    await broker.start();
    stack = await CaptureStack.start('outbox', {
      brokers: broker.brokers,
      launchEnv: { LAUNCH_PUBLISH_TIMEOUT_MS: '500', LAUNCH_OUTBOX_DRAIN_INTERVAL_MS: '250' },
    });
  });

  afterAll(async () => {
    await stack?.close();
    await broker.stop();
  });

  const outboxSize = async () => (await stack.db.query('SELECT count(*)::int AS n FROM launch.outbox')).rows[0].n as number;

  async function resolvedKey(triple: ContextTriple): Promise<string | undefined> {
    const res = await stack.resolve(triple);
    return res.status === 200 ? ((await res.json()) as { serviceKey: string }).serviceKey : undefined;
  }

  it('still redirects the user, keeps the events in the outbox, and delivers them in order once the broker is back', async () => {
    const before = await stack.lmsLaunch(t);
    expect((await stack.visit(before.ltik)).status).toBe(302);
    await eventually(async () => (await resolvedKey(t)) === before.serviceKey, { what: 'the first key in the vault' });

    await broker.stop();

    const during = [await stack.lmsLaunch(t), await stack.lmsLaunch(other), await stack.lmsLaunch(t)];
    for (const launch of during) {
      const res = await stack.visit(launch.ltik);
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe(`/app?ltik=${encodeURIComponent(launch.ltik)}`);
    }
    expect(await outboxSize()).toBe(3);
    const parked = (await stack.db.query(`SELECT key, value FROM launch.outbox ORDER BY id`)).rows as Array<{ key: string; value: string }>;
    expect(parked.map((r) => r.key)).toEqual([contextKey(t), contextKey(other), contextKey(t)]);
    for (const launch of during) expect(JSON.stringify(parked)).not.toContain(launch.serviceKey!);
    // The vault keeps serving what it holds meanwhile.
    expect(await resolvedKey(t)).toBe(before.serviceKey);

    await broker.start();

    await eventually(async () => (await resolvedKey(t)) === during[2].serviceKey, { what: 'the newest key of the context in the vault', timeoutMs: 120_000, intervalMs: 500 });
    await eventually(async () => (await resolvedKey(other)) === during[1].serviceKey, { what: 'the other context’s key in the vault', timeoutMs: 60_000, intervalMs: 500 });
    await eventually(async () => (await outboxSize()) === 0, { what: 'the outbox to drain' });

    // A request that timed out may still land once the broker is back: a retransmission with the
    // same event id, which the vault ignores. Distinct events must arrive in launch order.
    const onKafka = (await readTopic(stack.kafka, stack.topic, await stack.topicSize())).map(
      (r) => JSON.parse(r.value!.toString()) as { id: string; data: ContextTriple & { launchedAt: string } },
    );
    const firstSeen = onKafka.filter((e, i) => onKafka.findIndex((o) => o.id === e.id) === i);
    expect(firstSeen).toHaveLength(4);
    const launchTimes = firstSeen.filter((e) => contextKey(e.data) === contextKey(t)).map((e) => e.data.launchedAt);
    expect(launchTimes).toHaveLength(3);
    expect([...launchTimes].sort()).toEqual(launchTimes);
  });

  it('publishes straight to Kafka again once the drainer has seen the outbox empty', async () => {
    const publisher = stack.launchApp.app.get(ReliablePublisher);
    await eventually(async () => !publisher.routingThroughOutbox, { what: 'launch to route straight to Kafka' });
    const straight = async () => Number(/launch_captures_total\{[^}]*result="kafka"[^}]*\} (\d+)/.exec(await (await fetch(`${stack.launchApp.url}/metrics`)).text())?.[1] ?? 0);
    const before = await straight();
    const launch = await stack.lmsLaunch(t);
    expect((await stack.visit(launch.ltik)).status).toBe(302);
    expect(await straight()).toBe(before + 1);
    expect(await outboxSize()).toBe(0);
    await eventually(async () => (await resolvedKey(t)) === launch.serviceKey, { what: 'the key in the vault' });
  });
});
