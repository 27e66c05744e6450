// API keys over the real vault (in-process, its own database, real
// migrations): issue, read back, exchange, revoke; what the database keeps;
// rate limiting of failed presentations; the operators' CLI.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { runKeysCli } from '../../apps/credential-vault/src/cli/keys';
import { createApiKey, exchangeApiKey } from '../support/auth';
import { call, startProbeApp, startTestVault, type ProbeApp, type TestVault } from './harness';

const run = promisify(execFile);

describe('API keys and token exchange', () => {
  let vault: TestVault;
  let probe: ProbeApp;
  let admin: string;
  /** Every secret this suite saw; none may appear in the database dump. */
  const secrets: string[] = [];

  const newKey = async (handle: string, scopes: string[], alias?: string) => {
    const created = await createApiKey(vault.url, admin, { handle, scopes, alias });
    secrets.push(created.apiKey);
    return created;
  };

  beforeAll(async () => {
    vault = await startTestVault('auth_keys', { TOKEN_FAILURE_LIMIT: '5', TOKEN_FAILURE_WINDOW_SECONDS: '120' });
    secrets.push(vault.env.BOOTSTRAP_ADMIN_API_KEY);
    probe = await startProbeApp(vault.url);
    admin = (await exchangeApiKey(vault.url, vault.env.BOOTSTRAP_ADMIN_API_KEY)).access_token;
  });

  afterAll(async () => {
    await probe?.close();
    await vault?.close();
  });

  it('exchanges the bootstrap key for an admin token; the key itself is no bearer token', async () => {
    const answer = await call(`${vault.url}/v1/token`, { method: 'POST', apiKey: vault.env.BOOTSTRAP_ADMIN_API_KEY });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 900, scope: 'admin' });
    expect(answer.headers.get('cache-control')).toBe('no-store');
    await expect(call(`${vault.url}/v1/me`, { token: answer.body.access_token })).resolves.toMatchObject({ status: 200, body: { handle: 'bootstrap:admin', scopes: ['admin'] } });

    const direct = await call(`${vault.url}/v1/keys`, { apiKey: vault.env.BOOTSTRAP_ADMIN_API_KEY });
    expect(direct).toMatchObject({ status: 401, body: { statusCode: 401, error: 'Unauthorized', message: 'malformed token' } });
  });

  it('creates a key, shows its secret once, exchanges it, serves a protected endpoint, and refuses it once deleted', async () => {
    const created = await call(`${vault.url}/v1/keys`, { method: 'POST', token: admin, body: { handle: 'grader-one', alias: 'Quiz grader', scopes: ['scores:write', 'scores:read'] } });
    expect(created.status).toBe(201);
    const apiKey: string = created.body.apiKey;
    secrets.push(apiKey);
    expect(apiKey).toMatch(/^ltig_[0-9A-Za-z]{49}$/);
    expect(created.body).toMatchObject({ handle: 'grader-one', alias: 'Quiz grader', scopes: ['scores:write', 'scores:read'], prefix: apiKey.slice(0, 13), lastUsedAt: null });

    const before = await call(`${vault.url}/v1/keys/grader-one`, { token: admin });
    expect(before.status).toBe(200);
    expect(before.body).not.toHaveProperty('apiKey');
    expect(JSON.stringify(before.body)).not.toContain(apiKey);
    expect(before.body.lastUsedAt).toBeNull();

    const exchanged = await call(`${vault.url}/v1/token`, { method: 'POST', apiKey });
    expect(exchanged).toMatchObject({ status: 200, body: { token_type: 'Bearer', expires_in: 900, scope: 'scores:write scores:read' } });
    const token: string = exchanged.body.access_token;

    const me = await call(`${vault.url}/v1/me`, { token });
    expect(me).toMatchObject({ status: 200, body: { handle: 'grader-one', scopes: ['scores:write', 'scores:read'] } });
    expect(me.body.expiresIn).toBeGreaterThan(890);
    expect(Date.parse(me.body.expiresAt) - Date.parse(me.body.issuedAt)).toBe(900_000);

    const reachedBefore = probe.reached.length;
    await expect(call(`${probe.url}/probe/write`, { token })).resolves.toMatchObject({ status: 200, body: { ok: true } });
    expect(probe.reached.slice(reachedBefore)).toEqual(['write']);

    const after = await call(`${vault.url}/v1/keys/grader-one`, { token: admin });
    expect(after.body.lastUsedAt).not.toBeNull();
    const list = await call(`${vault.url}/v1/keys`, { token: admin });
    expect(list.body.keys.map((k: { handle: string }) => k.handle)).toContain('grader-one');
    expect(JSON.stringify(list.body)).not.toContain(apiKey);

    await expect(call(`${vault.url}/v1/keys/grader-one`, { method: 'DELETE', token: admin })).resolves.toMatchObject({ status: 204 });
    const refused = await call(`${vault.url}/v1/token`, { method: 'POST', apiKey });
    expect(refused).toMatchObject({ status: 401, body: { message: 'invalid API key' } });
    await expect(call(`${vault.url}/v1/keys/grader-one`, { token: admin })).resolves.toMatchObject({ status: 404 });
    await expect(call(`${vault.url}/v1/keys/grader-one`, { method: 'DELETE', token: admin })).resolves.toMatchObject({ status: 404 });
    // The vault refuses the revoked key's tokens at once; other apps verify on their own and accept them until they expire.
    await expect(call(`${vault.url}/v1/me`, { token })).resolves.toMatchObject({ status: 401, body: { message: 'token revoked' } });
    await expect(call(`${probe.url}/probe/write`, { token })).resolves.toMatchObject({ status: 200 });

    // The handle is free again, with a new secret; the old key's tokens stay refused.
    const again = await newKey('grader-one', ['scores:read']);
    expect(again.apiKey).not.toBe(apiKey);
    const renewed = await exchangeApiKey(vault.url, again.apiKey);
    expect(renewed).toMatchObject({ scope: 'scores:read' });
    await expect(call(`${vault.url}/v1/me`, { token: renewed.access_token })).resolves.toMatchObject({ status: 200, body: { handle: 'grader-one' } });
    await expect(call(`${vault.url}/v1/me`, { token })).resolves.toMatchObject({ status: 401 });
  });

  it('answers every refused key the same way, whether or not such a key or handle exists', async () => {
    const revoked = await newKey('soon-revoked', ['scores:read']);
    await call(`${vault.url}/v1/keys/soon-revoked`, { method: 'DELETE', token: admin });
    const wellFormedUnknown = revoked.apiKey.replace(/^ltig_./, (p) => (p.endsWith('A') ? 'ltig_B' : 'ltig_A'));
    const attempts = [revoked.apiKey, wellFormedUnknown, 'ltig_short', 'grader-one', `${vault.env.BOOTSTRAP_ADMIN_API_KEY}x`];
    for (const [i, apiKey] of attempts.entries()) {
      const answer = await call(`${vault.url}/v1/token`, { method: 'POST', apiKey, headers: { 'x-forwarded-for': `198.51.100.${i + 1}` } });
      expect({ apiKey, status: answer.status, body: answer.body }).toEqual({ apiKey, status: 401, body: { statusCode: 401, error: 'Unauthorized', message: 'invalid API key' } });
    }
    await expect(call(`${vault.url}/v1/token`, { method: 'POST', headers: { 'x-forwarded-for': '198.51.100.99' } })).resolves.toMatchObject({ status: 401 });
  });

  it('validates key requests and needs the admin scope to manage keys', async () => {
    await newKey('dup-handle', ['scores:read']);
    await expect(call(`${vault.url}/v1/keys`, { method: 'POST', token: admin, body: { handle: 'dup-handle', scopes: ['scores:read'] } })).resolves.toMatchObject({
      status: 409,
      body: { message: 'an API key with handle "dup-handle" already exists' },
    });
    const bad = await call(`${vault.url}/v1/keys`, { method: 'POST', token: admin, body: { handle: 'Bad Handle!', scopes: ['scores:fly'], extra: 1 } });
    expect(bad.status).toBe(400);
    expect(bad.body.message.join(' ')).toMatch(/handle: .*scopes\.0: /s);
    await expect(call(`${vault.url}/v1/keys`, { method: 'POST', token: admin, body: { handle: 'no-scopes', scopes: [] } })).resolves.toMatchObject({ status: 400 });
    await expect(call(`${vault.url}/v1/keys`, { method: 'POST', token: admin, body: { handle: 'ab', scopes: ['admin'] } })).resolves.toMatchObject({ status: 400 });

    const reader = await newKey('reader-only', ['scores:read']);
    const token = (await exchangeApiKey(vault.url, reader.apiKey)).access_token;
    for (const [method, path] of [['GET', '/v1/keys'], ['GET', '/v1/keys/dup-handle'], ['POST', '/v1/keys'], ['DELETE', '/v1/keys/dup-handle'], ['POST', '/v1/signing-keys/rotate']]) {
      const answer = await call(`${vault.url}${path}`, { method, token, body: method === 'POST' ? { handle: 'nope-nope', scopes: ['admin'] } : undefined });
      expect({ path, method, status: answer.status, message: answer.body.message }).toEqual({ path, method, status: 403, message: 'missing scope: admin' });
      expect(answer.headers.get('www-authenticate')).toBe('Bearer error="insufficient_scope", scope="admin"');
    }
    await expect(call(`${vault.url}/v1/keys/dup-handle`, { token: admin })).resolves.toMatchObject({ status: 200 });
    await expect(call(`${vault.url}/v1/keys/nope-nope`, { token: admin })).resolves.toMatchObject({ status: 404 });
  });

  it('limits failed presentations per client address with 429 and Retry-After, the right key included', async () => {
    const good = await newKey('limited-address', ['scores:read']);
    const from = { 'x-forwarded-for': '203.0.113.7' };
    for (let i = 0; i < 5; i++) {
      await expect(call(`${vault.url}/v1/token`, { method: 'POST', apiKey: `ltig_guess${i}`, headers: from })).resolves.toMatchObject({ status: 401 });
    }
    const limited = await call(`${vault.url}/v1/token`, { method: 'POST', apiKey: 'ltig_guess-again', headers: from });
    expect(limited).toMatchObject({ status: 429, body: { statusCode: 429, error: 'Too Many Requests' } });
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(120);
    await expect(call(`${vault.url}/v1/token`, { method: 'POST', apiKey: good.apiKey, headers: from })).resolves.toMatchObject({ status: 429 });
    // Another address is not affected.
    await expect(call(`${vault.url}/v1/token`, { method: 'POST', apiKey: good.apiKey, headers: { 'x-forwarded-for': '203.0.113.8' } })).resolves.toMatchObject({ status: 200 });
  });

  it('counts a burst of concurrent guesses too: no more than the limit get an answer', async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => call(`${vault.url}/v1/token`, { method: 'POST', apiKey: `ltig_burst${i}`, headers: { 'x-forwarded-for': '203.0.113.50' } })),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(15);
  });

  it('limits failed presentations per key prefix across addresses', async () => {
    const target = await newKey('limited-prefix', ['scores:read']);
    const prefix = target.apiKey.slice(0, 13);
    for (let i = 0; i < 5; i++) {
      const guess = `${prefix}${'x'.repeat(41 - String(i).length)}${i}`;
      await expect(call(`${vault.url}/v1/token`, { method: 'POST', apiKey: guess, headers: { 'x-forwarded-for': `192.0.2.${i + 1}` } })).resolves.toMatchObject({ status: 401 });
    }
    // Each guessing address has failed once, well under its own limit, but the prefix is spent: the right key is refused from there.
    const limited = await call(`${vault.url}/v1/token`, { method: 'POST', apiKey: target.apiKey, headers: { 'x-forwarded-for': '192.0.2.1' } });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // A fresh address gets one guess, and is then refused like the others.
    const fresh = { 'x-forwarded-for': '192.0.2.100' };
    await expect(call(`${vault.url}/v1/token`, { method: 'POST', apiKey: `${prefix}${'y'.repeat(41)}`, headers: fresh })).resolves.toMatchObject({ status: 401 });
    await expect(call(`${vault.url}/v1/token`, { method: 'POST', apiKey: target.apiKey, headers: fresh })).resolves.toMatchObject({ status: 429 });
    // The prefix is no secret, so guessers cannot lock the key's owner out: from its own clean address the key still works.
    await expect(call(`${vault.url}/v1/token`, { method: 'POST', apiKey: target.apiKey, headers: { 'x-forwarded-for': '192.0.2.200' } })).resolves.toMatchObject({ status: 200 });
  });

  it('lets operators create, list and revoke keys with the CLI', async () => {
    const lines: string[] = [];
    const errors: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: (l: string) => errors.push(l) };
    const env = { VAULT_URL: vault.url, BOOTSTRAP_ADMIN_API_KEY: vault.env.BOOTSTRAP_ADMIN_API_KEY };

    await expect(runKeysCli(['create', 'cli-grader', '--scopes', 'scores:write,scores:read', '--alias', 'From the CLI', '--json'], env, io)).resolves.toBe(0);
    const created = JSON.parse(lines.pop()!) as { apiKey: string; handle: string; alias: string };
    secrets.push(created.apiKey);
    expect(created).toMatchObject({ handle: 'cli-grader', alias: 'From the CLI' });
    await expect(exchangeApiKey(vault.url, created.apiKey)).resolves.toMatchObject({ scope: 'scores:write scores:read' });

    // An admin key created by the bootstrap admin can run the CLI too.
    await expect(runKeysCli(['create', 'cli-admin', '--scopes', 'admin'], env, io)).resolves.toBe(0);
    const adminKey = lines.find((l) => l.trim().startsWith('ltig_'))!.trim();
    secrets.push(adminKey);
    expect(lines.join('\n')).toContain('will not show it again');

    lines.length = 0;
    const asAdmin = { VAULT_URL: vault.url, VAULT_ADMIN_API_KEY: adminKey };
    await expect(runKeysCli(['list'], asAdmin, io)).resolves.toBe(0);
    expect(lines[0]).toMatch(/^HANDLE\s+SCOPES\s+PLATFORMS\s+ALIAS\s+PREFIX\s+CREATED\s+LAST USED$/);
    expect(lines.some((l) => /^cli-grader\s+scores:write scores:read\s+\(all\)\s+From the CLI\s+ltig_/.test(l))).toBe(true);
    expect(lines.join('\n')).not.toContain(created.apiKey);

    await expect(runKeysCli(['revoke', 'cli-grader'], asAdmin, io)).resolves.toBe(0);
    await expect(exchangeApiKey(vault.url, created.apiKey)).rejects.toThrow(/401/);
    await expect(runKeysCli(['revoke', 'cli-grader'], asAdmin, io)).resolves.toBe(1);
    expect(errors.pop()).toBe('vault refused (404): no API key with handle "cli-grader"');

    await expect(runKeysCli(['create', 'x-bad', '--scopes', 'scores:fly'], asAdmin, io)).resolves.toBe(1);
    expect(errors.pop()).toMatch(/vault refused \(400\): scopes\.0: /);
    await expect(runKeysCli(['create', 'no-scopes'], asAdmin, io)).resolves.toBe(64);
    await expect(runKeysCli(['frobnicate'], asAdmin, io)).resolves.toBe(64);
    await expect(runKeysCli(['list'], { VAULT_URL: vault.url }, io)).resolves.toBe(78);
    await expect(runKeysCli(['list'], { VAULT_URL: vault.url, VAULT_ADMIN_API_KEY: created.apiKey }, io)).resolves.toBe(1);
    expect(errors.pop()).toMatch(/token exchange refused \(401\)/);
  });

  it('documents the endpoints in OpenAPI, the admin ones as bearer-protected', async () => {
    const { body } = await call(`${vault.url}/docs/openapi.json`);
    expect(Object.keys(body.paths)).toEqual(expect.arrayContaining(['/v1/keys', '/v1/keys/{handle}', '/v1/token', '/v1/me', '/.well-known/jwks.json', '/v1/signing-keys/rotate']));
    expect(body.paths['/v1/keys'].post.security).toEqual([{ bearer: [] }]);
    expect(body.paths['/v1/keys'].post.responses).toHaveProperty('403');
  });

  it('keeps no API key in plaintext in the database (pg_dump of the whole database)', async () => {
    expect(secrets.length).toBeGreaterThanOrEqual(10);
    const { stdout } = await run('pg_dump', ['--no-owner', '--dbname', vault.databaseUrl], { maxBuffer: 64 * 1024 * 1024 });
    expect(stdout).toContain('vault.api_keys');
    const { rows } = await vault.db.query<{ n: number }>('SELECT count(*)::int AS n FROM vault.api_keys');
    expect(rows[0].n).toBeGreaterThanOrEqual(secrets.length - 1);
    for (const secret of secrets) {
      expect(stdout.includes(secret)).toBe(false);
      // Nor any long stretch of it (the displayed 13-character prefix is all that may show).
      expect(stdout.includes(secret.slice(13, 40))).toBe(false);
    }
  });
});
