import type { AuthPrincipal } from './principal';
import { BOOTSTRAP_SUBJECT, RevocationList } from './revocation-list';

const principal = (apiKeyId: string | undefined, handle = 'grader-one'): AuthPrincipal =>
  ({ handle, scopes: [], issuedAt: new Date(), expiresAt: new Date(), tokenId: undefined, keyId: 'k', apiKeyId, platforms: undefined }) as AuthPrincipal;

describe('RevocationList', () => {
  let answers: Array<() => Response>;
  let calls: Array<{ url: string; authorization: string | null }>;
  let invalidated: number;
  let list: RevocationList;

  beforeEach(() => {
    answers = [];
    calls = [];
    invalidated = 0;
    const fetchImpl = (async (url: string, init: RequestInit) => {
      calls.push({ url, authorization: new Headers(init.headers).get('authorization') });
      const next = answers.shift();
      if (!next) throw new Error('connect ECONNREFUSED');
      return next();
    }) as unknown as typeof fetch;
    list = new RevocationList({
      vaultUrl: 'http://vault.test/base',
      tokens: { getToken: async () => `token-${invalidated}`, invalidate: () => void invalidated++ },
      fetch: fetchImpl,
    });
  });

  const json = (status: number, body: unknown) => () => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

  it('refuses tokens of listed keys, and of the bootstrap key once it is disabled, answering from memory', async () => {
    answers.push(json(200, { revoked: ['key-1'], bootstrapDisabled: true, windowSeconds: 1200 }));
    await list.poll();
    expect(calls[0]).toEqual({ url: 'http://vault.test/base/v1/revocations', authorization: 'Bearer token-0' });
    expect(list.revoked(principal('key-1'))).toBe(true);
    expect(list.revoked(principal('key-2'))).toBe(false);
    expect(list.revoked(principal(undefined, BOOTSTRAP_SUBJECT))).toBe(true);
    expect(list.status()).toMatchObject({ size: 1, consecutiveFailures: 0, bootstrapDisabled: true });
  });

  it('fails open: keeps the last list while the vault is unreachable or answers nonsense, and counts the failures', async () => {
    answers.push(json(200, { revoked: ['key-1'], bootstrapDisabled: false, windowSeconds: 1200 }));
    await list.poll();
    const fetchedAt = list.status().lastSuccessAt;
    await list.poll(); // connection refused
    answers.push(json(200, { revoked: 'key-2' }));
    await list.poll();
    answers.push(json(403, { message: 'missing scope: revocations:read' }));
    await list.poll();
    expect(list.revoked(principal('key-1'))).toBe(true);
    expect(list.status()).toMatchObject({ consecutiveFailures: 3, lastSuccessAt: fetchedAt });
    answers.push(json(200, { revoked: [], bootstrapDisabled: false, windowSeconds: 1200 }));
    await list.poll();
    expect(list.revoked(principal('key-1'))).toBe(false);
    expect(list.status().consecutiveFailures).toBe(0);
  });

  it('renews its own token once on a 401', async () => {
    answers.push(json(401, { message: 'token expired' }), json(200, { revoked: ['key-9'], bootstrapDisabled: false, windowSeconds: 1200 }));
    await list.poll();
    expect(invalidated).toBe(1);
    expect(calls.map((c) => c.authorization)).toEqual(['Bearer token-0', 'Bearer token-1']);
    expect(list.revoked(principal('key-9'))).toBe(true);
  });
});
