import { classifyResponse, classifyTransportError, scrubberFor, type ResponseHeaders } from './classify-failure';
import {
  LtiaasCredentialInvalidError,
  LtiaasInvalidRequestError,
  LtiaasNotFoundError,
  LtiaasRetryableError,
  LtiaasSupersededError,
} from './ltiaas.exception';

const NOW = Date.parse('2025-03-01T12:00:00Z');
const CONTEXT = { method: 'POST', path: '/api/lineitems/x/scores', requestId: 'req-1', scheme: 'SERVICE-AUTH-V1' as const };

function envelope(status: number, error: string, details: Record<string, unknown> = {}): string {
  return JSON.stringify({ status, error, details });
}

function classify(status: number, body: string | object = '', headers: ResponseHeaders = {}) {
  const bodyText = typeof body === 'string' ? body : JSON.stringify(body);
  return classifyResponse({ status, headers, bodyText }, CONTEXT, NOW);
}

describe('classifyResponse', () => {
  it.each([
    [429, '', {}, 'rate-limited'],
    [500, envelope(500, 'Internal Server Error'), {}, 'server-error'],
    [502, 'Bad Gateway', {}, 'server-error'],
    [503, '', { 'retry-after': '2' }, 'server-error'],
    [504, '', {}, 'timeout'],
    [408, '', {}, 'timeout'],
    [403, envelope(403, 'Forbidden', { bodyReceived: '403 Forbidden (Rate Limit Exceeded)', externalError: true }), {}, 'rate-limited'],
    [403, 'Forbidden (Rate Limit Exceeded)', {}, 'rate-limited'],
    [403, envelope(403, 'Forbidden'), { 'x-rate-limit-remaining': '0' }, 'rate-limited'],
    [403, envelope(403, 'Forbidden'), { 'x-rate-limit-remaining': '-3.5' }, 'rate-limited'],
  ])('%d %p %p is retryable (%s)', (status, body, headers, reason) => {
    const error = classify(status, body, headers);
    expect(error).toBeInstanceOf(LtiaasRetryableError);
    expect(error).toMatchObject({ kind: 'retryable', reason, status, requestId: 'req-1' });
  });

  it('carries Retry-After in seconds and as an HTTP date', () => {
    expect(classify(429, '', { 'retry-after': '7' })).toMatchObject({ retryAfterMs: 7000 });
    expect(classify(503, '', { 'retry-after': 'Sat, 01 Mar 2025 12:00:10 GMT' })).toMatchObject({ retryAfterMs: 10_000 });
    expect(classify(429, '')).toMatchObject({ retryAfterMs: undefined });
  });

  it.each([
    [401, envelope(401, 'Unauthorized', { message: 'INVALID_LTIK_AUTH_AUTHORIZATION_HEADER', description: 'Invalid or expired ltik.' })],
    [401, ''],
    [403, envelope(403, 'Forbidden', { message: 'STALE_SERVICE_KEY' })],
    [403, envelope(403, 'Forbidden'), { 'x-rate-limit-remaining': '12.0' }],
  ])('%d %p means the credential must be refreshed', (status, body, headers: ResponseHeaders = {}) => {
    const error = classify(status, body, headers);
    expect(error).toBeInstanceOf(LtiaasCredentialInvalidError);
    expect(error).toMatchObject({ kind: 'credential-invalid', scheme: 'SERVICE-AUTH-V1' });
  });

  it('keeps the envelope message of a refused credential', () => {
    const error = classify(401, envelope(401, 'Unauthorized', { message: 'INVALID_LTIK_AUTH_AUTHORIZATION_HEADER' }));
    expect(error.detailsMessage).toBe('INVALID_LTIK_AUTH_AUTHORIZATION_HEADER');
    expect(error.message).toContain('INVALID_LTIK_AUTH_AUTHORIZATION_HEADER');
  });

  it.each([
    [409, envelope(409, 'Conflict', { bodyReceived: 'Refusing score with an earlier timestamp for item 3 and user 5', externalError: true })],
    [409, ''],
    [400, envelope(400, 'Bad Request', {
      bodyReceived: { errors: { type: 'bad_request', message: 'Provided timestamp of 2025-01-01T00:00:00Z before last updated timestamp of 2025-02-01T00:00:00Z' } },
      externalError: true,
    })],
    [400, '{"errors":[{"message":"Provided timestamp of 2025-01-01 before last updated timestamp of 2025-02-01"}]}'],
  ])('%d %p means a newer score is already there', (status, body) => {
    expect(classify(status, body)).toBeInstanceOf(LtiaasSupersededError);
  });

  it('maps 404 to not-found', () => {
    const error = classify(404, envelope(404, 'Not Found', { message: 'LINEITEM_NOT_FOUND' }));
    expect(error).toBeInstanceOf(LtiaasNotFoundError);
    expect(error).toMatchObject({ kind: 'not-found', error: 'Not Found', detailsMessage: 'LINEITEM_NOT_FOUND' });
  });

  it('passes the LMS words of a 422 to the operator', () => {
    const body = envelope(422, 'Unprocessable Entity', {
      message: 'LMS_ERROR',
      bodyReceived: { errors: { type: 'unprocessable_entity', message: 'User not found in course or is not a student' } },
      externalError: true,
    });
    const error = classify(422, body);
    expect(error).toBeInstanceOf(LtiaasInvalidRequestError);
    expect(error).toMatchObject({
      kind: 'invalid-request',
      status: 422,
      error: 'Unprocessable Entity',
      detailsMessage: 'LMS_ERROR',
      bodyReceived: { errors: { type: 'unprocessable_entity', message: 'User not found in course or is not a student' } },
    });
    expect(error.message).toContain('User not found in course or is not a student');
  });

  it.each([
    [400, envelope(400, 'Bad Request', { bodyReceived: 'Incorrect score received' })],
    [400, 'plain text from an LMS'],
    [405, ''],
    [413, envelope(413, 'Payload Too Large')],
    [403, envelope(403, 'Forbidden', { message: 'INACTIVE_SERVICE' })],
    [401, envelope(401, 'Unauthorized', { message: 'SERVICE_NOT_AVAILABLE_FOR_CONTEXT' })],
  ])('%d %p is an invalid request', (status, body) => {
    expect(classify(status, body)).toBeInstanceOf(LtiaasInvalidRequestError);
  });

  it('keeps a non-envelope body as what the LMS said', () => {
    const error = classify(400, 'plain text from an LMS');
    expect(error.bodyReceived).toBe('plain text from an LMS');
    expect(error.message).toContain('plain text from an LMS');
  });

  it('scrubs the call secrets and any Authorization header from every field', () => {
    const scrub = scrubberFor(['api-key-123:svc-key-456', 'api-key-123', 'svc-key-456']);
    const body = envelope(400, 'Bad Request svc-key-456', {
      message: 'header was SERVICE-AUTH-V1 api-key-123:svc-key-456',
      bodyReceived: { echoed: 'svc-key-456', auth: 'Bearer api-key-123' },
    });
    const error = classifyResponse({ status: 400, headers: {}, bodyText: body }, CONTEXT, NOW, scrub);
    const everything = JSON.stringify({ message: error.message, error: error.error, details: error.detailsMessage, lms: error.bodyReceived });
    expect(everything).not.toContain('api-key-123');
    expect(everything).not.toContain('svc-key-456');
    expect(everything).toContain('[REDACTED]');
  });
});

describe('classifyResponse, as the official SDK shows LTIAAS answering (reference §11)', () => {
  it.each([
    ['details.code', envelope(403, 'Forbidden', { code: 'SERVICE_NOT_AVAILABLE_FOR_CONTEXT' })],
    ['details.message', envelope(403, 'Forbidden', { message: 'SERVICE_NOT_AVAILABLE_FOR_CONTEXT' })],
    ['error', JSON.stringify({ status: 403, error: 'SERVICE_NOT_AVAILABLE_FOR_CONTEXT', details: {} })],
    ['error, with an unrelated details.message', envelope(403, 'INACTIVE_SERVICE', { message: 'Forbidden' })],
  ])('finds a named code in %s: a context without the service is not a stale serviceKey', (_where, body) => {
    expect(classify(403, body)).toBeInstanceOf(LtiaasInvalidRequestError);
  });

  it.each([
    ['details.code', envelope(401, 'Unauthorized', { code: 'UNREGISTERED_OR_INACTIVE_PLATFORM' })],
    ['error', JSON.stringify({ status: 401, error: 'UNREGISTERED_OR_INACTIVE_PLATFORM' })],
  ])('an inactive platform (code in %s) waits for its admin instead of marking the serviceKey stale', (_where, body) => {
    expect(classify(401, body)).toMatchObject({ kind: 'retryable', reason: 'platform-inactive' });
  });

  it.each([401, 403])('a %d that LTIAAS marks externalError is the LMS refusing LTIAAS, retried, never a stale serviceKey', (status) => {
    const body = envelope(status, 'Unauthorized', {
      externalError: true,
      externalUrl: 'https://lms.example/api/lti/courses/1/line_items/2/scores',
      bodyReceived: { errors: [{ message: 'Invalid access token.' }] },
    });
    const error = classify(status, body);
    expect(error).toMatchObject({ kind: 'retryable', reason: 'lms-refused', status });
    expect(error.message).toContain('Invalid access token.');
    expect(error.message).toContain('the LMS refused LTIAAS');
  });

  it('an externalError 403 that is a rate limit stays a rate limit', () => {
    const body = envelope(403, 'Forbidden', { externalError: true, bodyReceived: '403 Forbidden (Rate Limit Exceeded)' });
    expect(classify(403, body)).toMatchObject({ kind: 'retryable', reason: 'rate-limited' });
  });

  it('a 429 without Retry-After or X-Rate-Limit-Remaining is still a rate limit, with no server hint', () => {
    expect(classify(429, envelope(429, 'Too Many Requests', { externalError: true }))).toMatchObject({
      reason: 'rate-limited',
      retryAfterMs: undefined,
      rateLimitRemaining: undefined,
    });
  });

  it('a 401 without externalError and without a named code is still a refused credential', () => {
    expect(classify(401, envelope(401, 'Unauthorized', { externalError: false }))).toBeInstanceOf(LtiaasCredentialInvalidError);
  });
});

describe('classifyTransportError', () => {
  it.each([
    ['UND_ERR_HEADERS_TIMEOUT', 'timeout'],
    ['UND_ERR_BODY_TIMEOUT', 'timeout'],
    ['UND_ERR_CONNECT_TIMEOUT', 'timeout'],
    ['ECONNRESET', 'network'],
    ['ECONNREFUSED', 'network'],
    ['UND_ERR_SOCKET', 'network'],
  ])('%s is retryable (%s)', (code, reason) => {
    const error = classifyTransportError(Object.assign(new Error(`boom ${code}`), { code }), CONTEXT);
    expect(error).toMatchObject({ kind: 'retryable', reason, transportCode: code, retryAfterMs: undefined });
    expect(error.message).toContain(code);
  });

  it('finds the code on a wrapped cause', () => {
    const error = classifyTransportError(new Error('fetch failed', { cause: Object.assign(new Error('x'), { code: 'ECONNRESET' }) }), CONTEXT);
    expect(error.transportCode).toBe('ECONNRESET');
  });
});
