// Following events end to end: every accepted score, HTTP or Kafka, answers
// at GET /v1/scores/events/{id} until it is terminal; platform-scoped keys;
// idempotency per grader; the dead-letter consumer survives any record.
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Producer } from 'kafkajs';
import { deadLetterTopic, TOPICS } from '@app/contracts';
import { SigningKeysService } from '../../apps/credential-vault/src/signing-keys/signing-keys.service';
import { startEmulator, type EmulatorHandle } from '../support/emulator';
import { gradingEnv, GradingClient, Launcher, publishScores, randomId, startGrading, startVault, type GradingHandle, type VaultHandle } from '../support/grading';
import { createTestDatabase, dropTestDatabase, eventually, kafkaBrokers, testKafka, testTopicPrefix } from '../support/infra';

jest.setTimeout(240_000);

const TERMINAL = ['delivered', 'superseded', 'failed', 'dead-lettered'];

describe('score events', () => {
  let databaseUrl: string;
  let prefix: string;
  let emulator: EmulatorHandle;
  let vault: VaultHandle;
  let grading: GradingHandle;
  let producer: Producer;
  let reader: GradingClient;
  let admin: GradingClient;
  const run = randomId();
  const activity = { platformId: `https://lms.${run}.example`, contextId: 'course-1', resourceLinkId: 'quiz-1', launchLineItem: { label: 'Quiz 1', scoreMaximum: 10 } };
  const other = { platformId: `https://other.${run}.example`, contextId: 'course-9', resourceLinkId: 'quiz-9', launchLineItem: { label: 'Quiz 9', scoreMaximum: 10 } };
  const learners = ['learner-1', 'learner-2', 'learner-3', 'learner-final'];
  let learnerSeconds = 0;
  /** A valid score with a fresh timestamp (strictly newer than any earlier one). */
  const score = (over: Record<string, unknown> = {}) => ({
    platformId: activity.platformId,
    contextId: activity.contextId,
    resourceLinkId: activity.resourceLinkId,
    userId: 'learner-1',
    scoreGiven: 7,
    scoreMaximum: 10,
    activityProgress: 'Completed',
    gradingProgress: 'FullyGraded',
    timestamp: new Date(Date.UTC(2026, 0, 1) + ++learnerSeconds * 1000).toISOString(),
    ...over,
  });

  /** A token as the vault would issue it, with a `platforms` claim. */
  async function scopedToken(handle: string, scopes: string[], platforms?: string[]): Promise<string> {
    const key = await vault.app.get(SigningKeysService).activeSigningKey();
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ scope: scopes.join(' '), ...(platforms ? { platforms } : {}) })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
      .setIssuer('credential-vault')
      .setAudience('lti-grading')
      .setSubject(handle)
      .setJti(randomUUID())
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + 600)
      .sign(key.privateKey);
  }

  async function call(token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
    const res = await fetch(`${grading.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  /** Reads a topic from the beginning until a record matches. */
  async function findRecord(topic: string, match: (event: any) => boolean, timeoutMs = 60_000): Promise<any> {
    const consumer = testKafka().consumer({ groupId: `reader-${randomId()}` });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      return await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching record on ${topic}`)), timeoutMs);
        void consumer.run({
          eachMessage: async ({ message }) => {
            const event = JSON.parse(message.value!.toString());
            if (match(event)) {
              clearTimeout(timer);
              resolve(event);
            }
          },
        });
      });
    } finally {
      await consumer.disconnect();
    }
  }

  const eventOf = async (id: string) => reader.request('GET', `/v1/scores/events/${encodeURIComponent(id)}`);
  const settled = (id: string, states = TERMINAL, timeoutMs = 60_000) =>
    eventually(
      async () => {
        const res = await eventOf(id);
        return res.status === 200 && states.includes(res.body.state) ? res.body : undefined;
      },
      { timeoutMs, what: `event ${id} in ${states.join('/')}` },
    );

  beforeAll(async () => {
    databaseUrl = await createTestDatabase('score_events');
    prefix = testTopicPrefix();
    const brokers = kafkaBrokers();
    emulator = await startEmulator();
    vault = await startVault({ databaseUrl, brokers, topicPrefix: prefix });
    const gradingKey = await vault.issueKey('grading-service', ['credentials:resolve', 'revocations:read']);
    reader = new GradingClient(() => grading.url, vault.url, await vault.issueKey('reader', ['scores:read']));
    admin = new GradingClient(() => grading.url, vault.url, await vault.issueKey('operator', ['admin']));
    grading = await startGrading(gradingEnv({ databaseUrl, brokers, topicPrefix: prefix, ltiaasUrl: emulator.url, ltiaasApiKey: emulator.apiKey, vaultUrl: vault.url, gradingApiKey: gradingKey }));
    producer = testKafka(brokers).producer();
    await producer.connect();
    const launcher = new Launcher(emulator, producer, prefix, vault.sealPublicJwk);
    for (const a of [activity, other]) {
      await emulator.admin.enroll(a.platformId, a.contextId, learners.map((userId) => ({ userId, roles: ['Learner'] })));
      await launcher.launch(a);
    }
  });

  afterAll(async () => {
    await producer?.disconnect();
    await grading?.close();
    await vault?.close();
    await emulator?.close();
    if (databaseUrl) await dropTestDatabase(databaseUrl);
  });

  describe('platform-scoped keys', () => {
    it('refuses scores and reads outside the key\'s platforms with 403 naming the platform', async () => {
      const token = await scopedToken(`scoped-${run}`, ['scores:write', 'scores:read'], [activity.platformId]);
      const outside = await call(token, 'POST', '/v1/scores', score({ ...other, launchLineItem: undefined }));
      expect(outside.status).toBe(403);
      expect(outside.body.message).toContain(other.platformId);

      const batch = await call(token, 'POST', '/v1/scores/batch', { scores: [score(), score({ platformId: other.platformId, contextId: other.contextId, resourceLinkId: other.resourceLinkId })] });
      expect(batch.status).toBe(202);
      expect(batch.body).toMatchObject({ accepted: 1, rejected: 1 });
      expect(batch.body.items[1].errors[0]).toContain(other.platformId);

      const unrestricted = await scopedToken(`open-${run}`, ['scores:write', 'scores:read']);
      const elsewhere = await call(unrestricted, 'POST', '/v1/scores', score({ platformId: other.platformId, contextId: other.contextId, resourceLinkId: other.resourceLinkId }));
      expect(elsewhere.status).toBe(202);
      await settled(elsewhere.body.id);
      expect((await call(token, 'GET', `/v1/scores/events/${elsewhere.body.id}`)).status).toBe(403);
      expect((await call(token, 'GET', `/v1/scores?platformId=${encodeURIComponent(other.platformId)}`)).status).toBe(403);
      const mine = await call(token, 'GET', '/v1/scores?limit=1000');
      expect(mine.status).toBe(200);
      expect(mine.body.scores.every((s: { platformId: string }) => s.platformId === activity.platformId)).toBe(true);

      const own = await settled(batch.body.items[0].id);
      expect(own).toMatchObject({ state: 'delivered', submittedBy: `scoped-${run}` });
      expect((await call(token, 'GET', `/v1/scores/events/${own.id}`)).status).toBe(200);
    });
  });

  describe('idempotency per grader', () => {
    it('makes one event per key and Idempotency-Key, two for two keys', async () => {
      const a = await scopedToken(`grader-a-${run}`, ['scores:write']);
      const b = await scopedToken(`grader-b-${run}`, ['scores:write']);
      const body = score({ userId: 'learner-2' });
      const first = await call(a, 'POST', '/v1/scores', body, { 'idempotency-key': 'shared-key-1' });
      const retried = await call(a, 'POST', '/v1/scores', { ...body, scoreGiven: 1 }, { 'idempotency-key': 'shared-key-1' });
      const fromB = await call(b, 'POST', '/v1/scores', score({ userId: 'learner-3' }), { 'idempotency-key': 'shared-key-1' });
      expect([first.status, retried.status, fromB.status]).toEqual([202, 202, 202]);
      expect(retried.body.id).toBe(first.body.id);
      expect(fromB.body.id).not.toBe(first.body.id);
      expect(await settled(first.body.id)).toMatchObject({ state: 'delivered', submittedBy: `grader-a-${run}`, score: { scoreGiven: 7 } });
      expect(await settled(fromB.body.id)).toMatchObject({ state: 'delivered', submittedBy: `grader-b-${run}` });
    });
  });

  describe('following an event', () => {
    it('answers delivered, superseded, failed and dead-lettered, and 404 for an id never accepted', async () => {
      const token = await scopedToken(`follower-${run}`, ['scores:write']);
      const older = score({ userId: 'learner-1', scoreGiven: 1 });
      const newer = score({ userId: 'learner-1', scoreGiven: 2 });
      const n = (await call(token, 'POST', '/v1/scores', newer)).body.id;
      const o = (await call(token, 'POST', '/v1/scores', older)).body.id;
      expect(await settled(n)).toMatchObject({ state: 'delivered', attempts: 1, lineItemId: expect.any(String), deliveredAt: expect.any(String) });
      expect(await settled(o)).toMatchObject({ state: 'superseded', reason: expect.any(String) });

      const refused = (await call(token, 'POST', '/v1/scores', score({ userId: 'not-enrolled' }))).body.id;
      expect(await settled(refused)).toMatchObject({ state: 'failed', reason: 'User not found in course or is not a student' });

      const kafkaId = `kafka-${randomUUID()}`;
      await publishScores(producer, prefix, [{ id: kafkaId, data: score({ userId: 'learner\u0000-1' }) }]);
      const letter = await settled(kafkaId);
      expect(letter).toMatchObject({ state: 'dead-lettered', reason: expect.stringContaining('data.userId') });
      expect(letter.submittedBy).toBeUndefined();

      const future = `kafka-${randomUUID()}`;
      await publishScores(producer, prefix, [{ id: future, data: score({ timestamp: '9999-12-31T23:59:59Z' }) }]);
      expect(await settled(future)).toMatchObject({ state: 'dead-lettered', reason: expect.stringContaining('data.timestamp') });

      expect((await eventOf(`never-${randomUUID()}`)).status).toBe(404);
    });

    it('names the source event and its correlation id on the outcome event', async () => {
      const token = await scopedToken(`outcomes-${run}`, ['scores:write']);
      const id = (await call(token, 'POST', '/v1/scores', score({ userId: 'learner-3' }))).body.id;
      await settled(id);
      const mine = await findRecord(`${prefix}${TOPICS.scoreDelivered}`, (e) => e.data?.eventId === id);
      expect(mine.data).toMatchObject({ outcome: 'delivered', eventId: id, correlationId: expect.any(String) });
    });
  });

  describe('adversarial payloads', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const fc = require('fast-check') as typeof import('fast-check');

    const nasty = fc.constantFrom('\u0000', '\u0001', '\u001b', '\u007f', '\t', '\n', '\r', '\ud800', '\udfff', '😀', 'é', 'a', '"', '\\', ' ');
    const text = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.fullUnicodeString({ maxLength: 20 }),
      fc.stringOf(nasty, { maxLength: 12 }),
      fc.integer({ min: 62, max: 65 }).map((n) => '😀'.repeat(n)),
      fc.integer({ min: 254, max: 256 }).map((n) => 'x'.repeat(n)),
      fc.constant(''),
    );
    const number = fc.oneof(
      fc.double({ noNaN: false }),
      fc.constantFrom(0, -0, -1, 5e-324, 1e308, 1.7976931348623157e308, 100, 10, 0.5),
      fc.integer(),
    );
    const now = Date.now();
    const timestamp = fc.oneof(
      fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString()),
      fc.integer({ min: -3_600, max: 200 }).map((s) => new Date(now + s * 1000).toISOString()),
      fc.constantFrom('9999-12-31T23:59:59Z', '0001-01-01T00:00:00Z', '1970-01-01T00:00:00.123456789+14:00', '2026-02-31T10:00:00Z', '2026-01-01T24:00:00Z', new Date(now + 400_000).toISOString()),
    );
    const override = fc.record(
      {
        userId: fc.oneof(fc.constantFrom(...learners.slice(0, 3), 'stranger'), text),
        contextId: text,
        resourceLinkId: text,
        comment: fc.oneof(text, fc.fullUnicodeString({ minLength: 3990, maxLength: 4010 })),
        scoreGiven: number,
        scoreMaximum: number,
        timestamp,
        lineItem: fc.record({ resourceId: text, tag: text, label: text, scoreMaximum: number }, { requiredKeys: [] }),
      },
      { requiredKeys: [] },
    );
    // Mostly the launched activity, so most accepted scores can reach a terminal state; half the
    // payloads change one field only, so many are valid and travel all the way to the LMS.
    const oneField = fc.oneof(
      fc.record({ userId: fc.constantFrom(...learners.slice(0, 3), 'stranger', 'x'.repeat(255), '😀'.repeat(63) + 'abc') }),
      fc.record({ comment: fc.oneof(text, fc.fullUnicodeString({ minLength: 3990, maxLength: 4010 })) }),
      fc.record({ scoreGiven: number }),
      fc.record({ scoreMaximum: number }),
      fc.record({ timestamp }),
      fc.record({ lineItem: fc.record({ resourceId: text, label: text, scoreMaximum: number }, { requiredKeys: [] }) }),
      fc.constant({}),
    );
    const payload = fc.tuple(fc.oneof(oneField, override), fc.boolean(), fc.boolean()).map(([over, keepTriple, keepUser]) => {
      const base = score({ timestamp: new Date(now - 60_000).toISOString() });
      const merged: Record<string, unknown> = { ...base, ...over };
      if (keepTriple) {
        merged.contextId = base.contextId;
        merged.resourceLinkId = base.resourceLinkId;
      }
      const userId = (over as { userId?: unknown }).userId;
      if (keepUser && typeof userId === 'string' && !learners.includes(userId)) merged.userId = base.userId;
      return merged;
    });

    const launched = (s: Record<string, unknown>) => s.platformId === activity.platformId && s.contextId === activity.contextId && s.resourceLinkId === activity.resourceLinkId;
    const namesAField = (messages: unknown) => Array.isArray(messages) && messages.length > 0 && messages.every((m) => typeof m === 'string' && /^(\(body\)|[A-Za-z][\w.]*): /.test(m));

    it('answers each HTTP payload with a 4xx naming the field, or an event that settles', async () => {
      const token = await scopedToken(`fuzzer-${run}`, ['scores:write']);
      const accepted: Array<{ id: string; launched: boolean }> = [];
      await fc.assert(
        fc.asyncProperty(payload, fc.boolean(), async (body, duplicateKey) => {
          // JSON.stringify writes NaN and Infinity as null; a duplicate key is only expressible as raw text.
          const raw = duplicateKey ? JSON.stringify(body).replace(/^\{/, `{"userId":"\\u0000shadowed",`) : JSON.stringify(body);
          const res = await call(token, 'POST', '/v1/scores', raw);
          if (res.status === 202) accepted.push({ id: res.body.id, launched: launched(body) });
          else {
            expect([400, 403]).toContain(res.status);
            expect(namesAField(res.body.message)).toBe(true);
          }
        }),
        { numRuns: 150, seed: Number(process.env.FC_SEED ?? Date.now() % 2 ** 31) },
      );
      // a number JSON cannot carry as a double
      const huge = await call(token, 'POST', '/v1/scores', JSON.stringify(score()).replace('"scoreGiven":7', '"scoreGiven":1e400'));
      expect(huge.status).toBe(400);
      expect(huge.body.message).toEqual([expect.stringMatching(/^scoreGiven: /)]);

      expect(accepted.length).toBeGreaterThan(0);
      for (const event of accepted) {
        const states = event.launched ? ['delivered', 'superseded', 'failed'] : ['delivered', 'superseded', 'failed', 'pending', 'waiting-for-launch'];
        await settled(event.id, states, 90_000); // never dead-lettered: what HTTP accepts, PostgreSQL keeps
      }
    });

    it('dead-letters or settles each Kafka record, and the dead-letter consumer survives them all', async () => {
      const records: Array<{ id?: string; data: unknown; raw?: string; launched: boolean }> = [];
      fc.sample(payload, { numRuns: 100, seed: 7 }).forEach((data) => records.push({ id: `fuzz-${randomUUID()}`, data, launched: launched(data) }));
      const garbage = [
        'not json \u0000 at all',
        '{"id":"dup","id":"x\\u0000","specversion":"1.0"}',
        JSON.stringify({ specversion: '1.0', id: `huge-${randomUUID()}`, data: { comment: 'x'.repeat(900_000) } }),
      ];
      const ids = records.map((r) => r.id!);
      await publishScores(producer, prefix, records);
      await publishScores(producer, prefix, garbage.map((raw) => ({ data: score(), raw, launched: false })));
      await producer.send({ topic: `${prefix}${TOPICS.scoreReady}`, acks: -1, messages: [{ key: 'k', value: Buffer.from([0x7b, 0xff, 0xfe, 0x00, 0xc3, 0x28]) }] });
      // Straight onto the dead-letter topic too, as a broken producer might: the consumer must store it, not stall on it.
      await producer.send({ topic: `${prefix}${deadLetterTopic(TOPICS.scoreReady)}`, acks: -1, messages: [{ key: null, value: Buffer.from([0x00, 0xff, 0xd8, 0x00]), headers: { 'dlq-error': 'bad \u0000 header' } }] });

      for (const [n, id] of ids.entries()) {
        const states = records[n].launched ? TERMINAL : [...TERMINAL, 'pending', 'waiting-for-launch'];
        const event = await settled(id, states, 90_000);
        if (event.state === 'dead-lettered') expect(event.reason).toMatch(/(^|; )(data(\.[\w]+)*|\(record\)|id): /);
      }

      const letters = await eventually(async () => {
        const all = await admin.allDeadLetters({ kind: 'ingest' });
        return all.length >= garbage.length + 2 ? all : undefined;
      });
      expect(letters.every((l: { reason: string }) => l.reason.length > 0)).toBe(true);
      await eventually(async () => (await admin.allDeadLetters({ kind: 'ingest' })).some((l: { reason: string }) => l.reason === 'bad \ufffd header'));
      expect(letters.filter((l: { raw: string | null; payload: unknown }) => l.raw !== null && l.payload === null).length).toBeGreaterThan(0);

      // Still live, the dead-letter consumer counted, and the next valid score goes through.
      expect((await fetch(`${grading.url}/health/live`)).status).toBe(200);
      const metrics = await (await fetch(`${grading.url}/metrics`)).text();
      expect(metrics).toMatch(/kafka_records_consumed_total\{topic="grading\.score-ready\.v1\.dlq"[^}]*\} [1-9]/);
      const next = `final-${randomUUID()}`;
      await publishScores(producer, prefix, [{ id: next, data: score({ userId: 'learner-final', timestamp: new Date().toISOString() }) }]);
      expect(await settled(next)).toMatchObject({ state: 'delivered' });
    });
  });
});
