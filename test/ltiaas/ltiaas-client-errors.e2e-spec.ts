import { LTIK_LIFETIME_MS, LtiaasRetryableError, type LtiaasCredential, type Score } from '@app/ltiaas';
import { ACTIVITY, COURSE, ClientHarness, learners, PLATFORM, type HarnessLaunch } from './ltiaas-client.harness';

function score(userId: string, timestamp = new Date().toISOString()): Score {
  return { userId, scoreGiven: 5, scoreMaximum: 10, activityProgress: 'Completed', gradingProgress: 'FullyGraded', timestamp };
}

describe('LtiaasClient failures, classified', () => {
  let harness: ClientHarness;
  let launch: HarnessLaunch;
  let svc: LtiaasCredential;
  let lineItemId: string;

  beforeAll(async () => {
    harness = await ClientHarness.start();
  });
  afterAll(() => harness.close());

  beforeEach(async () => {
    await harness.reset();
    launch = await harness.launch({ platformId: PLATFORM, contextId: COURSE, resourceLinkId: ACTIVITY, userId: 'learner-0', lineItem: { label: 'Quiz', scoreMaximum: 10 } });
    svc = { serviceKey: launch.serviceKey };
    lineItemId = launch.lineItemId!;
    await harness.emulator.admin.enroll(PLATFORM, COURSE, [...learners(3), { userId: 'teacher-1', roles: ['Instructor'] }]);
  });

  afterEach(() => {
    expect(harness.leakedSecrets()).toEqual([]);
  });

  it('429 with Retry-After in seconds is retryable after that delay', async () => {
    await harness.emulator.admin.setFaults({ rules: [{ kind: 'too-many-requests', endpoints: ['scores.post'], retryAfterSeconds: 3, times: 1 }] });
    const error = await harness.failure(harness.client().postScore(svc, lineItemId, score('learner-1')));
    expect(error).toBeInstanceOf(LtiaasRetryableError);
    expect(error).toMatchObject({ kind: 'retryable', reason: 'rate-limited', status: 429, retryAfterMs: 3000 });
  });

  it('429 with Retry-After as an HTTP date is read against the clock', async () => {
    await harness.emulator.admin.setFaults({ rules: [{ kind: 'too-many-requests', retryAfterSeconds: 5, retryAfterFormat: 'http-date', times: 1 }] });
    const error = (await harness.failure(harness.client().getLineItem(svc, lineItemId))) as LtiaasRetryableError;
    expect(error.reason).toBe('rate-limited');
    expect(error.retryAfterMs).toBeGreaterThan(3000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(5000);
  });

  it("Canvas's 403 Rate Limit Exceeded is retryable, not a bad credential", async () => {
    await harness.emulator.admin.setFaults({ rules: [{ kind: 'forbidden-rate-limit', times: 1 }] });
    const error = await harness.failure(harness.client().postScore(svc, lineItemId, score('learner-1')));
    expect(error).toMatchObject({ kind: 'retryable', reason: 'rate-limited', status: 403 });
  });

  it('an exhausted platform bucket in the 403 style is retryable and shows 0 remaining', async () => {
    await harness.emulator.admin.configurePlatform(PLATFORM, { rateLimit: { perSecond: 0.001, burst: 2, style: '403' } });
    const client = harness.client();
    const first = await client.postScore(svc, lineItemId, score('learner-1'));
    expect(first.rateLimitRemaining).toBe(1);
    await client.postScore(svc, lineItemId, score('learner-2'));
    const error = await harness.failure(client.postScore(svc, lineItemId, score('learner-1')));
    expect(error).toMatchObject({ kind: 'retryable', reason: 'rate-limited', status: 403, rateLimitRemaining: 0 });
  });

  it.each([500, 502, 503, 504] as const)('%d is retryable', async (status) => {
    await harness.emulator.admin.setFaults({ rules: [{ kind: 'http-error', status, times: 1 }] });
    const error = await harness.failure(harness.client().listMemberships(svc));
    expect(error).toMatchObject({ kind: 'retryable', status, reason: status === 504 ? 'timeout' : 'server-error' });
  });

  it('latency beyond the client timeout is a retryable timeout', async () => {
    await harness.emulator.admin.setFaults({ rules: [{ kind: 'latency', ms: 1500, endpoints: ['scores.post'], times: 1 }] });
    const client = harness.client({ headersTimeoutMs: 300 });
    const started = Date.now();
    const error = await harness.failure(client.postScore(svc, lineItemId, score('learner-1')));
    expect(error).toMatchObject({ kind: 'retryable', reason: 'timeout', transportCode: 'UND_ERR_HEADERS_TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(1400);
    await expect(client.postScore(svc, lineItemId, score('learner-1'))).resolves.toMatchObject({ requestId: expect.any(String) });
  });

  it('a reset connection is retryable', async () => {
    await harness.emulator.admin.setFaults({ rules: [{ kind: 'connection-reset', times: 1 }] });
    const error = await harness.failure(harness.client().getResults(svc, lineItemId));
    expect(error).toMatchObject({ kind: 'retryable', reason: 'network' });
  });

  it('a revoked serviceKey is credential-invalid', async () => {
    await harness.emulator.admin.revokeServiceKey(launch.serviceKey!);
    const error = await harness.failure(harness.client().postScore(svc, lineItemId, score('learner-1')));
    expect(error).toMatchObject({ kind: 'credential-invalid', status: 401, scheme: 'SERVICE-AUTH-V1', detailsMessage: 'INVALID_LTIK_AUTH_AUTHORIZATION_HEADER' });
  });

  it('an ltik the platform already considers expired (clock skew) is credential-invalid', async () => {
    await harness.emulator.admin.advanceClock(LTIK_LIFETIME_MS); // the emulator's clock only
    const error = await harness.failure(harness.client().getIdToken({ token: launch.ltik, issuedAt: launch.issuedAt }));
    expect(error).toMatchObject({ kind: 'credential-invalid', status: 401, scheme: 'LTIK-AUTH-V2' });
  });

  it('a wrong API key is credential-invalid', async () => {
    const error = await harness.failure(harness.client({ apiKey: 'not-the-account-key' }).getLineItem(svc, lineItemId));
    expect(error).toMatchObject({ kind: 'credential-invalid', status: 401 });
    expect(error.message).not.toContain('not-the-account-key');
  });

  it('an expired ltik and no serviceKey never reach the network', async () => {
    await harness.advanceClock(LTIK_LIFETIME_MS);
    const before = (await harness.emulator.admin.requests()).length;
    const error = await harness.failure(harness.client().postScore({ ltik: { token: launch.ltik, issuedAt: launch.issuedAt } }, lineItemId, score('learner-1')));
    expect(error).toMatchObject({ kind: 'missing-credential', code: 'NO_SERVICE_KEY_OR_LIVE_LTIK', endpoint: 'scores' });
    expect((await harness.emulator.admin.requests()).length).toBe(before);
  });

  it("Moodle's 409 for an older timestamp is superseded", async () => {
    await harness.emulator.admin.configurePlatform(PLATFORM, { timestampMode: 'strict-409' });
    const client = harness.client();
    await client.postScore(svc, lineItemId, score('learner-1', '2025-03-01T12:00:02.000Z'));
    const error = await harness.failure(client.postScore(svc, lineItemId, score('learner-1', '2025-03-01T12:00:01.000Z')));
    expect(error).toMatchObject({ kind: 'superseded', status: 409 });
  });

  it("Canvas's 400 'before last updated timestamp' is superseded", async () => {
    await harness.emulator.admin.configurePlatform(PLATFORM, { timestampMode: 'strict-400' });
    const client = harness.client();
    await client.postScore(svc, lineItemId, score('learner-1', '2025-03-01T12:00:02.000Z'));
    const error = await harness.failure(client.postScore(svc, lineItemId, score('learner-1', '2025-03-01T12:00:01.000Z')));
    expect(error).toMatchObject({ kind: 'superseded', status: 400 });
  });

  it("a 422 reaches the operator in the platform's own words", async () => {
    const error = await harness.failure(harness.client().postScore(svc, lineItemId, score('teacher-1')));
    expect(error).toMatchObject({ kind: 'invalid-request', status: 422, error: 'Unprocessable Entity' });
    expect(JSON.stringify(error.bodyReceived)).toContain('User not found in course or is not a student');
    expect(error.message).toContain('User not found in course or is not a student');
  });

  it('an unknown line item is not-found', async () => {
    const error = await harness.failure(harness.client().postScore(svc, `${lineItemId.replace('/lineitems/1?', '/lineitems/999?')}`, score('learner-1')));
    expect(error).toMatchObject({ kind: 'not-found', status: 404 });
  });

  it('an invalid body is an invalid request carrying the envelope', async () => {
    const bad = { ...score('learner-1'), scoreGiven: -1 };
    const error = await harness.failure(harness.client().postScore(svc, lineItemId, bad));
    expect(error).toMatchObject({ kind: 'invalid-request', status: 400, error: 'Bad Request' });
    expect(error.detailsMessage).toEqual(expect.any(String));
  });

  it('INACTIVE_SERVICE is an invalid request; UNREGISTERED_OR_INACTIVE_PLATFORM waits for the account, not a new credential', async () => {
    await harness.emulator.admin.setFaults({
      rules: [
        { kind: 'ltiaas-error', code: 'INACTIVE_SERVICE', endpoints: ['memberships'], times: 1 },
        { kind: 'ltiaas-error', code: 'UNREGISTERED_OR_INACTIVE_PLATFORM', endpoints: ['lineitems.get'], times: 1 },
      ],
    });
    const client = harness.client();
    await expect(harness.failure(client.listMemberships(svc))).resolves.toMatchObject({ kind: 'invalid-request', detailsMessage: 'INACTIVE_SERVICE' });
    await expect(harness.failure(client.getLineItem(svc, lineItemId))).resolves.toMatchObject({ kind: 'retryable', reason: 'platform-inactive', detailsMessage: 'UNREGISTERED_OR_INACTIVE_PLATFORM' });
  });

  it.each(['details.code', 'error'] as const)('finds a named code in %s too (reference §11)', async (codeIn) => {
    await harness.emulator.admin.setFaults({ rules: [{ kind: 'ltiaas-error', code: 'SERVICE_NOT_AVAILABLE_FOR_CONTEXT', codeIn, times: 1 }] });
    await expect(harness.failure(harness.client().listMemberships(svc))).resolves.toMatchObject({ kind: 'invalid-request', status: 403 });
  });

  it.each([401, 403] as const)('a %d the LMS gave LTIAAS (externalError) is retryable, never a refused serviceKey', async (status) => {
    await harness.emulator.admin.setFaults({ rules: [{ kind: 'lms-refused', status, times: 1 }] });
    const error = await harness.failure(harness.client().postScore(svc, lineItemId, score('learner-1')));
    expect(error).toBeInstanceOf(LtiaasRetryableError);
    expect(error).toMatchObject({ kind: 'retryable', reason: 'lms-refused', status });
    await expect(harness.client().postScore(svc, lineItemId, score('learner-1'))).resolves.toMatchObject({ requestId: expect.any(String) });
  });

  it('logged every failure at debug level without a secret', () => {
    const failures = harness.logLines.filter((l) => l.includes('ltiaas request failed'));
    expect(failures.length).toBeGreaterThan(10);
    expect(harness.errorTexts.length).toBeGreaterThan(10);
    expect(harness.leakedSecrets()).toEqual([]);
    expect([...harness.logLines, ...harness.errorTexts].join('\n')).not.toMatch(/(LTIK-AUTH-V2|SERVICE-AUTH-V1|Bearer) (?!\[REDACTED\])/);
  });
});
