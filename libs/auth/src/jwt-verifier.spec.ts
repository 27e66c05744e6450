import { base64url, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JSONWebKeySet, type JWTPayload } from 'jose';
import { createHmac } from 'node:crypto';
import { SigningKeyStore } from './jwks/signing-key-store';
import type { JwksSource } from './jwks/jwks-source';
import { JwtVerifier } from './jwt-verifier';
import { TokenRejectedError, SigningKeysUnavailableError } from './token-rejection';

const ISS = 'credential-vault';
const AUD = 'lti-grading';

class CountingSource implements JwksSource {
  loads = 0;
  fail = false;
  constructor(public jwks: JSONWebKeySet) {}
  load(): Promise<JSONWebKeySet> {
    this.loads += 1;
    return this.fail ? Promise.reject(new Error('vault down')) : Promise.resolve(this.jwks);
  }
}

describe('JwtVerifier', () => {
  let now: number;
  let privateKey: CryptoKey;
  let publicJwk: Record<string, unknown>;
  let source: CountingSource;
  let verifier: JwtVerifier;

  const sign = (claims: JWTPayload = {}, header: Record<string, unknown> = {}, key: CryptoKey = privateKey) => {
    const iat = Math.floor(now / 1000);
    return new SignJWT({ scope: 'scores:write scores:read', ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt', ...header })
      .setIssuer((claims.iss as string) ?? ISS)
      .setAudience((claims.aud as string) ?? AUD)
      .setSubject('grader-one')
      .setIssuedAt(iat)
      .setExpirationTime((claims.exp as number) ?? iat + 900)
      .sign(key);
  };
  const rejection = async (token: string | Promise<string>) => {
    try {
      await verifier.verify(await token);
    } catch (error) {
      if (error instanceof TokenRejectedError) return error.message;
      throw error;
    }
    throw new Error('token was accepted');
  };

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    privateKey = pair.privateKey;
    publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  });

  beforeEach(() => {
    now = Date.UTC(2030, 0, 1);
    source = new CountingSource({ keys: [publicJwk] });
    const clock = () => now;
    verifier = new JwtVerifier(new SigningKeyStore(source, { algorithms: ['ES256'], unknownKidCooldownMs: 30_000, now: clock }), { issuer: ISS, audience: AUD, now: clock });
  });

  it('accepts a good token and returns a frozen principal', async () => {
    const principal = await verifier.verify(await sign());
    expect(principal).toMatchObject({ handle: 'grader-one', scopes: ['scores:write', 'scores:read'], keyId: 'k1' });
    expect(principal.expiresAt.getTime()).toBe(now + 900_000);
    expect(Object.isFrozen(principal)).toBe(true);
  });

  it('maps the platforms claim: absent is unrestricted, a list limits, anything else is refused', async () => {
    expect((await verifier.verify(await sign())).platforms).toBeUndefined();
    const scoped = await verifier.verify(await sign({ platforms: ['https://lms.example'] }));
    expect(scoped.platforms).toEqual(['https://lms.example']);
    expect(Object.isFrozen(scoped.platforms)).toBe(true);
    await expect(rejection(sign({ platforms: 'https://lms.example' }))).resolves.toMatch(/platforms/);
    await expect(rejection(sign({ platforms: [1] }))).resolves.toMatch(/platforms/);
  });

  it('names the check that failed', async () => {
    const iat = Math.floor(now / 1000);
    await expect(rejection(sign({ aud: 'someone-else' }))).resolves.toBe('audience mismatch');
    await expect(rejection(sign({ iss: 'impostor' }))).resolves.toBe('issuer mismatch');
    await expect(rejection(sign({ exp: iat - 120 }))).resolves.toBe('token expired');
    await expect(rejection(sign({ nbf: iat + 600 }))).resolves.toBe('token not yet valid');
    await expect(rejection(sign({}, { typ: 'JWT' }))).resolves.toBe('token type not allowed');
    await expect(rejection(sign({}, { kid: 'k9' }))).resolves.toBe('unknown signing key');
    await expect(rejection(sign({}, { kid: undefined }))).resolves.toBe('unknown signing key: no kid');
    await expect(rejection('not.a.jwt')).resolves.toBe('malformed token');
    await expect(rejection('')).resolves.toBe('malformed token');
  });

  it('refuses alg none and HS256 signed with the public key, before touching any key', async () => {
    const payload = base64url.encode(JSON.stringify({ sub: 'x', iss: ISS, aud: AUD, exp: Math.floor(now / 1000) + 60, iat: Math.floor(now / 1000), scope: 'admin' }));
    const none = `${base64url.encode(JSON.stringify({ alg: 'none', kid: 'k1', typ: 'at+jwt' }))}.${payload}.`;
    await expect(rejection(none)).resolves.toBe('algorithm not allowed: none');
    const hsHeader = base64url.encode(JSON.stringify({ alg: 'HS256', kid: 'k1', typ: 'at+jwt' }));
    const hsSignature = createHmac('sha256', JSON.stringify(publicJwk)).update(`${hsHeader}.${payload}`).digest('base64url');
    await expect(rejection(`${hsHeader}.${payload}.${hsSignature}`)).resolves.toBe('algorithm not allowed: HS256');
    expect(source.loads).toBe(0);
  });

  it('refuses a tampered payload and a token signed by another key under a known kid', async () => {
    const token = await sign();
    const [header, , signature] = token.split('.');
    const forged = base64url.encode(JSON.stringify({ sub: 'grader-one', iss: ISS, aud: AUD, iat: 1, exp: 4_000_000_000, scope: 'admin' }));
    await expect(rejection(`${header}.${forged}.${signature}`)).resolves.toBe('signature invalid');
    const other = await generateKeyPair('ES256');
    await expect(rejection(sign({}, {}, other.privateKey))).resolves.toBe('signature invalid');
  });

  it('remembers a verified token but still refuses it once expired', async () => {
    const token = await sign();
    await verifier.verify(token);
    await verifier.verify(token);
    now += 900_000 + 31_000;
    await expect(rejection(token)).resolves.toBe('token expired');
  });

  it('forgets remembered tokens whose key left the JWKS', async () => {
    const token = await sign();
    await verifier.verify(token);
    source.jwks = { keys: [] };
    now += 30_000;
    // An unknown kid triggers a refresh (the cool-down since the first load is over), which drops k1.
    await expect(rejection(sign({}, { kid: 'k2' }))).resolves.toBe('unknown signing key');
    await expect(rejection(token)).resolves.toBe('unknown signing key');
  });

  it('refetches the JWKS on an unknown kid at most once per cool-down', async () => {
    await verifier.verify(await sign());
    expect(source.loads).toBe(1);
    // Within the cool-down of the first load: no fetch at all.
    await expect(rejection(sign({}, { kid: 'made-up' }))).resolves.toBe('unknown signing key');
    expect(source.loads).toBe(1);
    now += 30_000;
    for (let i = 0; i < 20; i++) await expect(rejection(sign({}, { kid: `made-up-${i}` }))).resolves.toBe('unknown signing key');
    expect(source.loads).toBe(2);
    now += 30_000;
    await expect(rejection(sign({}, { kid: 'made-up-again' }))).resolves.toBe('unknown signing key');
    expect(source.loads).toBe(3);
  });

  it('picks up a new key published after start-up', async () => {
    await verifier.verify(await sign());
    const pair = await generateKeyPair('ES256', { extractable: true });
    source.jwks = { keys: [publicJwk, { ...(await exportJWK(pair.publicKey)), kid: 'k2', alg: 'ES256' }] };
    now += 31_000;
    await expect(verifier.verify(await sign({}, { kid: 'k2' }, pair.privateKey))).resolves.toMatchObject({ keyId: 'k2' });
  });

  it('keeps the keys it has when a refresh fails, and reports unavailability when it never had any', async () => {
    await verifier.verify(await sign());
    source.fail = true;
    now += 10 * 60_000;
    await expect(verifier.verify(await sign())).resolves.toMatchObject({ handle: 'grader-one' });

    const cold = new CountingSource({ keys: [] });
    cold.fail = true;
    const coldVerifier = new JwtVerifier(new SigningKeyStore(cold, { algorithms: ['ES256'] }), { issuer: ISS, audience: AUD });
    await expect(coldVerifier.verify(await sign())).rejects.toBeInstanceOf(SigningKeysUnavailableError);
  });

  it('never imports symmetric or private keys from a key set', async () => {
    source.jwks = { keys: [{ kty: 'oct', k: 'c2VjcmV0', kid: 'k1', alg: 'HS256' }] };
    await expect(rejection(sign())).resolves.toBe('unknown signing key');
  });

  it('reads the platforms claim into the principal, absent as unrestricted, and refuses a malformed one', async () => {
    await expect(verifier.verify(await sign())).resolves.toMatchObject({ platforms: undefined });
    const scoped = await verifier.verify(await sign({ platforms: ['canvas-a', 'moodle-b', 'canvas-a'] }));
    expect(scoped.platforms).toEqual(['canvas-a', 'moodle-b']);
    expect(Object.isFrozen(scoped.platforms)).toBe(true);
    for (const bad of [[], 'canvas-a', [''], ['ok', 42], ['tab\there'], null]) {
      await expect(rejection(sign({ platforms: bad }))).resolves.toBe('token claims invalid: platforms');
    }
  });

  it('asks a revocation check on every verification, remembered tokens included, and refuses what it names', async () => {
    const revokedIds = new Set<string>();
    const clock = () => now;
    const checked = new JwtVerifier(new SigningKeyStore(source, { algorithms: ['ES256'], now: clock }), {
      issuer: ISS,
      audience: AUD,
      now: clock,
      revocation: { revoked: (principal) => principal.apiKeyId !== undefined && revokedIds.has(principal.apiKeyId) },
    });
    const token = await sign({ akid: 'key-1' });
    await expect(checked.verify(token)).resolves.toMatchObject({ apiKeyId: 'key-1' });
    revokedIds.add('key-1');
    await expect(checked.verify(token)).rejects.toThrow('token revoked');
    await expect(checked.verify(await sign({ akid: 'key-2' }))).resolves.toMatchObject({ apiKeyId: 'key-2' });
  });

  it('refuses to be configured without an asymmetric algorithm', () => {
    expect(() => new JwtVerifier(new SigningKeyStore(source, { algorithms: ['HS256'] }), { issuer: ISS, audience: AUD, algorithms: ['HS256', 'none'] })).toThrow(/asymmetric/);
  });
});
