// Verification of vault tokens, in the vault itself (keys from its database)
// and in another app (keys from the vault's JWKS over HTTP), and signing key
// rotation, over the real vault with its real database and migrations.
import { createHmac } from 'node:crypto';
import { base64url, decodeProtectedHeader, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { callerWithScopes, exchangeApiKey, type TestCaller } from '../support/auth';
import { activeSigningKey, call, signToken, startProbeApp, startTestVault, type ProbeApp, type SigningKeyMaterial, type TestVault } from './harness';

describe('JWT verification and signing key rotation', () => {
  let vault: TestVault;
  let probe: ProbeApp;
  let writer: TestCaller;

  beforeAll(async () => {
    vault = await startTestVault('auth_jwt');
    probe = await startProbeApp(vault.url);
    writer = await callerWithScopes(vault.url, vault.env.BOOTSTRAP_ADMIN_API_KEY, ['scores:write'], 'jwt-writer');
  });

  afterAll(async () => {
    await probe?.close();
    await vault?.close();
  });

  /** Each forged token against the probe app (remote JWKS) and the vault's /v1/me (local keys). */
  const expectRefused = async (token: string, message: string) => {
    const reached = probe.reached.length;
    for (const url of [`${probe.url}/probe/write`, `${vault.url}/v1/me`]) {
      const answer = await call(url, { token });
      expect({ url, status: answer.status, body: answer.body }).toEqual({ url, status: 401, body: { statusCode: 401, error: 'Unauthorized', message } });
      expect(answer.headers.get('www-authenticate')).toBe(`Bearer error="invalid_token", error_description="${message.split(':')[0]}"`);
    }
    expect(probe.reached.length).toBe(reached);
  };

  it('accepts a real token in another app and puts the principal on the request', async () => {
    await expect(call(`${probe.url}/probe/any`, { token: writer.token })).resolves.toMatchObject({ status: 200, body: { handle: 'jwt-writer', scopes: ['scores:write'] } });
    await expect(call(`${probe.url}/probe/write`, { token: writer.token })).resolves.toMatchObject({ status: 200 });
  });

  describe('refuses, naming the check that failed, without reaching a handler', () => {
    let real: SigningKeyMaterial;
    const now = () => Math.floor(Date.now() / 1000);
    const forgedPayload = () => base64url.encode(JSON.stringify({ sub: 'intruder', iss: 'credential-vault', aud: 'lti-grading', iat: now(), exp: now() + 600, scope: 'scores:write admin' }));

    beforeAll(async () => {
      real = await activeSigningKey(vault);
    });

    it('a token for another audience', async () => {
      await expectRefused(await signToken(real, { aud: 'another-system' }), 'audience mismatch');
    });

    it('a token from another issuer', async () => {
      await expectRefused(await signToken(real, { iss: 'https://impostor.example' }), 'issuer mismatch');
    });

    it('an expired token', async () => {
      await expectRefused(await signToken(real, { iat: now() - 1000, exp: now() - 120 }), 'token expired');
    });

    it('a token not valid yet', async () => {
      await expectRefused(await signToken(real, { nbf: now() + 600 }), 'token not yet valid');
    });

    it('a token with alg none', async () => {
      const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'at+jwt', kid: real.kid }));
      await expectRefused(`${header}.${forgedPayload()}.`, 'algorithm not allowed: none');
    });

    it('a token whose alg carries quotes, line breaks and non-Latin-1 text (echoed in the body, never in a header)', async () => {
      const alg = 'ES256"\r\nX-Injected: 1 ✓';
      const header = base64url.encode(JSON.stringify({ alg, typ: 'at+jwt', kid: real.kid }));
      await expectRefused(`${header}.${forgedPayload()}.c2ln`, `algorithm not allowed: ${alg}`);
    });

    it('an HS256 token signed with the public key as the secret', async () => {
      const jwks = (await call(`${vault.url}/.well-known/jwks.json`)).body as { keys: Array<{ kid: string }> };
      const publicJwk = jwks.keys.find((k) => k.kid === real.kid)!;
      const header = base64url.encode(JSON.stringify({ alg: 'HS256', typ: 'at+jwt', kid: real.kid }));
      const payload = forgedPayload();
      for (const secret of [JSON.stringify(publicJwk), Buffer.from(JSON.stringify(publicJwk)).toString('base64')]) {
        const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
        await expectRefused(`${header}.${payload}.${signature}`, 'algorithm not allowed: HS256');
      }
    });

    it('a real token whose payload was tampered with', async () => {
      const [header, , signature] = writer.token.split('.');
      await expectRefused(`${header}.${forgedPayload()}.${signature}`, 'signature invalid');
    });

    it('a token signed by a key the vault never published', async () => {
      const { privateKey } = await generateKeyPair('ES256');
      await expectRefused(await signToken({ kid: 'made-up-kid', key: privateKey }), 'unknown signing key');
      // The same foreign key under the real kid: the signature does not match the published key.
      await expectRefused(await signToken({ kid: real.kid, key: privateKey }), 'signature invalid');
    });

    it('a token of another type, a malformed token, and no token', async () => {
      await expectRefused(await signToken(real, {}, { typ: 'JWT' }), 'token type not allowed');
      await expectRefused('abc.def.ghi', 'malformed token');
      await expectRefused('not-a-jwt', 'malformed token');
      await expectRefused(`${base64url.encode(JSON.stringify({ alg: 'ES256', typ: 'at+jwt' }))}.${forgedPayload()}.c2ln`, 'unknown signing key: no kid');
      const reached = probe.reached.length;
      await expect(call(`${probe.url}/probe/write`)).resolves.toMatchObject({ status: 401, body: { message: 'missing bearer token' } });
      await expect(call(`${probe.url}/probe/write`, { headers: { authorization: `Basic ${writer.token}` } })).resolves.toMatchObject({ status: 401, body: { message: 'missing bearer token' } });
      expect(probe.reached.length).toBe(reached);
    });
  });

  it('answers 403 naming the missing scope, without reaching the handler', async () => {
    const reached = probe.reached.length;
    const answer = await call(`${probe.url}/probe/admin`, { token: writer.token });
    expect(answer).toMatchObject({ status: 403, body: { statusCode: 403, error: 'Forbidden', message: 'missing scope: admin' } });
    expect(probe.reached.length).toBe(reached);
    const reader = await callerWithScopes(vault.url, vault.env.BOOTSTRAP_ADMIN_API_KEY, ['scores:read']);
    await expect(call(`${probe.url}/probe/write`, { token: reader.token })).resolves.toMatchObject({ status: 403, body: { message: 'missing scope: scores:write' } });
    expect(probe.reached.length).toBe(reached);
  });

  it("guards the vault's credential endpoints with the credentials:resolve scope", async () => {
    const triple = { platformId: 'https://lms.example', contextId: 'course-1', resourceLinkId: 'quiz-1' };
    const resolver = await callerWithScopes(vault.url, vault.env.BOOTSTRAP_ADMIN_API_KEY, ['credentials:resolve']);
    const admin = (await exchangeApiKey(vault.url, vault.env.BOOTSTRAP_ADMIN_API_KEY)).access_token;
    // Allowed through: nothing captured for this context yet.
    await expect(call(`${vault.url}/v1/credentials/resolve`, { method: 'POST', token: resolver.token, body: triple })).resolves.toMatchObject({ status: 404 });
    await expect(call(`${vault.url}/v1/contexts`, { token: resolver.token })).resolves.toMatchObject({ status: 200 });
    for (const path of ['/v1/credentials/resolve', '/v1/credentials/stale']) {
      const body = { ...triple, reason: 'refused by LTIAAS' };
      await expect(call(`${vault.url}${path}`, { method: 'POST', token: writer.token, body })).resolves.toMatchObject({ status: 403, body: { message: 'missing scope: credentials:resolve' } });
      await expect(call(`${vault.url}${path}`, { method: 'POST', token: admin, body })).resolves.toMatchObject({ status: 403, body: { message: 'missing scope: credentials:resolve' } });
      await expect(call(`${vault.url}${path}`, { method: 'POST', apiKey: vault.env.BOOTSTRAP_ADMIN_API_KEY, body })).resolves.toMatchObject({ status: 401, body: { message: 'malformed token' } });
      await expect(call(`${vault.url}${path}`, { method: 'POST', body })).resolves.toMatchObject({ status: 401, body: { message: 'missing bearer token' } });
    }
  });

  describe('rotation', () => {
    it('keeps tokens signed before a rotation valid until they expire; new tokens carry the new kid', async () => {
      const admin = (await exchangeApiKey(vault.url, vault.env.BOOTSTRAP_ADMIN_API_KEY)).access_token;
      const oldKey = await activeSigningKey(vault);
      const before = writer.token;
      expect(decodeProtectedHeader(before).kid).toBe(oldKey.kid);
      const jwksBefore = (await call(`${vault.url}/.well-known/jwks.json`)).body.keys.map((k: { kid: string }) => k.kid) as string[];
      // The next key is published before it signs anything, so every verifier already knows it.
      expect(jwksBefore).toHaveLength(2);
      const nextKid = jwksBefore.find((kid) => kid !== oldKey.kid);

      const rotated = await call(`${vault.url}/v1/signing-keys/rotate`, { method: 'POST', token: admin });
      expect(rotated).toMatchObject({ status: 200, body: { rotated: true, retiredKid: oldKey.kid, activeKid: nextKid } });

      // Old token: still good, in the vault and in another app.
      await expect(call(`${vault.url}/v1/me`, { token: before })).resolves.toMatchObject({ status: 200, body: { handle: 'jwt-writer' } });
      await expect(call(`${probe.url}/probe/write`, { token: before })).resolves.toMatchObject({ status: 200 });
      // ...and so is any token the retired key signed that has not expired, while an expired one is refused.
      await expect(call(`${probe.url}/probe/write`, { token: await signToken(oldKey, { sub: 'late-signer' }) })).resolves.toMatchObject({ status: 200 });
      await expectRefused(await signToken(oldKey, { iat: Math.floor(Date.now() / 1000) - 1000, exp: Math.floor(Date.now() / 1000) - 60 }), 'token expired');

      // New tokens: the new kid, accepted everywhere.
      const fresh = (await exchangeApiKey(vault.url, writer.apiKey)).access_token;
      expect(decodeProtectedHeader(fresh).kid).toBe(nextKid);
      await expect(call(`${probe.url}/probe/write`, { token: fresh })).resolves.toMatchObject({ status: 200 });
      await expect(call(`${vault.url}/v1/me`, { token: fresh })).resolves.toMatchObject({ status: 200 });

      // The retired key: public half published at least as long as its last token lives; its private half stays
      // sealed until then (the JWKS publishes only keys whose private half opens and matches), then is erased.
      const { rows } = await vault.db.query<{ private_key: unknown; published_for: number }>(
        `SELECT private_key, extract(epoch FROM publish_until - now())::float8 AS published_for FROM vault.signing_keys WHERE kid = $1`,
        [oldKey.kid],
      );
      expect(rows[0].private_key).toMatchObject({ v: 1, keyId: 'k1' });
      expect(rows[0].published_for).toBeGreaterThan(900);
      const jwksAfter = (await call(`${vault.url}/.well-known/jwks.json`)).body.keys.map((k: { kid: string }) => k.kid) as string[];
      expect(jwksAfter).toEqual(expect.arrayContaining([oldKey.kid, nextKid]));
      expect(jwksAfter).toHaveLength(3);
    });

    it('lets concurrent rotations (as from several replicas) take turns: one active key, one pending key', async () => {
      const admin = (await exchangeApiKey(vault.url, vault.env.BOOTSTRAP_ADMIN_API_KEY)).access_token;
      const answers = await Promise.all(Array.from({ length: 6 }, () => call(`${vault.url}/v1/signing-keys/rotate`, { method: 'POST', token: admin })));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
      const activeKids = new Set(answers.map((a) => a.body.activeKid as string));
      expect(activeKids.size).toBe(6);
      const { rows } = await vault.db.query<{ state: string; n: number }>(
        `SELECT CASE WHEN activated_at IS NULL THEN 'pending' WHEN retired_at IS NULL THEN 'active' ELSE 'retired' END AS state, count(*)::int AS n
           FROM vault.signing_keys GROUP BY 1 ORDER BY 1`,
      );
      expect(rows).toEqual([
        { state: 'active', n: 1 },
        { state: 'pending', n: 1 },
        { state: 'retired', n: 7 },
      ]);
      // Scheduled checks are no-ops while the active key is young.
      const { SigningKeysService } = await import('../../apps/credential-vault/src/signing-keys/signing-keys.service');
      await expect(vault.app.get(SigningKeysService).rotate('if-due')).resolves.toMatchObject({ rotated: false });
      // The vault verifies tokens from the key that just became active at once (other apps refetch their JWKS on the unknown kid, at most once per cool-down).
      const fresh = (await exchangeApiKey(vault.url, writer.apiKey)).access_token;
      await expect(call(`${vault.url}/v1/me`, { token: fresh })).resolves.toMatchObject({ status: 200 });
    });
  });

  it('publishes only public keys', async () => {
    const jwks = await call(`${vault.url}/.well-known/jwks.json`);
    expect(jwks.headers.get('cache-control')).toBe('public, max-age=60');
    for (const key of jwks.body.keys as Array<Record<string, unknown>>) {
      expect(key).toEqual({ kty: 'EC', crv: 'P-256', x: expect.any(String), y: expect.any(String), kid: expect.any(String), alg: 'ES256', use: 'sig' });
    }
    const { publicKey } = await generateKeyPair('ES256', { extractable: true });
    expect(Object.keys(await exportJWK(publicKey as CryptoKey)).sort()).toEqual(['crv', 'kty', 'x', 'y']);
  });
});
