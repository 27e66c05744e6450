// What LTIAAS really answers when the LMS, not our serviceKey, is at fault (reference §11):
// a 401/403 marked externalError, or a named code in any of its three places. Grading must
// retry those, mark no serviceKey stale, and deliver once the LMS lets LTIAAS in again.
import type { Producer } from 'kafkajs';
import { Client } from 'pg';
import { startEmulator, type EmulatorHandle } from '../support/emulator';
import { gradingEnv, GradingClient, Launcher, randomId, startGrading, startVault, type GradingHandle, type VaultHandle } from '../support/grading';
import { createTestDatabase, dropTestDatabase, eventually, kafkaBrokers, testKafka, testTopicPrefix } from '../support/infra';

jest.setTimeout(180_000);

describe('grading when the LMS refuses LTIAAS', () => {
  let databaseUrl: string;
  let emulator: EmulatorHandle;
  let vault: VaultHandle;
  let grading: GradingHandle;
  let producer: Producer;
  let grader: GradingClient;
  const activity = { platformId: `https://lms.${randomId()}.example`, contextId: 'course-1', resourceLinkId: 'quiz-1', launchLineItem: { label: 'Quiz 1', scoreMaximum: 10 } };
  const score = (userId: string) => ({
    platformId: activity.platformId,
    contextId: activity.contextId,
    resourceLinkId: activity.resourceLinkId,
    userId,
    scoreGiven: 9,
    scoreMaximum: 10,
    activityProgress: 'Completed',
    gradingProgress: 'FullyGraded',
    timestamp: new Date().toISOString(),
  });
  const row = async (userId: string) => (await grader.request('GET', `/v1/scores?platformId=${encodeURIComponent(activity.platformId)}&userId=${userId}&attempts=50`)).body.scores[0];

  beforeAll(async () => {
    databaseUrl = await createTestDatabase('grading_lms_refusal');
    const prefix = testTopicPrefix();
    const brokers = kafkaBrokers();
    // Retries come quickly here so that the suite waits on behaviour, not on backoff.
    emulator = await startEmulator({ env: { EMULATOR_RATE_LIMIT_HEADERS: 'false' } });
    vault = await startVault({ databaseUrl, brokers, topicPrefix: prefix });
    const gradingKey = await vault.issueKey('grading-service', ['credentials:resolve', 'revocations:read']);
    grader = new GradingClient(() => grading.url, vault.url, await vault.issueKey('grader', ['scores:write', 'scores:read']));
    grading = await startGrading({
      ...gradingEnv({ databaseUrl, brokers, topicPrefix: prefix, ltiaasUrl: emulator.url, ltiaasApiKey: emulator.apiKey, vaultUrl: vault.url, gradingApiKey: gradingKey }),
      DELIVERY_BACKOFF_BASE_MS: '100',
      DELIVERY_BACKOFF_MAX_MS: '500',
    });
    producer = testKafka(brokers).producer();
    await producer.connect();
    await emulator.admin.enroll(activity.platformId, activity.contextId, [
      { userId: 'learner-1', roles: ['Learner'] },
      { userId: 'learner-2', roles: ['Learner'] },
    ]);
    await new Launcher(emulator, producer, prefix, vault.sealPublicJwk).launch(activity);
  });

  afterAll(async () => {
    await producer?.disconnect();
    await grading?.close();
    await vault?.close();
    await emulator?.close();
    if (databaseUrl) await dropTestDatabase(databaseUrl);
  });

  async function staleMarks(): Promise<unknown[]> {
    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    const keys = await db.query(`SELECT stale_at FROM vault.service_keys WHERE platform_id = $1`, [activity.platformId]).finally(() => db.end());
    return keys.rows.map((r: { stale_at: unknown }) => r.stale_at).filter((s) => s !== null);
  }

  it.each([401, 403] as const)('retries an external %d, marks no serviceKey stale, and delivers without a relaunch', async (status) => {
    const userId = status === 401 ? 'learner-1' : 'learner-2';
    await emulator.admin.setFaults({ rules: [{ kind: 'lms-refused', status, endpoints: ['scores.post'], times: 2 }] });
    expect((await grader.request('POST', '/v1/scores', score(userId))).status).toBe(202);
    const delivered = await eventually(async () => {
      const r = await row(userId);
      return r?.status === 'delivered' ? r : undefined;
    });
    const refusals = delivered.history.filter((a: { statusCode?: number }) => a.statusCode === status);
    expect(refusals.length).toBe(2);
    expect(await staleMarks()).toEqual([]);
    const [entry] = await emulator.admin.gradebook({ platformId: activity.platformId, userId });
    expect(entry).toMatchObject({ scoreGiven: 9 });
    await emulator.admin.clearFaults();
  });
});
