// HTTP hygiene of the three apps over the real stack: security headers on
// every answer, no-store on the vault's answers that carry a secret, /docs
// only when DOCS_ENABLED, launch's pages still framable by the LMS, and
// health answers that name a failing dependency without its error text.
import { Client } from 'pg';
import type { ContextTriple } from '@app/contracts';
import { DOCS_CSP } from '@app/http';
import { callerWithScopes, createApiKey, exchangeApiKey, testHandle } from '../support/auth';
import { gradingEnv, startGrading, type GradingHandle } from '../support/grading';
import { eventually } from '../support/infra';
import { CaptureStack, type StartedApp } from '../vault/capture-stack';

jest.setTimeout(180_000);

const API_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
};

const headersOf = (res: Response) => Object.fromEntries(res.headers.entries());

describe('HTTP hygiene', () => {
  let stack: CaptureStack;
  let grading: GradingHandle;
  const urls: Record<string, string> = {};

  beforeAll(async () => {
    stack = await CaptureStack.start('http_hygiene');
    const gradingKey = await callerWithScopes(stack.vaultApp.url, stack.bootstrapKey, ['credentials:resolve', 'revocations:read'], 'grading-service');
    grading = await startGrading(
      gradingEnv({ databaseUrl: stack.databaseUrl, brokers: stack.brokers, topicPrefix: stack.prefix, ltiaasUrl: stack.emulator.url, ltiaasApiKey: stack.emulator.apiKey, vaultUrl: stack.vaultApp.url, gradingApiKey: gradingKey.apiKey }),
    );
    Object.assign(urls, { launch: stack.launchApp.url, 'credential-vault': stack.vaultApp.url, grading: grading.url });
  });

  afterAll(async () => {
    await grading?.close();
    await stack?.close();
  });

  describe.each(['launch', 'credential-vault', 'grading'])('%s', (app) => {
    it.each(['/health/ready', '/metrics', '/v1/nothing-here'])('answers %s with the security headers and an API policy', async (path) => {
      const res = await fetch(`${urls[app]}${path}`);
      expect(headersOf(res)).toMatchObject(API_HEADERS);
      expect(res.headers.get('content-security-policy')).toMatch(/^default-src 'none';.*frame-ancestors 'none'/);
    });

    it('serves no /docs unless DOCS_ENABLED', async () => {
      expect((await fetch(`${urls[app]}/docs`)).status).toBe(404);
      expect((await fetch(`${urls[app]}/docs/openapi.json`)).status).toBe(404);
    });
  });

  it('serves /docs with DOCS_ENABLED=true, under a policy Swagger UI runs with', async () => {
    let documented: StartedApp | undefined;
    try {
      documented = await stack.startLaunch({ DOCS_ENABLED: 'true' });
      const ui = await fetch(`${documented.url}/docs`);
      expect(ui.status).toBe(200);
      expect(ui.headers.get('content-security-policy')).toBe(DOCS_CSP);
      const html = await ui.text();
      // Everything the page loads is on this origin, which the policy allows.
      const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
      expect(assets.length).toBeGreaterThan(0);
      for (const asset of assets) {
        const res = await fetch(new URL(asset, `${documented.url}/docs`));
        await res.arrayBuffer(); // read to the end, so the connection is idle when the app closes
        expect({ asset, status: res.status }).toEqual({ asset, status: 200 });
      }
      const openapi = await fetch(`${documented.url}/docs/openapi.json`);
      expect(openapi.status).toBe(200);
      expect(Object.keys(((await openapi.json()) as { paths: object }).paths)).toContain('/launch');
    } finally {
      await documented?.app.close();
    }
  });

  it("keeps launch's pages framable by the LMS, with nosniff and no referrer", async () => {
    const res = await fetch(`${urls.launch}/app`, { headers: { accept: 'text/html' } }); // no ltik: the error page
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'unsafe-inline'; frame-ancestors *");
    expect(res.headers.get('x-frame-options')).toBeNull();
    expect(headersOf(res)).toMatchObject({ 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'cache-control': 'no-store' });
  });

  describe("the vault's answers that carry a secret are never stored", () => {
    it('POST /v1/token and POST /v1/keys', async () => {
      const token = await fetch(`${urls['credential-vault']}/v1/token`, { method: 'POST', headers: { authorization: `Bearer ${stack.bootstrapKey}` } });
      expect(token.status).toBe(200);
      expect(token.headers.get('cache-control')).toBe('no-store');
      const admin = await exchangeApiKey(urls['credential-vault'], stack.bootstrapKey);
      const created = await fetch(`${urls['credential-vault']}/v1/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin.access_token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ handle: testHandle('no-store'), scopes: ['scores:read'] }),
      });
      expect(created.status).toBe(201);
      expect(created.headers.get('cache-control')).toBe('no-store');
      // A list of keys carries no secret and keeps the default.
      await createApiKey(urls['credential-vault'], admin.access_token, { handle: testHandle('listed'), scopes: ['scores:read'] });
      const list = await fetch(`${urls['credential-vault']}/v1/keys`, { headers: { authorization: `Bearer ${admin.access_token}` } });
      expect(list.status).toBe(200);
      expect(list.headers.get('cache-control')).toBeNull();
    });

    it('POST /v1/credentials/resolve', async () => {
      const t: ContextTriple = { platformId: 'https://canvas.example.edu', contextId: 'course-no-store', resourceLinkId: 'quiz-1' };
      const launch = await stack.lmsLaunch(t);
      expect((await stack.visit(launch.ltik)).status).toBe(302);
      const res = await eventually(async () => {
        const answer = await stack.resolve(t);
        return answer.status === 200 ? answer : undefined;
      }, { what: 'the captured serviceKey' });
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(headersOf(res)).toMatchObject(API_HEADERS);
    });
  });

  describe('health answers while the database refuses connections', () => {
    let admin: Client;
    const database = () => decodeURIComponent(new URL(stack.databaseUrl).pathname.slice(1));

    beforeAll(async () => {
      const url = new URL(stack.databaseUrl);
      url.pathname = '/postgres';
      admin = new Client({ connectionString: url.toString() });
      await admin.connect();
    });

    afterAll(async () => {
      await admin.query(`ALTER DATABASE "${database()}" ALLOW_CONNECTIONS true`).catch(() => undefined);
      await admin.end();
    });

    it('name the database, and say nothing of what the driver said', async () => {
      // New connections are refused ("database ... is not currently accepting connections"), the apps' open ones
      // (told apart by application_name) are cut.
      await admin.query(`ALTER DATABASE "${database()}" ALLOW_CONNECTIONS false`);
      const cut = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = ANY($2)', [database(), ['launch', 'credential-vault', 'grading']]);
      expect(cut.rowCount).toBeGreaterThan(0);
      for (const app of ['launch', 'credential-vault', 'grading']) {
        const res = await eventually(async () => {
          const answer = await fetch(`${urls[app]}/health/ready`);
          return answer.status === 503 ? answer : undefined;
        }, { what: `${app} not ready without its database` });
        const text = await res.text();
        expect({ app, down: Object.keys(JSON.parse(text).error) }).toEqual({ app, down: ['database'] });
        expect(JSON.parse(text).error.database).toEqual({ status: 'down', message: 'database unavailable' });
        expect(text).not.toMatch(new RegExp(`accepting|connection|terminat|${database()}|127\\.0\\.0\\.1|5432`, 'i'));
      }
      const sync = await fetch(`${urls.grading}/health/sync`);
      expect(sync.status).toBe(503);
      const text = await sync.text();
      expect(JSON.parse(text).error).toEqual({ database: { status: 'down', reason: 'sync status unavailable' } });
      expect(text).not.toMatch(new RegExp(`accepting|connection|terminat|${database()}|127\\.0\\.0\\.1|5432`, 'i'));

      await admin.query(`ALTER DATABASE "${database()}" ALLOW_CONNECTIONS true`);
      for (const app of ['launch', 'credential-vault', 'grading']) {
        await eventually(async () => (await fetch(`${urls[app]}/health/ready`)).status === 200, { what: `${app} ready again` });
      }
    });
  });
});
