import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pinoOptions } from '@app/observability';
import pino from 'pino';
import {
  LtiaasInvalidResponseError,
  LtiaasRetryableError,
  MissingCredentialError,
} from '../errors/ltiaas.exception';
import { LtiaasClient } from './ltiaas.client';
import type { LtiaasResponseEvent } from './ltiaas-http';

const API_KEY = 'unit-api-key-0001';
const SERVICE_KEY = 'unit-service-key-0002';
const LTIK = 'unit.ltik.token-0003';
const LINE_ITEM = 'https://lms.example.com/mod/lti/services.php/2/lineitems/7/lineitem?type_id=1';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

describe('LtiaasClient over HTTP', () => {
  let server: Server;
  let handler: Handler;
  let seen: Array<{ method?: string; url?: string; headers: IncomingMessage['headers']; body: string }>;
  let logLines: string[];
  let events: LtiaasResponseEvent[];
  let client: LtiaasClient;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body });
        handler(req, body, res);
      });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  });

  beforeEach(() => {
    seen = [];
    logLines = [];
    events = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (logLines.push(String(chunk)), done()) });
    const logger = pino({ ...pinoOptions({ app: 'test' }), level: 'debug' }, sink);
    const { port } = server.address() as AddressInfo;
    client = new LtiaasClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: API_KEY, logger, headersTimeoutMs: 200, bodyTimeoutMs: 200, onResponse: (e) => events.push(e) });
  });

  afterEach(() => client.close());
  afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

  function json(status: number, body: unknown, headers: Record<string, string> = {}): Handler {
    return (_req, _body, res) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
  }

  it('posts a score to the line item encoded as one path segment, with the serviceKey header and a request id', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(204, { 'x-rate-limit-remaining': '611.5' });
      res.end();
    };
    const score = { userId: 'u1', scoreGiven: 7, scoreMaximum: 10, activityProgress: 'Completed', gradingProgress: 'FullyGraded', timestamp: '2025-03-01T12:00:00.123Z' } as const;
    const result = await client.postScore({ serviceKey: SERVICE_KEY }, LINE_ITEM, score, { requestId: 'corr-1' });

    expect(result).toEqual({ requestId: 'corr-1', rateLimitRemaining: 611.5 });
    expect(seen[0].method).toBe('POST');
    expect(seen[0].url).toBe(`/api/lineitems/${encodeURIComponent(LINE_ITEM)}/scores`);
    expect(seen[0].headers.authorization).toBe(`SERVICE-AUTH-V1 ${API_KEY}:${SERVICE_KEY}`);
    expect(seen[0].headers['x-request-id']).toBe('corr-1');
    expect(seen[0].headers['content-type']).toBe('application/json');
    expect(JSON.parse(seen[0].body)).toEqual(score);
    expect(events).toEqual([expect.objectContaining({ requestId: 'corr-1', method: 'POST', status: 204, rateLimitRemaining: 611.5 })]);
  });

  it('logs method, path without query, status, duration and request id at debug level, and no secret', async () => {
    handler = json(200, { id: 'm', context: { id: 'c' }, members: [{ userId: 1, roles: ['Learner'] }] });
    await client.listMemberships({ ltik: { token: LTIK, issuedAt: Date.now() } }, { role: 'Learner', limit: 5 });
    const line = JSON.parse(logLines.find((l) => l.includes('ltiaas request'))!) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'debug', method: 'GET', path: '/api/memberships?[REDACTED]', status: 200, requestId: expect.any(String) });
    expect(typeof line.durationMs).toBe('number');
    expect(seen[0].url).toBe('/api/memberships?role=Learner&limit=5');
    for (const secret of [API_KEY, LTIK, SERVICE_KEY]) expect(logLines.join('')).not.toContain(secret);
  });

  it('refuses to send a request that is bound to fail', async () => {
    handler = json(200, {});
    await expect(client.postScore({}, LINE_ITEM, { userId: 'u', activityProgress: 'Completed', gradingProgress: 'FullyGraded', timestamp: 't' })).rejects.toMatchObject({
      kind: 'missing-credential',
      code: 'NO_SERVICE_KEY_OR_LIVE_LTIK',
    });
    await expect(client.getIdToken({ token: LTIK, issuedAt: Date.now() - 25 * 3_600_000 })).rejects.toBeInstanceOf(MissingCredentialError);
    expect(seen).toHaveLength(0);
  });

  it('turns a malformed answer into LtiaasInvalidResponseError', async () => {
    handler = json(200, { lineItems: [{ id: 'x', label: 'no maximum' }] });
    const failure = client.listLineItems({ serviceKey: SERVICE_KEY });
    await expect(failure).rejects.toBeInstanceOf(LtiaasInvalidResponseError);
    await expect(failure).rejects.toMatchObject({ kind: 'invalid-response', status: 200, message: expect.stringContaining('lineItems.0.scoreMaximum') });
  });

  it('turns a body that is not JSON into LtiaasInvalidResponseError', async () => {
    handler = (_req, _body, res) => res.end('<html>hello</html>');
    await expect(client.getLineItem({ serviceKey: SERVICE_KEY }, LINE_ITEM)).rejects.toBeInstanceOf(LtiaasInvalidResponseError);
  });

  it('times out a silent server as retryable', async () => {
    handler = () => undefined; // never answers
    const failure = client.getLineItem({ serviceKey: SERVICE_KEY }, LINE_ITEM);
    await expect(failure).rejects.toBeInstanceOf(LtiaasRetryableError);
    await expect(failure).rejects.toMatchObject({ reason: 'timeout', transportCode: 'UND_ERR_HEADERS_TIMEOUT' });
  });

  it('stops a pagination loop instead of walking forever', async () => {
    handler = json(200, { lineItems: [], next: 'https://lms.example.com/lineitems?page=2' });
    await expect(client.listLineItems({ serviceKey: SERVICE_KEY })).rejects.toBeInstanceOf(LtiaasInvalidResponseError);
    expect(seen.map((s) => s.url)).toEqual(['/api/lineitems', `/api/lineitems?url=${encodeURIComponent('https://lms.example.com/lineitems?page=2')}`]);
  });

  it('keeps a secret echoed by the server out of the error message', async () => {
    handler = json(400, { status: 400, error: 'Bad Request', details: { message: `bad key ${SERVICE_KEY}`, bodyReceived: `auth was ${API_KEY}:${SERVICE_KEY}` } });
    const error = await client.getLineItem({ serviceKey: SERVICE_KEY }, LINE_ITEM).catch((e: Error) => e);
    expect(error).toMatchObject({ kind: 'invalid-request', status: 400 });
    const text = JSON.stringify({ ...error, message: (error as Error).message });
    for (const secret of [API_KEY, SERVICE_KEY]) expect(text).not.toContain(secret);
  });
});
