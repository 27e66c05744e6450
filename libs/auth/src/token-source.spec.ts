import { TokenExchangeError, TokenSource } from './token-source';

describe('TokenSource', () => {
  let now: number;
  let calls: number;
  let answer: () => Response;
  const fakeFetch = (async () => {
    calls += 1;
    await new Promise((resolve) => setTimeout(resolve, 5));
    return answer();
  }) as unknown as typeof fetch;
  const ok = (token: string, expiresIn = 900) => () =>
    new Response(JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: expiresIn, scope: 'credentials:resolve' }), { status: 200 });
  const source = () => new TokenSource({ vaultUrl: 'http://vault.test', apiKey: 'ltig_x', fetch: fakeFetch, now: () => now });

  beforeEach(() => {
    now = 1_000_000;
    calls = 0;
    answer = ok('t1');
  });

  it('exchanges once for concurrent callers and reuses the token', async () => {
    const tokens = source();
    await expect(Promise.all([tokens.getToken(), tokens.getToken(), tokens.getToken()])).resolves.toEqual(['t1', 't1', 't1']);
    now += 800_000;
    await expect(tokens.getToken()).resolves.toBe('t1');
    expect(calls).toBe(1);
    expect(tokens.scopes).toEqual(['credentials:resolve']);
  });

  it('renews shortly before expiry', async () => {
    const tokens = source();
    await tokens.getToken();
    answer = ok('t2');
    now += 841_000; // inside the last 60 s
    await expect(tokens.getToken()).resolves.toBe('t2');
    expect(calls).toBe(2);
  });

  it('renews at half-life for short-lived tokens', async () => {
    const tokens = source();
    answer = ok('short', 60);
    await tokens.getToken();
    answer = ok('next', 60);
    now += 31_000;
    await expect(tokens.getToken()).resolves.toBe('next');
  });

  it('keeps serving a still-valid token when a renewal fails, and fails once it is too old', async () => {
    const tokens = source();
    await tokens.getToken();
    answer = () => new Response(JSON.stringify({ statusCode: 503, message: 'down' }), { status: 503 });
    now += 850_000;
    await expect(tokens.getToken()).resolves.toBe('t1');
    now += 46_000;
    await expect(tokens.getToken()).rejects.toThrow(TokenExchangeError);
  });

  it('reports a refusal with its status and Retry-After', async () => {
    answer = () => new Response(JSON.stringify({ statusCode: 429, message: 'too many' }), { status: 429, headers: { 'retry-after': '42' } });
    const error = (await source().getToken().catch((e: unknown) => e)) as TokenExchangeError;
    expect(error).toBeInstanceOf(TokenExchangeError);
    expect(error).toMatchObject({ status: 429, retryAfterSeconds: 42 });
    expect(error.message).toContain('too many');
    expect(error.message).not.toContain('ltig_x');
  });

  it('exchanges again after invalidate()', async () => {
    const tokens = source();
    await tokens.getToken();
    tokens.invalidate();
    answer = ok('t2');
    await expect(tokens.getToken()).resolves.toBe('t2');
  });
});
