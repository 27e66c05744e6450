// grading's HTTP API and its events, end to end on a few scores: who may
// call what, what a 400 says, idempotency, stale values, outcome events,
// and retrying a dead letter once the cause is fixed.
import type { Producer } from 'kafkajs';
import { Client } from 'pg';
import { TOPICS } from '@app/contracts';
import { startEmulator, type EmulatorHandle } from '../support/emulator';
import { gradingEnv, GradingClient, Launcher, randomId, startGrading, startVault, type GradingHandle, type VaultHandle } from '../support/grading';
import { createTestDatabase, dropTestDatabase, eventually, kafkaBrokers, readTopic, testKafka, testTopicPrefix } from '../support/infra';

jest.setTimeout(180_000);

describe('grading API', () => {
  let databaseUrl: string;
  let prefix: string;
  let emulator: EmulatorHandle;
  let vault: VaultHandle;
  let grading: GradingHandle;
  let producer: Producer;
  let grader: GradingClient;
  let reader: GradingClient;
  let admin: GradingClient;
  let gradingKey: string;
  const activity = { platformId: `https://lms.${randomId()}.example`, contextId: 'course-1', resourceLinkId: 'quiz-1', launchLineItem: { label: 'Quiz 1', scoreMaximum: 10 } };
  const score = (over: Record<string, unknown> = {}) => ({
    platformId: activity.platformId,
    contextId: activity.contextId,
    resourceLinkId: activity.resourceLinkId,
    userId: 'learner-1',
    scoreGiven: 7,
    scoreMaximum: 10,
    activityProgress: 'Completed',
    gradingProgress: 'FullyGraded',
    timestamp: '2026-05-01T10:00:00.000001Z',
    ...over,
  });

  beforeAll(async () => {
    databaseUrl = await createTestDatabase('grading_api');
    prefix = testTopicPrefix();
    const brokers = kafkaBrokers();
    emulator = await startEmulator();
    vault = await startVault({ databaseUrl, brokers, topicPrefix: prefix });
    gradingKey = await vault.issueKey('grading-service', ['credentials:resolve', 'revocations:read']);
    grader = new GradingClient(() => grading.url, vault.url, await vault.issueKey('grader', ['scores:write', 'scores:read']));
    reader = new GradingClient(() => grading.url, vault.url, await vault.issueKey('reader', ['scores:read']));
    admin = new GradingClient(() => grading.url, vault.url, await vault.issueKey('operator', ['admin']));
    grading = await startGrading(envWith(emulator.apiKey));
    producer = testKafka(brokers).producer();
    await producer.connect();
    await emulator.admin.enroll(activity.platformId, activity.contextId, [{ userId: 'learner-1', roles: ['Learner'] }]);
    await new Launcher(emulator, producer, prefix, vault.sealPublicJwk).launch(activity);
  });

  afterAll(async () => {
    await producer?.disconnect();
    await grading?.close();
    await vault?.close();
    await emulator?.close();
    if (databaseUrl) await dropTestDatabase(databaseUrl);
  });

  const envWith = (ltiaasApiKey: string) =>
    gradingEnv({ databaseUrl, brokers: kafkaBrokers(), topicPrefix: prefix, ltiaasUrl: emulator.url, ltiaasApiKey, vaultUrl: vault.url, gradingApiKey: gradingKey });

  const row = async (userId: string) => (await grader.request('GET', `/v1/scores?platformId=${encodeURIComponent(activity.platformId)}&userId=${userId}&attempts=50`)).body.scores[0];

  it('lets only a token with the right scope in', async () => {
    const anonymous = await fetch(`${grading.url}/v1/scores`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(score()) });
    expect(anonymous.status).toBe(401);
    expect((await reader.request('POST', '/v1/scores', score())).status).toBe(403);
    expect((await reader.request('GET', '/v1/scores')).status).toBe(200);
    expect((await grader.request('GET', '/v1/dead-letters')).status).toBe(403);
  });

  it('answers 400 naming each field at fault', async () => {
    const res = await grader.request('POST', '/v1/scores', { ...score(), userId: undefined, scoreGiven: -2, timestamp: '2026-05-01 10:00' });
    expect(res.status).toBe(400);
    expect(res.body.message).toEqual(expect.arrayContaining([expect.stringMatching(/^userId: /), expect.stringMatching(/^scoreGiven: /), expect.stringMatching(/^timestamp: /)]));
  });

  it('takes a score once per Idempotency-Key, ignores an older one, and delivers the newest with its timestamp', async () => {
    const first = await grader.request('POST', '/v1/scores', score(), { 'idempotency-key': 'grader-run-1' });
    expect(first).toMatchObject({ status: 202, body: { id: expect.any(String) } });
    const again = await grader.request('POST', '/v1/scores', score({ scoreGiven: 1 }), { 'idempotency-key': 'grader-run-1' });
    expect(again.body.id).toBe(first.body.id);
    await grader.request('POST', '/v1/scores', score({ scoreGiven: 2, timestamp: '2026-05-01T10:00:00Z' }));
    const delivered = await eventually(async () => {
      const r = await row('learner-1');
      return r?.status === 'delivered' ? r : undefined;
    });
    expect(delivered).toMatchObject({ version: 1, score: { scoreGiven: 7, timestamp: '2026-05-01T10:00:00.000001Z' }, delivered: { timestamp: '2026-05-01T10:00:00.000001Z' } });
    expect(delivered.history.map((a: { outcome: string }) => a.outcome)).toContain('delivered');
    const [entry] = await emulator.admin.gradebook({ platformId: activity.platformId, userId: 'learner-1' });
    expect(entry).toMatchObject({ scoreGiven: 7, timestamp: '2026-05-01T10:00:00.000001Z' });

    const outcomes = await readTopic(testKafka(), `${prefix}${TOPICS.scoreDelivered}`, 1);
    expect(JSON.parse(outcomes[0].value!.toString())).toMatchObject({
      type: 'com.ltigrading.score.delivered.v1',
      data: { platformId: activity.platformId, userId: 'learner-1', outcome: 'delivered', timestamp: '2026-05-01T10:00:00.000001Z' },
    });
  });

  it("records the platform's refusal as a dead letter, and delivers it on retry once the cause is fixed", async () => {
    await grader.request('POST', '/v1/scores', score({ userId: 'late-enrolment' }));
    const failed = await eventually(async () => {
      const r = await row('late-enrolment');
      return r?.status === 'failed' ? r : undefined;
    });
    expect(failed.lastError).toBe('User not found in course or is not a student');
    const letters = (await admin.request('GET', '/v1/dead-letters?kind=delivery&open=true')).body.deadLetters;
    const letter = letters.find((d: { userId: string }) => d.userId === 'late-enrolment');
    expect(letter).toMatchObject({ statusCode: 422, reason: 'User not found in course or is not a student', scoreId: failed.id });

    await emulator.admin.enroll(activity.platformId, activity.contextId, [{ userId: 'late-enrolment', roles: ['Learner'] }]);
    expect(await admin.request('POST', `/v1/dead-letters/${letter.id}/retry`)).toMatchObject({ status: 202, body: { status: 'retried' } });
    await eventually(async () => (await row('late-enrolment'))?.status === 'delivered');
    expect((await admin.request('POST', `/v1/dead-letters/${letter.id}/retry`)).status).toBe(409);
  });

  it('retries while LTIAAS refuses the account API key, marks no serviceKey stale, and delivers once the key is right', async () => {
    await grading.close();
    grading = await startGrading(envWith('a-key-rotated-away'));
    await emulator.admin.enroll(activity.platformId, activity.contextId, [{ userId: 'learner-2', roles: ['Learner'] }]);
    await grader.request('POST', '/v1/scores', score({ userId: 'learner-2' }));
    const waiting = await eventually(async () => {
      const r = await row('learner-2');
      return r?.lastError?.includes('LTIAAS_API_KEY') ? r : undefined;
    });
    expect(waiting.status).toBe('pending');
    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    const keys = await db.query(`SELECT stale_at FROM vault.service_keys WHERE platform_id = $1`, [activity.platformId]).finally(() => db.end());
    expect(keys.rows).toEqual([{ stale_at: null }]);

    await grading.close();
    grading = await startGrading(envWith(emulator.apiKey));
    await eventually(async () => (await row('learner-2'))?.status === 'delivered');
  });
});
