// The capture path over real Kafka, PostgreSQL and the emulator: launch reads
// the ID token, seals the serviceKey for the vault, publishes LaunchCaptured;
// the vault opens the seal, re-encrypts the key at rest and hands it back to
// authorised callers.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CompactEncrypt, importJWK, type JWK } from 'jose';
import { contextKey, envelope, LAUNCH_CAPTURED_V1, TOPICS, type ContextTriple, type LaunchCapturedData } from '@app/contracts';
import { EnvelopeCipher, LocalKeyring, masterKeysSchema, SecretIntegrityError } from '../../apps/credential-vault/src/crypto';
import { serviceKeyAad } from '../../apps/credential-vault/src/credentials/service-key.aad';
import { callerWithScopes } from '../support/auth';
import { testLaunchSigning } from '../support/launch-signing';
import { eventually, readTopic } from '../support/infra';
import { CaptureStack } from './capture-stack';
import { captureStdout, type LogCapture } from './log-capture';

const run = promisify(execFile);

const triple = (n: string): ContextTriple => ({ platformId: 'https://canvas.example.edu', contextId: `course-${n}`, resourceLinkId: `quiz-${n}` });

describe('capturing serviceKeys at launch', () => {
  let stack: CaptureStack;
  let logs: LogCapture;

  beforeAll(async () => {
    logs = captureStdout();
    // debug: the most log lines the apps can write, for the leak check at the end.
    stack = await CaptureStack.start('capture', { logLevel: 'debug' });
  });

  afterAll(async () => {
    await stack?.close();
    logs?.stop();
  });

  async function resolved(t: ContextTriple, expectedKey?: string): Promise<{ serviceKey: string; capturedAt: string; services: unknown }> {
    return eventually(
      async () => {
        const res = await stack.resolve(t);
        if (res.status !== 200) return undefined;
        const body = (await res.json()) as { serviceKey: string; capturedAt: string; services: unknown };
        return expectedKey === undefined || body.serviceKey === expectedKey ? body : undefined;
      },
      { what: `the vault to resolve ${contextKey(t)}${expectedKey ? ' to the expected key' : ''}` },
    );
  }

  async function caughtUp(): Promise<void> {
    await eventually(() => stack.vaultCaughtUp(), { what: 'the vault consumer to commit every record' });
  }

  async function sealFor(t: ContextTriple, plaintext: string): Promise<string> {
    const publicKey = await importJWK(JSON.parse(stack.secrets.VAULT_SEAL_PUBLIC_JWK) as JWK, 'ECDH-ES');
    return new CompactEncrypt(new TextEncoder().encode(plaintext)).setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM', ctx: { ...t } } as never).encrypt(publicKey);
  }

  async function publishRaw(records: Array<{ key: string; value: string }>): Promise<void> {
    const producer = stack.kafka.producer();
    await producer.connect();
    try {
      await producer.send({ topic: stack.topic, messages: records });
    } finally {
      await producer.disconnect();
    }
  }

  const eventData = (t: ContextTriple, over: Partial<LaunchCapturedData> = {}): LaunchCapturedData => ({
    ...t,
    userId: 'crafted',
    roles: ['Learner'],
    launchedAt: new Date().toISOString(),
    services: { assignmentAndGrades: { available: true }, namesAndRoles: { available: true } },
    ...over,
  });

  describe('a launch', () => {
    const t = triple('1');
    let firstKey: string;
    let secondKey: string;

    it('redirects the user to the tool with the ltik and ends with the vault holding exactly the key the emulator issued', async () => {
      const launch = await stack.lmsLaunch({ ...t, lineItem: { label: 'Quiz 1', scoreMaximum: 10 }, contextTitle: 'Biology 101', resourceLinkTitle: 'Quiz 1' });
      expect(launch.serviceKey).toBeDefined();
      firstKey = launch.serviceKey!;

      const res = await stack.visit(launch.ltik);
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe(`/app?ltik=${encodeURIComponent(launch.ltik)}`);
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');

      const body = await resolved(t);
      expect(body).toMatchObject({ ...t, serviceKey: firstKey, services: { assignmentAndGrades: { available: true, lineItemId: launch.lineItemId }, namesAndRoles: { available: true } } });
      expect(body.capturedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    });

    it('keeps the key encrypted at rest under the active master key, bound to its row', async () => {
      const { rows } = await stack.db.query(`SELECT * FROM vault.service_keys WHERE platform_id = $1 AND context_id = $2 AND resource_link_id = $3`, [t.platformId, t.contextId, t.resourceLinkId]);
      expect(rows).toHaveLength(1);
      expect(rows[0].master_key_id).toBe('k1');
      expect(JSON.stringify(rows[0])).not.toContain(firstKey);
      const cipher = new EnvelopeCipher(new LocalKeyring(masterKeysSchema.parse(stack.secrets.VAULT_MASTER_KEYS)));
      const sealed = { v: rows[0].secret_format, keyId: rows[0].master_key_id, wrappedKey: rows[0].wrapped_data_key, ciphertext: rows[0].ciphertext };
      expect(await cipher.decrypt(sealed, serviceKeyAad(t))).toBe(firstKey);
    });

    it('puts only the sealed key on Kafka, keyed by the context triple, with the request id as correlation id', async () => {
      const [record] = await readTopic(stack.kafka, stack.topic, 1);
      expect(record.key?.toString()).toBe(contextKey(t));
      const event = JSON.parse(record.value!.toString());
      expect(event).toMatchObject({ specversion: '1.0', type: LAUNCH_CAPTURED_V1, source: 'launch', data: { ...t, userId: 'learner-1' } });
      expect(event.correlationid).toMatch(/^[0-9a-f-]{36}$/);
      expect(event.data.sealedServiceKey.split('.')).toHaveLength(5);
      expect(record.value!.toString()).not.toContain(firstKey);
    });

    it('audits the store and every resolve, without the secret', async () => {
      const { rows } = await stack.db.query(`SELECT actor, action, detail FROM vault.audit_log WHERE subject_id = $1 ORDER BY id`, [contextKey(t)]);
      expect(rows.find((r) => r.action === 'service-key.store')).toMatchObject({ actor: 'consumer:credential-vault', detail: { launchedBy: 'learner-1', masterKeyId: 'k1' } });
      // The polls before the key arrived are audited too.
      expect(rows.some((r) => r.action === 'service-key.resolve' && r.detail.outcome === 'not-found')).toBe(true);
      expect(rows.some((r) => r.action === 'service-key.resolve' && r.actor === 'test-resolver' && r.detail.outcome === 'resolved')).toBe(true);
      expect(JSON.stringify(rows)).not.toContain(firstKey);
    });

    it('is overwritten by the next launch of the context, which brings a new key', async () => {
      const launch = await stack.lmsLaunch({ ...t, userId: 'teacher-1', roles: ['Instructor'] });
      secondKey = launch.serviceKey!;
      expect(secondKey).not.toBe(firstKey);
      expect((await stack.visit(launch.ltik)).status).toBe(302);
      await resolved(t, secondKey);
      const { rows } = await stack.db.query(`SELECT action FROM vault.audit_log WHERE subject_id = $1 AND action LIKE 'service-key.%' AND action <> 'service-key.resolve' ORDER BY id`, [contextKey(t)]);
      expect(rows.map((r) => r.action)).toEqual(['service-key.store', 'service-key.overwrite']);
    });

    it('is not overwritten by an older event replayed afterwards, nor by a new event with an older launch time', async () => {
      const records = await readTopic(stack.kafka, stack.topic, 2);
      const first = records.map((r) => ({ key: r.key!.toString(), value: r.value!.toString() })).find((r) => JSON.parse(r.value).data.launchedAt < new Date().toISOString());
      const older = JSON.parse(first!.value).data.launchedAt as string;
      // Signed, so that the launch-time ordering is what keeps it out (the replay is refused by id).
      const rogue = await testLaunchSigning.sign(envelope(LAUNCH_CAPTURED_V1, 'launch', eventData(t, { launchedAt: older, sealedServiceKey: await sealFor(t, 'older-rogue-key') })));
      await publishRaw([first!, { key: contextKey(t), value: JSON.stringify(rogue) }]);
      await caughtUp();
      const res = await stack.resolve(t);
      expect(((await res.json()) as { serviceKey: string }).serviceKey).toBe(secondKey);
    });
  });

  describe('a launch without grades or roster services', () => {
    const t = triple('no-services');

    it('publishes LaunchCaptured without a key; the vault knows the context but holds no key', async () => {
      const launch = await stack.lmsLaunch({ ...t, services: { ags: false, nrps: false } });
      expect(launch.serviceKey).toBeUndefined();
      expect((await stack.visit(launch.ltik)).status).toBe(302);
      const page = await eventually(
        async () => {
          const res = await stack.vaultCall('GET', `/v1/contexts?platformId=${encodeURIComponent(t.platformId)}&contextId=${t.contextId}`);
          const body = (await res.json()) as { items: Array<Record<string, unknown>> };
          return body.items.length ? body : undefined;
        },
        { what: 'the context to be listed' },
      );
      expect(page.items[0]).toMatchObject({ ...t, services: { assignmentAndGrades: { available: false }, namesAndRoles: { available: false } }, serviceKey: { present: false } });
      expect((await stack.resolve(t)).status).toBe(404);
      const records = await readTopic(stack.kafka, stack.topic, await stack.topicSize());
      const event = records.map((r) => JSON.parse(r.value!.toString())).find((e) => e.data.contextId === t.contextId);
      expect(event.data.sealedServiceKey).toBeUndefined();
    });
  });

  describe('stale keys', () => {
    const t = triple('stale');
    let key: string;
    let capturedAt: string;

    beforeAll(async () => {
      const launch = await stack.lmsLaunch(t);
      key = launch.serviceKey!;
      await stack.visit(launch.ltik);
      ({ capturedAt } = await resolved(t, key));
    });

    it('answers 409 once marked stale, and audits the mark', async () => {
      const mark = await stack.vaultCall('POST', '/v1/credentials/stale', { ...t, reason: 'LTIAAS answered 401', capturedAt });
      expect(mark.status).toBe(200);
      expect(await mark.json()).toMatchObject({ ...t, stale: true, capturedAt, staleAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/) });
      const res = await stack.resolve(t);
      expect(res.status).toBe(409);
      expect(await res.json()).toMatchObject({ statusCode: 409, error: 'Conflict', message: expect.stringContaining('marked stale') });
      const { rows } = await stack.db.query(`SELECT detail FROM vault.audit_log WHERE subject_id = $1 AND action = 'service-key.stale'`, [contextKey(t)]);
      expect(rows[0].detail).toMatchObject({ outcome: 'marked', reason: 'LTIAAS answered 401' });
    });

    it('becomes fresh again at the next launch of the context', async () => {
      const launch = await stack.lmsLaunch(t);
      await stack.visit(launch.ltik);
      const body = await resolved(t, launch.serviceKey);
      expect(body.capturedAt > capturedAt).toBe(true);
    });

    it('is not marked when the caller reports an older key than the one held', async () => {
      const mark = await stack.vaultCall('POST', '/v1/credentials/stale', { ...t, capturedAt });
      expect(await mark.json()).toMatchObject({ stale: false, staleAt: null });
      expect((await stack.resolve(t)).status).toBe(200);
    });

    it('answers 404 for a context without a key', async () => {
      expect((await stack.vaultCall('POST', '/v1/credentials/stale', triple('never'))).status).toBe(404);
    });
  });

  describe('the vault API', () => {
    it('refuses callers without a token, with a bad one, or without the credentials:resolve scope', async () => {
      for (const token of [null, 'not-a-token', stack.bootstrapKey]) {
        expect((await stack.vaultCall('POST', '/v1/credentials/resolve', triple('1'), token)).status).toBe(401);
        expect((await stack.vaultCall('GET', '/v1/contexts', undefined, token)).status).toBe(401);
        expect((await stack.vaultCall('POST', '/v1/credentials/stale', triple('1'), token)).status).toBe(401);
      }
      const grader = await callerWithScopes(stack.vaultApp.url, stack.bootstrapKey, ['scores:write']);
      const res = await stack.vaultCall('POST', '/v1/credentials/resolve', triple('1'), grader.token);
      expect(res.status).toBe(403);
      expect((await stack.vaultCall('GET', '/v1/contexts', undefined, grader.token)).status).toBe(403);
      const { rows } = await stack.db.query(`SELECT count(*)::int AS n FROM vault.audit_log WHERE action = 'service-key.resolve' AND actor = $1`, [grader.handle]);
      expect(rows[0].n).toBe(0);
    });

    it('names each bad field', async () => {
      const res = await stack.vaultCall('POST', '/v1/credentials/resolve', { platformId: 'p', contextId: '' });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { message: string[] };
      expect(body.message).toEqual(expect.arrayContaining([expect.stringMatching(/^contextId: /), expect.stringMatching(/^resourceLinkId: /)]));
    });

    it('lists contexts a page at a time', async () => {
      const first = (await (await stack.vaultCall('GET', '/v1/contexts?limit=1')).json()) as { items: ContextTriple[]; next: string };
      expect(first.items).toHaveLength(1);
      const second = (await (await stack.vaultCall('GET', `/v1/contexts?limit=1&cursor=${first.next}`)).json()) as { items: ContextTriple[] };
      expect(second.items).toHaveLength(1);
      expect(contextKey(second.items[0]) > contextKey(first.items[0])).toBe(true);
      expect((await stack.vaultCall('GET', '/v1/contexts?cursor=bogus')).status).toBe(400);
    });
  });

  describe('refused launches', () => {
    it('answers a missing or malformed ltik with 400, JSON for programs and a page for browsers, and writes nothing', async () => {
      const before = await stack.topicSize();
      const missing = await stack.visit(undefined);
      expect(missing.status).toBe(400);
      expect(await missing.json()).toMatchObject({ statusCode: 400, error: 'Bad Request', message: [expect.stringMatching(/^ltik: /)] });
      const malformed = await stack.visit('not a token <script>');
      expect(malformed.status).toBe(400);
      const page = await stack.visit(undefined, { accept: 'text/html' });
      expect(page.status).toBe(400);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(await page.text()).toContain('launch link is incomplete');
      expect(await stack.topicSize()).toBe(before);
    });

    it('answers an ltik LTIAAS refuses with 401 and a page that says it is invalid or expired', async () => {
      const before = await stack.topicSize();
      const page = await stack.visit('Zm9yZ2VkLWx0aWs', { accept: 'text/html,application/xhtml+xml' });
      expect(page.status).toBe(401);
      expect(await page.text()).toMatch(/invalid or has expired/);
      const json = await stack.visit('Zm9yZ2VkLWx0aWs');
      expect(json.status).toBe(401);
      expect(await json.json()).toEqual({ statusCode: 401, error: 'Unauthorized', message: 'LTIAAS refused the launch token (ltik): it is invalid or has expired' });
      expect(await stack.topicSize()).toBe(before);
    });

    it('answers 502 when LTIAAS fails or cannot be reached, and writes nothing', async () => {
      const before = await stack.topicSize();
      const launch = await stack.lmsLaunch(triple('unreachable'));
      await stack.emulator.admin.setFaults({ rules: [{ kind: 'http-error', status: 503, endpoints: ['idtoken'], times: 1 }] });
      try {
        expect((await stack.visit(launch.ltik)).status).toBe(502);
      } finally {
        await stack.emulator.admin.clearFaults();
      }
      const dead = await stack.startLaunch({ LTIAAS_URL: 'http://127.0.0.1:9' });
      try {
        const res = await stack.visit(launch.ltik, {}, dead.url);
        expect(res.status).toBe(502);
        expect(await res.json()).toMatchObject({ statusCode: 502, message: 'LTIAAS could not be reached to complete the launch' });
      } finally {
        await dead.app.close();
      }
      expect(await stack.topicSize()).toBe(before);
      expect((await stack.db.query('SELECT count(*)::int AS n FROM launch.outbox')).rows[0].n).toBe(0);
    });
  });

  describe('the landing page', () => {
    it('shows who launched into which course and activity, escaped, and which services are there', async () => {
      const t = triple('landing');
      const launch = await stack.lmsLaunch({ ...t, services: { ags: true, nrps: false }, contextTitle: 'Chem <script>alert(1)</script>', resourceLinkTitle: 'Lab "1"', userName: 'Ada Lovelace' });
      const res = await fetch(`${stack.launchApp.url}/app?ltik=${encodeURIComponent(launch.ltik)}`, { headers: { accept: 'text/html' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
      const html = await res.text();
      expect(html).toContain('Ada Lovelace');
      expect(html).toContain('Chem &lt;script&gt;alert(1)&lt;/script&gt;');
      expect(html).not.toContain('<script>');
      expect(html).toContain('Lab &quot;1&quot;');
      expect(html).toMatch(/Grades \(AGS\)<\/dt><dd><span class="yes">available/);
      expect(html).toMatch(/Roster \(NRPS\)<\/dt><dd><span class="no">not available/);
      expect(html).not.toContain(launch.serviceKey!);
    });
  });

  describe('bad LaunchCaptured records', () => {
    it('go to the dead-letter topic with the reason, and the consumer goes on', async () => {
      const a = triple('dlq-a');
      const b = triple('dlq-b');
      const broken = (await sealFor(a, 'k')).split('.');
      broken[3] = Buffer.from('garbage-ciphertext').toString('base64url');
      const { userId: _omitted, ...withoutUser } = eventData(a);
      // Signed as launch signs: what is refused here is the seal or the contract, not the signature.
      const signed = async (data: LaunchCapturedData) => JSON.stringify(await testLaunchSigning.sign(envelope(LAUNCH_CAPTURED_V1, 'test', data)));
      const earlier = await stack.topicSize(`${stack.topic}.dlq`).catch(() => 0);
      await publishRaw([
        { key: contextKey(a), value: await signed(eventData(a, { sealedServiceKey: broken.join('.') })) },
        { key: contextKey(b), value: await signed(eventData(b, { sealedServiceKey: await sealFor(a, 'key-for-a') })) },
        { key: contextKey(a), value: JSON.stringify(envelope(LAUNCH_CAPTURED_V1, 'test', withoutUser)) },
        { key: contextKey(b), value: await signed(eventData(b, { sealedServiceKey: await sealFor(b, 'good-key-for-b') })) },
      ]);
      const letters = (await readTopic(stack.kafka, `${stack.topic}.dlq`, earlier + 3)).filter((l) => /course-dlq-[ab]/.test(l.value?.toString() ?? ''));
      const reasons = letters.map((l) => l.headers?.['dlq-error']?.toString() ?? '');
      expect(reasons).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/sealed serviceKey does not open/),
          expect.stringMatching(/bound to context .*dlq-a.* not to the event's .*dlq-b/),
          expect.stringMatching(/data\.userId/),
        ]),
      );
      await resolved(b, 'good-key-for-b');
      expect((await stack.resolve(a)).status).toBe(404);
    });
  });

  describe('ciphertexts moved between rows', () => {
    it('fail to open, both of them, with a clear error', async () => {
      const x = triple('swap-x');
      const y = triple('swap-y');
      for (const t of [x, y]) {
        const launch = await stack.lmsLaunch(t);
        await stack.visit(launch.ltik);
        await resolved(t, launch.serviceKey);
      }
      const where = `platform_id = $1 AND context_id = $2 AND resource_link_id = $3`;
      const row = async (t: ContextTriple) => (await stack.db.query(`SELECT * FROM vault.service_keys WHERE ${where}`, [t.platformId, t.contextId, t.resourceLinkId])).rows[0];
      const [rx, ry] = [await row(x), await row(y)];
      await stack.db.query(`UPDATE vault.service_keys SET ciphertext = $4 WHERE ${where}`, [x.platformId, x.contextId, x.resourceLinkId, ry.ciphertext]);
      await stack.db.query(`UPDATE vault.service_keys SET ciphertext = $4 WHERE ${where}`, [y.platformId, y.contextId, y.resourceLinkId, rx.ciphertext]);

      const cipher = new EnvelopeCipher(new LocalKeyring(masterKeysSchema.parse(stack.secrets.VAULT_MASTER_KEYS)));
      for (const t of [x, y]) {
        const r = await row(t);
        await expect(cipher.decrypt({ v: r.secret_format, keyId: r.master_key_id, wrappedKey: r.wrapped_data_key, ciphertext: r.ciphertext }, serviceKeyAad(t))).rejects.toThrow(SecretIntegrityError);
        const res = await stack.resolve(t);
        expect(res.status).toBe(409);
        expect(((await res.json()) as { message: string }).message).toMatch(/failed its integrity check \(ciphertext\)/);
      }
      const { rows } = await stack.db.query(`SELECT count(*)::int AS n FROM vault.audit_log WHERE action = 'service-key.resolve' AND detail->>'outcome' = 'integrity-failure'`);
      expect(rows[0].n).toBe(2);
    });
  });

  // Last: it searches everything the suite produced.
  describe('plaintext serviceKeys', () => {
    it('appear nowhere: not in a dump of the database, not on any topic, not in any log line', async () => {
      const keys = stack.issuedKeys;
      expect(keys.length).toBeGreaterThanOrEqual(8);

      const { stdout: dump } = await run('pg_dump', ['--no-owner', stack.databaseUrl], { maxBuffer: 256 * 1024 * 1024 });
      expect(dump).toContain('service_keys');
      expect(dump).toContain('audit_log');

      const admin = stack.kafka.admin();
      await admin.connect();
      const topics = (await admin.listTopics()).filter((name) => name.startsWith(stack.prefix));
      await admin.disconnect();
      expect(topics).toEqual(expect.arrayContaining([stack.topic, `${stack.topic}.dlq`]));
      let onKafka = '';
      for (const topic of topics) {
        const size = await stack.topicSize(topic);
        for (const r of await readTopic(stack.kafka, topic, size)) {
          onKafka += `${r.key?.toString() ?? ''}\n${r.value?.toString() ?? ''}\n${JSON.stringify(Object.fromEntries(Object.entries(r.headers ?? {}).map(([k, v]) => [k, v?.toString()])))}\n`;
        }
      }
      expect(onKafka).toContain(TOPICS.launchCaptured.length ? 'sealedServiceKey' : '');

      const logText = logs.text();
      expect(logs.lines.length).toBeGreaterThan(50);
      for (const key of keys) {
        expect({ key, inDump: dump.includes(key), onKafka: onKafka.includes(key), inLogs: logText.includes(key) }).toEqual({ key, inDump: false, onKafka: false, inLogs: false });
      }
    });
  });
});
