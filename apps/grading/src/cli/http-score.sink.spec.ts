import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TokenSource } from '@app/auth';
import type { ScoreReadyData } from '@app/contracts';
import { HttpScoreSink } from './http-score.sink';

const data = (userId: string): ScoreReadyData => ({
  platformId: 'p',
  contextId: 'c',
  resourceLinkId: 'r',
  userId,
  activityProgress: 'Completed',
  gradingProgress: 'FullyGraded',
  timestamp: '2026-01-31T12:00:00Z',
});

/** A stand-in for the vault's token exchange and grading's ingest, scripted per test. */
class FakeServices {
  server!: Server;
  url = '';
  tokensIssued = 0;
  received: { key: string | undefined; auth: string | undefined; body: ScoreReadyData }[] = [];
  answer: (body: ScoreReadyData, auth: string | undefined, attempt: number) => { status: number; headers?: Record<string, string>; body?: unknown } = () => ({ status: 202 });
  private attempts = new Map<string, number>();

  async start() {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    let text = '';
    for await (const chunk of req) text += chunk;
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.url === '/v1/token') {
      if (req.headers.authorization !== 'Bearer the-key') return reply(401, { statusCode: 401, error: 'Unauthorized', message: 'unknown API key' });
      this.tokensIssued++;
      return reply(200, { access_token: `jwt-${this.tokensIssued}`, token_type: 'Bearer', expires_in: 300, scope: 'scores:write' });
    }
    const body = JSON.parse(text) as ScoreReadyData;
    const key = req.headers['idempotency-key'] as string | undefined;
    const attempt = (this.attempts.get(key ?? '') ?? 0) + 1;
    this.attempts.set(key ?? '', attempt);
    this.received.push({ key, auth: req.headers.authorization, body });
    const answer = this.answer(body, req.headers.authorization, attempt);
    return reply(answer.status, answer.body ?? { id: key }, answer.headers);
  }
}

describe('HttpScoreSink', () => {
  const services = new FakeServices();
  beforeAll(() => services.start());
  afterAll(() => new Promise((resolve) => services.server.close(resolve)));
  beforeEach(() => {
    services.received = [];
    services.tokensIssued = 0;
    services.answer = () => ({ status: 202 });
  });

  const sink = (apiKey = 'the-key') =>
    new HttpScoreSink({ gradingUrl: services.url, tokens: new TokenSource({ vaultUrl: services.url, apiKey }), baseDelayMs: 1, maxAttempts: 4 });

  it('posts each score with its line id as Idempotency-Key and a token from the vault', async () => {
    const result = await sink().send([
      { lineNumber: 1, id: 'id-1', data: data('a') },
      { lineNumber: 2, id: 'id-2', data: data('b') },
    ]);
    expect(result).toEqual({ failed: [] });
    expect(services.received.map((r) => [r.key, r.body.userId]).sort()).toEqual([
      ['id-1', 'a'],
      ['id-2', 'b'],
    ]);
    expect(services.received.every((r) => r.auth === 'Bearer jwt-1')).toBe(true);
    expect(services.tokensIssued).toBe(1);
  });

  it('lists the records grading refuses, with its message, and carries on', async () => {
    services.answer = (body) => (body.userId === 'bad' ? { status: 400, body: { statusCode: 400, error: 'Bad Request', message: 'lineItem: unknown' } } : { status: 202 });
    const result = await sink().send([
      { lineNumber: 5, id: 'id-5', data: data('bad') },
      { lineNumber: 6, id: 'id-6', data: data('ok') },
    ]);
    expect(result.failed).toEqual([{ lineNumber: 5, reason: 'grading answered 400: lineItem: unknown' }]);
  });

  it('retries 429 and 503, honouring Retry-After', async () => {
    services.answer = (_body, _auth, attempt) => (attempt === 1 ? { status: 429, headers: { 'retry-after': '0' } } : attempt === 2 ? { status: 503 } : { status: 202 });
    await expect(sink().send([{ lineNumber: 1, id: 'retry-1', data: data('a') }])).resolves.toEqual({ failed: [] });
    expect(services.received.filter((r) => r.key === 'retry-1')).toHaveLength(3);
  });

  it('renews the token once on a 401', async () => {
    services.answer = (_body, auth) => (auth === 'Bearer jwt-1' ? { status: 401 } : { status: 202 });
    await expect(sink().send([{ lineNumber: 1, id: 'renew-1', data: data('a') }])).resolves.toEqual({ failed: [] });
    expect(services.tokensIssued).toBe(2);
  });

  it('stops the run when the vault refuses the key', async () => {
    await expect(sink('wrong').send([{ lineNumber: 1, id: 'x', data: data('a') }])).rejects.toThrow(/vault refused the API key: token exchange refused \(401\): unknown API key/);
  });
});
