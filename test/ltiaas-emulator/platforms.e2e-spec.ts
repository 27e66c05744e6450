import { EmulatorHandle, startEmulator } from '../support/emulator';
import { bearer, call, INVALID_API_KEY } from './http';

const body = (n: number) => ({
  url: `https://lms${n}.example.edu`,
  clientId: `client-${n}`,
  name: `LMS ${n}`,
  authenticationEndpoint: `https://lms${n}.example.edu/auth`,
  accesstokenEndpoint: `https://lms${n}.example.edu/token`,
  authConfig: { key: `https://lms${n}.example.edu/jwks`, method: 'JWK_SET' },
});

describe('emulator: platforms and registrations (Bearer)', () => {
  let em: EmulatorHandle;
  const api = (method: string, path: string, payload?: unknown) => call(em.url, method, path, { auth: bearer(em), body: payload });

  beforeAll(async () => {
    em = await startEmulator();
  });
  afterAll(() => em.close());
  beforeEach(() => em.admin.reset());

  it.each(['/admin/platforms', '/api/platforms'])('manages platforms under %s', async (prefix) => {
    const created = await api('POST', prefix, body(1));
    expect(created.status).toBe(200);
    expect(created.body).toEqual({ ...body(1), id: expect.any(String), publicKey: expect.stringContaining('BEGIN PUBLIC KEY'), active: true });
    const id = created.body.id as string;

    expect((await api('GET', `${prefix}/${id}`)).body).toEqual(created.body);
    expect((await api('GET', `${prefix}?clientId=client-1`)).body.platforms).toHaveLength(1);
    expect((await api('GET', `${prefix}?url=https://nowhere`)).body).toEqual({ platforms: [] });

    const updated = await api('PUT', `${prefix}/${id}`, { ...body(1), name: 'Renamed' });
    expect(updated.status).toBe(200);
    expect(updated.body.name).toBe('Renamed');

    const off = await api('POST', `${prefix}/${id}/deactivate`);
    expect(off.status).toBe(200);
    expect((await api('GET', `${prefix}/${id}`)).body.active).toBe(false);
    expect((await api('POST', `${prefix}/${id}/activate`)).status).toBe(200);
    expect((await api('GET', `${prefix}/${id}`)).body.active).toBe(true);

    const del = await api('DELETE', `${prefix}/${id}`);
    expect(del.status).toBe(204);
    const gone = await api('GET', `${prefix}/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ status: 404, error: 'Not Found', details: { message: 'NOT_FOUND' } });
  });

  it('takes the optional active and authorizationServer fields (reference §11)', async () => {
    const created = await api('POST', '/admin/platforms', { ...body(4), active: false, authorizationServer: 'https://lms4.example.edu/oauth2/token' });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ active: false, authorizationServer: 'https://lms4.example.edu/oauth2/token' });
    const id = created.body.id as string;
    const replaced = await api('PUT', `/admin/platforms/${id}`, { ...body(4), active: true });
    expect(replaced.body.active).toBe(true);
    expect(replaced.body.authorizationServer).toBeUndefined();
    expect((await api('POST', '/admin/platforms', { ...body(5), authorizationServer: 'not a url' })).status).toBe(400);
    expect((await api('POST', '/admin/platforms', { ...body(5), active: 'yes' })).status).toBe(400);
  });

  it('refuses incomplete bodies, duplicates and unknown ids', async () => {
    const { authConfig: _omitted, ...partial } = body(2);
    expect((await api('POST', '/admin/platforms', partial)).status).toBe(400);
    expect((await api('POST', '/admin/platforms', { ...body(2), authConfig: { key: 'k', method: 'PEM' } })).status).toBe(400);
    expect((await api('POST', '/admin/platforms', { ...body(2), url: 'not a url' })).status).toBe(400);
    expect((await api('POST', '/admin/platforms', body(2))).status).toBe(200);
    const dup = await api('POST', '/admin/platforms', body(2));
    expect(dup.status).toBe(409);
    expect(dup.body.status).toBe(409);
    for (const [method, path] of [['PUT', '/admin/platforms/nope'], ['DELETE', '/admin/platforms/nope'], ['POST', '/admin/platforms/nope/activate']]) {
      expect((await api(method, path, method === 'PUT' ? body(3) : undefined)).status).toBe(404);
    }
  });

  it('lists platforms created by launches', async () => {
    await em.admin.launch({ platformId: 'launched', contextId: 'c', resourceLinkId: 'r', userId: 'u' });
    expect((await api('GET', '/admin/platforms?id=launched')).body.platforms).toEqual([expect.objectContaining({ id: 'launched', active: true })]);
  });

  it('describes and completes a dynamic registration, once', async () => {
    const { registrationId } = await em.admin.createRegistration({ url: 'https://canvas.example.edu', familyCode: 'canvas' });
    const described = await api('GET', `/api/registrations/${registrationId}`);
    expect(described.status).toBe(200);
    expect(described.body).toEqual({
      url: 'https://canvas.example.edu',
      familyCode: 'canvas',
      version: expect.any(String),
      supportedScopes: expect.arrayContaining(['https://purl.imsglobal.org/spec/lti-ags/scope/score']),
      supportedMessages: expect.arrayContaining([{ type: 'LtiResourceLinkRequest' }]),
    });
    const raw = await api('GET', `/api/registrations/${registrationId}?raw=true`);
    expect(raw.body).toMatchObject({
      openIdConfiguration: {
        issuer: 'https://canvas.example.edu',
        token_endpoint_auth_methods_supported: expect.arrayContaining(['private_key_jwt']),
        token_endpoint_auth_signing_alg_values_supported: expect.arrayContaining(['RS256']),
      },
      registrationToken: expect.any(String),
    });

    expect((await api('POST', `/api/registrations/${registrationId}/complete`, { autoActivate: 'yes' })).status).toBe(400);
    const done = await api('POST', `/api/registrations/${registrationId}/complete`, { platformName: 'Canvas', autoActivate: true, messages: [{ type: 'LtiResourceLinkRequest' }] });
    expect(done.status).toBe(200);
    expect(done.body).toEqual({ html: expect.stringContaining('org.imsglobal.lti.close'), platformId: expect.any(String) });
    expect((await api('GET', `/admin/platforms/${done.body.platformId}`)).body).toMatchObject({ name: 'Canvas', active: true });
    expect((await api('GET', `/api/registrations/${registrationId}`)).status).toBe(404);
    expect((await api('POST', `/api/registrations/${registrationId}/complete`, {})).status).toBe(404);
  });

  it('leaves a registration inactive without autoActivate', async () => {
    const { registrationId } = await em.admin.createRegistration();
    const done = await api('POST', `/api/registrations/${registrationId}/complete`);
    expect((await api('GET', `/admin/platforms/${done.body.platformId}`)).body.active).toBe(false);
  });

  it('refuses the registration endpoints without the Bearer key', async () => {
    const res = await call(em.url, 'GET', '/api/registrations/x', { auth: 'Bearer nope' });
    expect(res.body).toEqual(INVALID_API_KEY);
  });
});

describe('emulator: own endpoints', () => {
  it('serves health, OpenAPI, and the admin API only with its key', async () => {
    const em = await startEmulator();
    try {
      for (const path of ['/health/live', '/health/ready']) {
        const res = await call(em.url, 'GET', path);
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ status: 'ok', info: { emulator: { status: 'up' } }, error: {}, details: { emulator: { status: 'up' } } });
      }
      const docs = await call(em.url, 'GET', '/docs/openapi.json');
      expect(docs.body.paths).toHaveProperty(['/api/lineitems/{lineItemID}/scores']);
      expect(docs.body.paths).not.toHaveProperty(['/__admin/reset']);

      const noKey = await call(em.url, 'POST', '/__admin/reset');
      expect(noKey.status).toBe(401);
      expect(noKey.body).toEqual({ statusCode: 401, error: 'Unauthorized', message: expect.any(String) });
      expect((await call(em.url, 'GET', '/__admin/counters', { auth: em.apiKey ? `Bearer ${em.apiKey}` : '' })).status).toBe(401);
      expect((await call(em.url, 'GET', '/__admin/counters', { headers: { 'x-admin-key': em.adminKey } })).status).toBe(200);
      const bad = await call(em.url, 'POST', '/__admin/launches', { auth: `Bearer ${em.adminKey}`, body: { platformId: 'p' } });
      expect(bad.status).toBe(400);
      expect(bad.body.statusCode).toBe(400);
    } finally {
      await em.close();
    }
  });

  it('has no admin API (404) when EMULATOR_ADMIN_KEY is unset', async () => {
    const em = await startEmulator({ env: { EMULATOR_ADMIN_KEY: '' } });
    try {
      const res = await call(em.url, 'POST', '/__admin/reset', { auth: 'Bearer anything' });
      expect(res.status).toBe(404);
      expect((await call(em.url, 'GET', '/health/ready')).status).toBe(200);
    } finally {
      await em.close();
    }
  });
});
