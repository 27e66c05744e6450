import { EmulatorHandle, FaultsConfigInput, LaunchResult, startEmulator } from '../support/emulator';
import { call, lineItemPath, score, serviceAuth } from './http';

describe('emulator: injected faults', () => {
  let em: EmulatorHandle;
  let launch: LaunchResult;
  let other: LaunchResult;
  const postScore = (l = launch) => call(em.url, 'POST', lineItemPath(l.lineItemId!, '/scores'), { auth: serviceAuth(em, l.serviceKey!), body: score('s1') });
  const roster = (l = launch) => call(em.url, 'GET', '/api/memberships', { auth: serviceAuth(em, l.serviceKey!) });

  /** Status per request, 'reset' when the socket was dropped, with Retry-After when sent. */
  async function run(n: number): Promise<string[]> {
    const seen: string[] = [];
    for (let i = 0; i < n; i++) {
      try {
        const res = await postScore();
        seen.push(`${res.status}${res.headers.get('retry-after') ? `/${res.headers.get('retry-after')}` : ''}`);
      } catch {
        seen.push('reset');
      }
    }
    return seen;
  }

  async function setUp(): Promise<void> {
    await em.admin.reset();
    const base = { userId: 't', roles: ['Instructor'], lineItem: { label: 'L', scoreMaximum: 10 } };
    launch = await em.admin.launch({ ...base, platformId: 'canvas', contextId: 'c', resourceLinkId: 'r' });
    other = await em.admin.launch({ ...base, platformId: 'moodle', contextId: 'c', resourceLinkId: 'r' });
    await em.admin.enroll('canvas', 'c', [{ userId: 's1', roles: ['Learner'] }]);
    await em.admin.enroll('moodle', 'c', [{ userId: 's1', roles: ['Learner'] }]);
  }

  beforeAll(async () => {
    em = await startEmulator();
  });
  afterAll(() => em.close());
  beforeEach(setUp);

  it('repeats exactly the same faults across two runs with the same seed', async () => {
    const config: FaultsConfigInput = {
      seed: 20240501,
      rules: [
        { kind: 'http-error', status: 500, probability: 0.1 },
        { kind: 'http-error', status: 503, probability: 0.1 },
        { kind: 'too-many-requests', probability: 0.15, retryAfterSeconds: 2 },
        { kind: 'forbidden-rate-limit', probability: 0.05 },
        { kind: 'connection-reset', probability: 0.05 },
      ],
    };
    await em.admin.setFaults(config);
    const first = await run(150);
    const firstLog = await em.admin.injectedFaults();
    await setUp();
    await em.admin.setFaults(config);
    const second = await run(150);
    expect(second).toEqual(first);
    expect(await em.admin.injectedFaults()).toEqual(firstLog);
    for (const kind of ['204', '500', '503', '429/2', '403', 'reset']) expect(first).toContain(kind);

    await setUp();
    await em.admin.setFaults({ ...config, seed: 7 });
    expect(await run(150)).not.toEqual(first);
  });

  it('wraps LMS failures in the LTIAAS envelope', async () => {
    await em.admin.setFaults({ rules: [{ kind: 'http-error', status: 502, times: 1 }, { kind: 'forbidden-rate-limit', times: 1 }, { kind: 'http-error', status: 500, times: 1 }] });
    const gateway = await postScore();
    expect(gateway.status).toBe(502);
    expect(gateway.body).toEqual({ status: 502, error: 'Bad Gateway', details: { message: 'BAD_GATEWAY', bodyReceived: expect.stringContaining('502'), externalError: true } });
    const throttled = await postScore();
    expect(throttled.status).toBe(403);
    expect(throttled.body.details).toMatchObject({ bodyReceived: '403 Forbidden (Rate Limit Exceeded)', externalError: true });
    expect((await postScore()).status).toBe(500);
    expect((await postScore()).status).toBe(204);
  });

  it('sends Retry-After in seconds or as an HTTP date', async () => {
    await em.admin.setFaults({ rules: [{ kind: 'too-many-requests', retryAfterSeconds: 30, times: 1 }, { kind: 'too-many-requests', retryAfterSeconds: 30, retryAfterFormat: 'http-date', times: 1 }] });
    const seconds = await postScore();
    expect(seconds.status).toBe(429);
    expect(seconds.headers.get('retry-after')).toBe('30');
    expect(seconds.body).toMatchObject({ status: 429, error: 'Too Many Requests', details: { externalError: true } });
    const date = await postScore();
    expect(date.status).toBe(429);
    const at = Date.parse(date.headers.get('retry-after')!);
    expect(at - Date.now()).toBeGreaterThan(20_000);
  });

  it('resets connections and records it', async () => {
    await em.admin.setFaults({ rules: [{ kind: 'connection-reset', times: 1 }] });
    await expect(postScore()).rejects.toThrow();
    expect((await postScore()).status).toBe(204);
    const log = await em.admin.requests();
    expect(log.map((r) => r.status)).toEqual([0, 204]);
    expect((await em.admin.counters()).connectionResets).toBe(1);
  });

  it('scopes rules per endpoint and per platform', async () => {
    await em.admin.setFaults({ rules: [{ kind: 'http-error', status: 503, endpoints: ['memberships'], platforms: ['moodle'] }] });
    expect((await roster(other)).status).toBe(503);
    expect((await roster(launch)).status).toBe(200);
    expect((await postScore(other)).status).toBe(204);
    await em.admin.clearFaults();
    expect((await roster(other)).status).toBe(200);
  });

  it('returns the named LTIAAS errors on demand', async () => {
    const codes = ['INACTIVE_SERVICE', 'SERVICE_NOT_AVAILABLE_FOR_CONTEXT', 'UNREGISTERED_OR_INACTIVE_PLATFORM'] as const;
    await em.admin.setFaults({ rules: codes.map((code) => ({ kind: 'ltiaas-error' as const, code, times: 1 })) });
    for (const code of codes) {
      const res = await roster();
      expect(res.status).toBe(code === 'UNREGISTERED_OR_INACTIVE_PLATFORM' ? 401 : 403);
      expect(res.body).toEqual({ status: res.status, error: expect.any(String), details: { message: code, description: expect.any(String) } });
    }
    await em.admin.setFaults({ rules: [{ kind: 'ltiaas-error', code: 'INACTIVE_SERVICE', status: 400 }] });
    expect((await roster()).status).toBe(400);
  });

  it('puts a named code where LTIAAS has been seen to put it: details.message, details.code or error', async () => {
    const code = 'SERVICE_NOT_AVAILABLE_FOR_CONTEXT';
    const places = ['details.message', 'details.code', 'error'] as const;
    await em.admin.setFaults({ rules: places.map((codeIn) => ({ kind: 'ltiaas-error' as const, code, codeIn, times: 1 })) });
    const bodies = [];
    for (let i = 0; i < places.length; i++) bodies.push((await roster()).body);
    expect(bodies[0]).toMatchObject({ error: 'Forbidden', details: { message: code } });
    expect(bodies[1]).toMatchObject({ error: 'Forbidden', details: { code } });
    expect(bodies[1].details.message).toBeUndefined();
    expect(bodies[2]).toMatchObject({ status: 403, error: code });
  });

  it('relays the LMS refusing LTIAAS itself as an external 401 or 403', async () => {
    await em.admin.setFaults({ rules: [{ kind: 'lms-refused', times: 1 }, { kind: 'lms-refused', status: 403, times: 1 }] });
    const first = await postScore();
    expect(first.status).toBe(401);
    expect(first.body.details).toMatchObject({ externalError: true, bodyReceived: { errors: [{ message: 'Invalid access token.' }] } });
    const second = await postScore();
    expect(second.status).toBe(403);
    expect(second.body.details.externalError).toBe(true);
    expect((await postScore()).status).toBe(204);
  });

  it('adds latency, fixed and random', async () => {
    await em.admin.setFaults({ rules: [{ kind: 'latency', ms: 150, endpoints: ['memberships'] }, { kind: 'latency', minMs: 10, maxMs: 50 }] });
    const t0 = Date.now();
    expect((await roster()).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(155);
  });

  it('rate-limits a platform with a token bucket, reporting X-Rate-Limit-Remaining on each of its responses', async () => {
    await em.admin.configurePlatform('canvas', { rateLimit: { perSecond: 0.5, burst: 3 } });
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await postScore());
    expect(answers.map((r) => r.status)).toEqual([204, 204, 204, 429]);
    expect(answers.map((r) => r.headers.get('x-rate-limit-remaining'))).toEqual(['2', '1', '0', '0']);
    expect(Number(answers[3].headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const otherPlatform = await postScore(other);
    expect(otherPlatform.status).toBe(204);
    expect(otherPlatform.headers.get('x-rate-limit-remaining')).toBeNull();

    await em.admin.advanceClock(2000);
    expect((await postScore()).status).toBe(204);
    await em.admin.configurePlatform('canvas', { rateLimit: { perSecond: 1, burst: 1, style: '403' } });
    expect((await postScore()).status).toBe(204);
    expect((await postScore()).body.details.bodyReceived).toBe('403 Forbidden (Rate Limit Exceeded)');
    await em.admin.configurePlatform('canvas', { rateLimit: null });
    expect((await postScore()).headers.get('x-rate-limit-remaining')).toBeNull();
    expect((await em.admin.counters()).faults['platform-rate-limit']).toBe(2);
  });
});

describe('emulator: faults from EMULATOR_FAULTS', () => {
  it('applies them from start-up, and again after a reset', async () => {
    const faults = { seed: 5, rules: [{ kind: 'http-error', status: 502, endpoints: ['idtoken'] }] };
    const em = await startEmulator({ env: { EMULATOR_FAULTS: JSON.stringify(faults) } });
    try {
      const idtoken = async () => {
        const l = await em.admin.launch({ platformId: 'p', contextId: 'c', resourceLinkId: 'r', userId: 'u' });
        return (await call(em.url, 'GET', '/api/idtoken', { auth: `LTIK-AUTH-V2 ${em.apiKey}:${l.ltik}` })).status;
      };
      expect(await idtoken()).toBe(502);
      await em.admin.clearFaults();
      expect(await idtoken()).toBe(200);
      await em.admin.reset();
      expect(await idtoken()).toBe(502);
    } finally {
      await em.close();
    }
  });
});

describe('emulator: without rate-limit headers (EMULATOR_RATE_LIMIT_HEADERS=false), as real LTIAAS', () => {
  let em: EmulatorHandle;

  beforeAll(async () => {
    em = await startEmulator({ env: { EMULATOR_RATE_LIMIT_HEADERS: 'false' } });
  });
  afterAll(() => em.close());

  it('throttles and fails as before, but sends neither Retry-After nor X-Rate-Limit-Remaining', async () => {
    const launch = await em.admin.launch({ platformId: 'canvas', contextId: 'c', resourceLinkId: 'r', userId: 't', roles: ['Instructor'], lineItem: { label: 'L', scoreMaximum: 10 } });
    await em.admin.enroll('canvas', 'c', [{ userId: 's1', roles: ['Learner'] }]);
    const post = () => call(em.url, 'POST', lineItemPath(launch.lineItemId!, '/scores'), { auth: serviceAuth(em, launch.serviceKey!), body: score('s1') });
    await em.admin.configurePlatform('canvas', { rateLimit: { perSecond: 0.5, burst: 1 } });
    const answers = [await post(), await post()];
    await em.admin.configurePlatform('canvas', { rateLimit: null });
    await em.admin.setFaults({ rules: [{ kind: 'too-many-requests', retryAfterSeconds: 5, times: 1 }] });
    answers.push(await post(), await post());
    expect(answers.map((r) => r.status)).toEqual([204, 429, 429, 204]);
    for (const answer of answers) {
      expect(answer.headers.get('retry-after')).toBeNull();
      expect(answer.headers.get('x-rate-limit-remaining')).toBeNull();
    }
    expect(answers[1].body.details.externalError).toBe(true);
  });
});
