// Scores from Kafka and HTTP to the LMS gradebook, over the real broker,
// PostgreSQL, the vault and the emulator: out-of-order updates end as the
// newest score everywhere; then the same under injected faults and a revoked
// serviceKey; then with malformed records mixed in.
import type { Producer } from 'kafkajs';
import { startEmulator, type EmulatorHandle } from '../support/emulator';
import {
  buildScenario,
  checkGradebook,
  enrollScenario,
  gradingEnv,
  GradingClient,
  Launcher,
  lineItemsOf,
  publishScores,
  randomId,
  startGrading,
  startVault,
  type GradingHandle,
  type LaunchedActivity,
  type Scenario,
  type ScenarioActivity,
  type VaultHandle,
} from '../support/grading';
import { createTestDatabase, dropTestDatabase, envNumber, eventually, kafkaBrokers, testKafka, testTopicPrefix } from '../support/infra';

// The defaults are the acceptance sizes; CI may shrink them.
const SCORES = envNumber('GRADING_E2E_SCORES', 10_000);
const USERS = envNumber('GRADING_E2E_USERS', 200);
const ACTIVITIES = envNumber('GRADING_E2E_ACTIVITIES', 20);
const PLATFORMS = envNumber('GRADING_E2E_PLATFORMS', 3);
const MALFORMED = envNumber('GRADING_E2E_MALFORMED', 500);
const DELIVERY_TIMEOUT_MS = envNumber('GRADING_E2E_TIMEOUT_MS', 600_000);

jest.setTimeout(DELIVERY_TIMEOUT_MS * 2);

describe('grading delivery', () => {
  let databaseUrl: string;
  let prefix: string;
  let emulator: EmulatorHandle;
  let vault: VaultHandle;
  let grading: GradingHandle;
  let producer: Producer;
  let launcher: Launcher;
  let client: GradingClient;
  let admin: GradingClient;

  beforeAll(async () => {
    databaseUrl = await createTestDatabase('grading_delivery');
    prefix = testTopicPrefix();
    const brokers = kafkaBrokers();
    emulator = await startEmulator();
    vault = await startVault({ databaseUrl, brokers, topicPrefix: prefix });
    const gradingKey = await vault.issueKey('grading-service', ['credentials:resolve', 'revocations:read']);
    client = new GradingClient(() => grading.url, vault.url, await vault.issueKey('grader', ['scores:write', 'scores:read']));
    admin = new GradingClient(() => grading.url, vault.url, await vault.issueKey('operator', ['admin']));
    grading = await startGrading(
      gradingEnv({ databaseUrl, brokers, topicPrefix: prefix, ltiaasUrl: emulator.url, ltiaasApiKey: emulator.apiKey, vaultUrl: vault.url, gradingApiKey: gradingKey }),
    );
    producer = testKafka(brokers).producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    launcher = new Launcher(emulator, producer, prefix, vault.sealPublicJwk);
  });

  afterAll(async () => {
    await producer?.disconnect();
    await grading?.close();
    await vault?.close();
    await emulator?.close();
    if (databaseUrl) await dropTestDatabase(databaseUrl);
  });

  async function prepare(scenario: Scenario): Promise<LaunchedActivity[]> {
    await enrollScenario(emulator, scenario);
    return Promise.all(scenario.activities.map((a) => launcher.launch(a)));
  }

  /** Half the scores straight to Kafka, half through HTTP batches, at the same time. */
  async function send(scenario: Scenario, scores = scenario.scores): Promise<void> {
    const viaKafka = scores.filter((_, i) => i % 2 === 0);
    const viaHttp = scores.filter((_, i) => i % 2 === 1);
    const batches: Array<Promise<unknown>> = [];
    for (let i = 0; i < viaHttp.length; i += 250) {
      const batch = viaHttp.slice(i, i + 250);
      batches.push(client.postBatchUntilAccepted(batch.map((s) => s.data), `http-${batch[0].eventId}`));
    }
    await Promise.all([publishScores(producer, prefix, viaKafka.map((s) => ({ id: s.eventId, data: s.data }))), ...batches]);
  }

  /** Until every row is settled (delivered, or failed when planted); the failure message says where it stopped. */
  async function waitSettled(platformIds: string[], expectedRows: number, settledStatuses = ['delivered']): Promise<any[]> {
    let summary = '';
    try {
      return await eventually(
        async () => {
          const rows = (await Promise.all(platformIds.map((platformId) => client.allScores({ platformId })))).flat();
          const counts: Record<string, number> = {};
          for (const r of rows) counts[r.inFlight ? 'in flight' : r.status] = (counts[r.inFlight ? 'in flight' : r.status] ?? 0) + 1;
          summary = `${rows.length} of ${expectedRows} rows: ${JSON.stringify(counts)}`;
          const settled = rows.filter((r) => settledStatuses.includes(r.status) && !r.inFlight);
          return rows.length === expectedRows && settled.length === expectedRows ? rows : undefined;
        },
        { timeoutMs: DELIVERY_TIMEOUT_MS, intervalMs: 2000, what: 'every ledger row settled' },
      );
    } catch (error) {
      throw new Error(`${(error as Error).message.split(';')[0]}: ${summary}`);
    }
  }

  const waitDelivered = (scenario: Scenario, platformIds: string[]) => waitSettled(platformIds, scenario.expected.size);

  function expectRowsMatch(scenario: Scenario, rows: any[]): void {
    const index = new Map(scenario.activities.map((a) => [`${a.platformId}|${a.contextId}|${a.resourceLinkId}`, a.index]));
    const mismatched = rows.filter((r) => {
      const want = scenario.expected.get(`${index.get(`${r.platformId}|${r.contextId}|${r.resourceLinkId}`)}|${r.userId}`);
      return !want || r.score.timestamp !== want.timestamp || r.delivered?.timestamp !== want.timestamp;
    });
    expect(mismatched.slice(0, 5)).toEqual([]);
  }

  it(`delivers ${SCORES} out-of-order scores for ${USERS} users, ${ACTIVITIES} activities, ${PLATFORMS} platforms: the newest everywhere`, async () => {
    const scenario = buildScenario({ platforms: PLATFORMS, activities: ACTIVITIES, users: USERS, scores: SCORES, seed: 1, runId: randomId() });
    const launched = await prepare(scenario);
    await send(scenario);
    const platformIds = [...new Set(scenario.activities.map((a) => a.platformId))];
    const rows = await waitDelivered(scenario, platformIds);
    expectRowsMatch(scenario, rows);

    const gradebook = await checkGradebook(emulator, scenario, await lineItemsOf(emulator, launched.map((l, i) => ({ ...scenario.activities[i], ...l }))));
    expect(gradebook.wrong.slice(0, 5)).toEqual([]);
    expect(gradebook.strays).toBe(0);
    expect(await admin.allDeadLetters({ open: 'true' })).toEqual([]);
  });

  it('delivers the same exactly through 500s, 429s, slow answers and a revoked serviceKey, dead-lettering only what cannot land', async () => {
    const scenario = buildScenario({ platforms: PLATFORMS, activities: ACTIVITIES, users: USERS, scores: SCORES, seed: 2, runId: randomId() });
    const platformIds = [...new Set(scenario.activities.map((a) => a.platformId))];
    const launched = await prepare(scenario);
    const revoked = scenario.activities[1];
    await emulator.admin.revokeServiceKey(launched[1].serviceKey);
    await emulator.admin.setFaults({
      seed: 7,
      rules: [
        { id: 'errors', kind: 'http-error', status: 500, probability: 0.1, endpoints: ['scores.post', 'lineitems.*'], platforms: platformIds },
        { id: 'throttle', kind: 'too-many-requests', probability: 0.05, retryAfterSeconds: 1, endpoints: ['scores.post', 'lineitems.*'], platforms: platformIds },
        { id: 'slow', kind: 'latency', ms: 200, probability: 0.1, endpoints: ['scores.post', 'lineitems.*'], platforms: platformIds },
      ],
    });
    try {
      const half = Math.floor(scenario.scores.length / 2);
      await send(scenario, scenario.scores.slice(0, half));
      // Planted: a teacher is not gradable (the LMS refuses in its own words), and a line item nobody can find or create.
      const planted = await client.request('POST', '/v1/scores/batch', { scores: plantedScores(scenario.activities[0], scenario.activities[2]) });
      expect(planted.status).toBe(202);
      await eventually(
        async () => (await client.allScores({ platformId: revoked.platformId, resourceLinkId: revoked.resourceLinkId, status: 'waiting_for_launch' })).length > 0,
        { timeoutMs: DELIVERY_TIMEOUT_MS, what: 'scores of the revoked context waiting for a launch' },
      );
      const relaunchedAt = new Date().toISOString();
      launched[1] = await launcher.launch(revoked);
      await send(scenario, scenario.scores.slice(half));
      const rows = await waitSettled(platformIds, scenario.expected.size + 2, ['delivered', 'failed']);
      await emulator.admin.clearFaults(); // the checks below read line items through LTIAAS too

      const failed = rows.filter((r) => r.status === 'failed');
      expect(failed.map((r) => r.userId).sort()).toEqual(['instructor-1', 'student-0']);
      expectRowsMatch(
        scenario,
        rows.filter((r) => r.status !== 'failed'),
      );
      const gradebook = await checkGradebook(emulator, scenario, await lineItemsOf(emulator, launched.map((l, i) => ({ ...scenario.activities[i], ...l }))));
      expect(gradebook.wrong.slice(0, 5)).toEqual([]);
      expect(gradebook.strays).toBe(0);

      const deadLetters = (await admin.allDeadLetters({ open: 'true' })).filter((d) => platformIds.includes(d.platformId));
      expect(deadLetters.map((d) => [d.userId, d.kind]).sort()).toEqual([
        ['instructor-1', 'delivery'],
        ['student-0', 'delivery'],
      ]);
      expect(deadLetters.find((d) => d.userId === 'instructor-1')).toMatchObject({ statusCode: 422, reason: 'User not found in course or is not a student' });
      expect(deadLetters.find((d) => d.userId === 'student-0')?.reason).toMatch(/no line item matches resourceId="no-such-line-item"/);

      // The revoked context's scores waited for the relaunch and landed after it.
      const detailed: any[] = (
        await client.request('GET', `/v1/scores?${new URLSearchParams({ platformId: revoked.platformId, resourceLinkId: revoked.resourceLinkId, attempts: '100', limit: '1000' })}`)
      ).body.scores;
      const waited = detailed.filter((r) => r.history.some((a: any) => a.outcome === 'waiting_for_launch'));
      expect(waited.length).toBeGreaterThan(0);
      for (const r of waited) expect(r.delivered.at > relaunchedAt).toBe(true);
    } finally {
      await emulator.admin.clearFaults();
    }
  });

  it(`dead-letters ${MALFORMED} malformed records mixed into the stream, each with its reason, and delivers every valid score`, async () => {
    const scenario = buildScenario({ platforms: PLATFORMS, activities: ACTIVITIES, users: USERS, scores: SCORES, seed: 3, runId: randomId() });
    const platformIds = [...new Set(scenario.activities.map((a) => a.platformId))];
    const launched = await prepare(scenario);
    const malformed = malformedRecords(scenario, MALFORMED);
    // Every valid score over Kafka this time, with a malformed record after every few.
    const stream: Array<{ id?: string; data: unknown; raw?: string }> = [];
    const every = Math.max(1, Math.floor(scenario.scores.length / malformed.length));
    scenario.scores.forEach((s, i) => {
      stream.push({ id: s.eventId, data: s.data });
      if (i % every === every - 1 && malformed.length) stream.push(malformed.shift()!);
    });
    stream.push(...malformed.splice(0));
    await publishScores(producer, prefix, stream);

    const rows = await waitDelivered(scenario, platformIds);
    expectRowsMatch(scenario, rows);
    const gradebook = await checkGradebook(emulator, scenario, await lineItemsOf(emulator, launched.map((l, i) => ({ ...scenario.activities[i], ...l }))));
    expect(gradebook.wrong.slice(0, 5)).toEqual([]);

    const letters = await eventually(
      async () => {
        const ingest = await admin.allDeadLetters({ kind: 'ingest' });
        return ingest.length >= MALFORMED ? ingest : undefined;
      },
      { timeoutMs: 120_000, what: `${MALFORMED} ingest dead letters` },
    );
    expect(letters).toHaveLength(MALFORMED);
    expect(letters.filter((l) => !l.reason)).toEqual([]);
    const reasons = letters.map((l) => l.reason).join('\n');
    for (const field of ['invalid JSON', 'data.userId', 'data.activityProgress', 'data.scoreGiven', 'data.timestamp', 'data.scoreMaximum', 'type']) {
      expect(reasons).toContain(field);
    }
  });

  /** Records no contract accepts, each broken in its own way. */
  function malformedRecords(scenario: Scenario, count: number): Array<{ data: unknown; raw: string }> {
    const out: Array<{ data: unknown; raw: string }> = [];
    for (let i = 0; i < count; i++) {
      const good = scenario.scores[i % scenario.scores.length].data;
      const data: Record<string, unknown> = { ...good, userId: `bad-${i}` };
      const event = (d: unknown, type = 'com.ltigrading.score.ready.v1') => JSON.stringify({ specversion: '1.0', id: `bad-${i}`, source: 'urn:test:bad', type, time: new Date().toISOString(), data: d });
      const broken: Array<() => string> = [
        () => `not json ${i} {`,
        () => event({ ...data, userId: undefined }),
        () => event({ ...data, activityProgress: 'Initiated' }),
        () => event({ ...data, scoreGiven: -1 }),
        () => event({ ...data, timestamp: '2026-01-01T10:00:00' }),
        () => event({ ...data, grade: 'A' }),
        () => event({ ...data, scoreMaximum: undefined }),
        () => event(data, 'com.example.something-else'),
        () => event({ ...data, scoreGiven: '7' }),
        () => event({ ...data, comment: 'x'.repeat(4001) }),
      ];
      out.push({ data, raw: broken[i % broken.length]() });
    }
    return out;
  }

  function plantedScores(launchItemActivity: ScenarioActivity, other: ScenarioActivity) {
    const common = { scoreGiven: 5, scoreMaximum: 10, activityProgress: 'Completed', gradingProgress: 'FullyGraded', timestamp: '2026-02-01T00:00:00.000001Z' };
    return [
      { ...common, platformId: launchItemActivity.platformId, contextId: launchItemActivity.contextId, resourceLinkId: launchItemActivity.resourceLinkId, userId: 'instructor-1' },
      { ...common, platformId: other.platformId, contextId: other.contextId, resourceLinkId: other.resourceLinkId, userId: 'student-0', lineItem: { resourceId: 'no-such-line-item' } },
    ];
  }
});
