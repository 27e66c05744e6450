import { EmulatorHandle, LaunchResult, startEmulator } from '../support/emulator';
import { bearer, call, INVALID_API_KEY, INVALID_LTIK, lineItemPath, ltikAuth, score, serviceAuth } from './http';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('emulator: authorisation', () => {
  let em: EmulatorHandle;
  let a: LaunchResult;
  let b: LaunchResult;
  const get = (path: string, auth?: string) => call(em.url, 'GET', path, { auth });

  beforeAll(async () => {
    em = await startEmulator({ env: { LTIAAS_API_KEY: 'account-key-1' } });
  });
  afterAll(() => em.close());

  beforeEach(async () => {
    await em.admin.reset();
    const base = { platformId: 'p1', userId: 't', roles: ['Instructor'], lineItem: { label: 'L', scoreMaximum: 1 } };
    a = await em.admin.launch({ ...base, contextId: 'course-a', resourceLinkId: 'rl-a' });
    b = await em.admin.launch({ ...base, contextId: 'course-b', resourceLinkId: 'rl-b' });
  });

  it('uses the configured account key', () => {
    expect(em.apiKey).toBe('account-key-1');
  });

  it('refuses a missing, malformed or foreign-scheme header with the documented 401', async () => {
    const headers = [
      undefined,
      '',
      a.ltik,
      `Bearer ${a.ltik}`,
      `LTIK-AUTH-V2 ${a.ltik}`,
      `LTIK-AUTH-V2 ${em.apiKey} ${a.ltik}`,
      `LTIK-AUTH-V1 Token=${a.ltik}, Additional=Bearer ${em.apiKey}`,
      `Ltik-Auth-V2 ${em.apiKey}:${a.ltik}`,
    ];
    for (const auth of headers) {
      const res = await get('/api/lineitems', auth);
      expect(res.status).toBe(401);
      expect(res.body).toEqual(INVALID_LTIK);
    }
  });

  it('refuses a wrong API key on every scheme', async () => {
    expect((await get('/api/idtoken', `LTIK-AUTH-V2 wrong:${a.ltik}`)).body).toEqual(INVALID_LTIK);
    expect((await get('/api/memberships', `SERVICE-AUTH-V1 wrong:${a.serviceKey}`)).body).toEqual(INVALID_LTIK);
    const platforms = await get('/admin/platforms', 'Bearer wrong');
    expect(platforms.status).toBe(401);
    expect(platforms.body).toEqual(INVALID_API_KEY);
  });

  it('refuses an unknown ltik, and an ltik 24 hours after its launch', async () => {
    expect((await get('/api/idtoken', ltikAuth(em, 'not-an-ltik'))).body).toEqual(INVALID_LTIK);
    await em.admin.advanceClock(DAY_MS - 60_000);
    expect((await get('/api/idtoken', ltikAuth(em, a.ltik))).status).toBe(200);
    await em.admin.advanceClock(60_000);
    const expired = await get('/api/idtoken', ltikAuth(em, a.ltik));
    expect(expired.status).toBe(401);
    expect(expired.body).toEqual(INVALID_LTIK);
    // the serviceKey of that launch does not expire
    expect((await get('/api/lineitems', serviceAuth(em, a.serviceKey!))).status).toBe(200);
  });

  it('accepts each scheme only where the endpoint map says', async () => {
    const svc = serviceAuth(em, a.serviceKey!);
    const ltik = ltikAuth(em, a.ltik);
    expect((await get('/api/idtoken', svc)).body).toEqual(INVALID_LTIK);
    expect((await get('/api/idtoken', bearer(em))).body).toEqual(INVALID_LTIK);
    for (const path of ['/api/lineitems', '/api/memberships', lineItemPath(a.lineItemId!), lineItemPath(a.lineItemId!, '/scores')]) {
      expect((await get(path, bearer(em))).status).toBe(401);
      expect((await get(path, svc)).status).toBe(200);
      expect((await get(path, ltik)).status).toBe(200);
    }
    for (const path of ['/admin/platforms', '/api/platforms', '/admin/platforms/p1', '/api/registrations/some-id']) {
      const res = await get(path, ltik);
      expect(res.status).toBe(401);
      expect(res.body).toEqual(INVALID_API_KEY);
      expect((await get(path, svc)).body).toEqual(INVALID_API_KEY);
    }
  });

  it('keeps older serviceKeys valid after a new launch, until revoked', async () => {
    const again = await em.admin.launch({ platformId: 'p1', contextId: 'course-a', resourceLinkId: 'rl-a', userId: 't', roles: ['Instructor'] });
    expect(again.serviceKey).not.toBe(a.serviceKey);
    expect((await get('/api/lineitems', serviceAuth(em, a.serviceKey!))).status).toBe(200);
    await em.admin.revokeServiceKey(a.serviceKey!);
    const revoked = await get('/api/lineitems', serviceAuth(em, a.serviceKey!));
    expect(revoked.status).toBe(401);
    expect(revoked.body).toEqual(INVALID_LTIK);
    const post = await call(em.url, 'POST', lineItemPath(a.lineItemId!, '/scores'), { auth: serviceAuth(em, a.serviceKey!), body: score('t') });
    expect(post.body).toEqual(INVALID_LTIK);
    expect((await get('/api/lineitems', serviceAuth(em, again.serviceKey!))).status).toBe(200);
  });

  it("refuses a credential used outside its own launch context", async () => {
    for (const auth of [ltikAuth(em, a.ltik), serviceAuth(em, a.serviceKey!)]) {
      for (const [method, path] of [
        ['GET', lineItemPath(b.lineItemId!)],
        ['PUT', lineItemPath(b.lineItemId!)],
        ['DELETE', lineItemPath(b.lineItemId!)],
        ['GET', lineItemPath(b.lineItemId!, '/scores')],
        ['POST', lineItemPath(b.lineItemId!, '/scores')],
      ]) {
        const res = await call(em.url, method, path, { auth, body: method === 'PUT' ? { label: 'x', scoreMaximum: 1 } : method === 'POST' ? score('t') : undefined });
        expect(res.status).toBe(401);
        expect(res.body).toEqual(INVALID_LTIK);
      }
    }
    const foreignPage = `${em.url}/lms/p1/courses/course-b/memberships?limit=50&from=0`;
    expect((await get(`/api/memberships?url=${encodeURIComponent(foreignPage)}`, serviceAuth(em, a.serviceKey!))).body).toEqual(INVALID_LTIK);
    expect((await em.admin.gradebook()).length).toBe(0);
  });

  it('refuses services the launch did not grant with SERVICE_NOT_AVAILABLE_FOR_CONTEXT', async () => {
    const rosterOnly = await em.admin.launch({ platformId: 'p1', contextId: 'course-c', resourceLinkId: 'r', userId: 't', services: { ags: false, nrps: true } });
    const res = await get('/api/lineitems', serviceAuth(em, rosterOnly.serviceKey!));
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ status: 403, error: 'Forbidden', details: { message: 'SERVICE_NOT_AVAILABLE_FOR_CONTEXT', description: expect.any(String) } });
    expect((await get('/api/memberships', serviceAuth(em, rosterOnly.serviceKey!))).status).toBe(200);
    const gradesOnly = await em.admin.launch({ platformId: 'p1', contextId: 'course-c', resourceLinkId: 'r', userId: 't', services: { ags: true, nrps: false } });
    expect((await get('/api/memberships', ltikAuth(em, gradesOnly.ltik))).body.details.message).toBe('SERVICE_NOT_AVAILABLE_FOR_CONTEXT');
  });

  it('refuses every context credential of a deactivated platform with UNREGISTERED_OR_INACTIVE_PLATFORM', async () => {
    expect((await call(em.url, 'POST', '/admin/platforms/p1/deactivate', { auth: bearer(em) })).status).toBe(200);
    for (const auth of [ltikAuth(em, a.ltik), serviceAuth(em, a.serviceKey!)]) {
      const res = await get('/api/lineitems', auth);
      expect(res.status).toBe(401);
      expect(res.body.details.message).toBe('UNREGISTERED_OR_INACTIVE_PLATFORM');
    }
    await expect(em.admin.launch({ platformId: 'p1', contextId: 'x', resourceLinkId: 'y', userId: 'z' })).rejects.toThrow(/409/);
  });

  it('never records a secret in the request log', async () => {
    await get('/api/lineitems', serviceAuth(em, a.serviceKey!));
    await get('/api/idtoken', ltikAuth(em, a.ltik));
    await get('/admin/platforms', bearer(em));
    const log = JSON.stringify(await em.admin.requests());
    for (const secret of [a.ltik, a.serviceKey!, em.apiKey]) expect(log).not.toContain(secret);
    expect((await em.admin.requests()).map((r) => r.scheme)).toEqual(['SVC', 'LTIK', 'BEARER']);
  });
});
