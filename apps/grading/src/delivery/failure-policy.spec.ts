import {
  LtiaasCredentialInvalidError,
  LtiaasInvalidRequestError,
  LtiaasNotFoundError,
  LtiaasRetryableError,
  LtiaasSupersededError,
} from '@app/ltiaas';
import { backoffMs, isThrottle, outcomeOfFailure, platformWords, retryDelayMs } from './failure-policy';
import { LineItemUnresolvedError } from './line-items/line-item.resolver';
import { CredentialUnavailableError, VaultUnavailableError } from '../credentials/ports';

const policy = { baseMs: 1000, maxMs: 60_000, random: () => 0.5 };
const ctx = { attempt: 3, policy, lineItemId: 'li', capturedAt: '2026-01-01T00:00:00.123456Z' };

describe('backoff', () => {
  it('doubles its ceiling per attempt up to the maximum, with full jitter', () => {
    expect(backoffMs(1, policy)).toBe(500);
    expect(backoffMs(3, policy)).toBe(2000);
    expect(backoffMs(20, policy)).toBe(30_000);
    expect(backoffMs(3, { ...policy, random: () => 0 })).toBe(0);
  });

  it('never retries sooner than Retry-After', () => {
    expect(retryDelayMs(1, 7000, policy)).toBe(7000);
    expect(retryDelayMs(5, 1000, policy)).toBe(8000);
  });
});

describe('outcomeOfFailure', () => {
  it('retries 5xx, timeouts and throttling, honouring Retry-After', () => {
    const outcome = outcomeOfFailure(new LtiaasRetryableError('429', 'rate-limited', 9000, { status: 429 }), ctx);
    expect(outcome).toMatchObject({ kind: 'retry', delayMs: 9000, statusCode: 429 });
    expect(outcomeOfFailure(new LtiaasRetryableError('500', 'server-error', undefined, { status: 500 }), ctx)).toMatchObject({ kind: 'retry', statusCode: 500 });
  });

  it('reads a refused serviceKey as a credential problem, with the key it was', () => {
    expect(outcomeOfFailure(new LtiaasCredentialInvalidError('401', { status: 401 }), ctx)).toMatchObject({
      kind: 'credential',
      problem: { type: 'rejected', capturedAt: '2026-01-01T00:00:00.123456Z' },
      statusCode: 401,
    });
    expect(outcomeOfFailure(new CredentialUnavailableError('stale', 'stale'), ctx)).toMatchObject({ kind: 'credential', problem: { type: 'stale' } });
  });

  it('records an older-or-equal timestamp refusal as superseded, not failed', () => {
    expect(outcomeOfFailure(new LtiaasSupersededError('409', { status: 409 }), ctx)).toMatchObject({ kind: 'superseded', statusCode: 409 });
  });

  it('fails for good what cannot succeed, in the platform\'s own words', () => {
    const refused = new LtiaasInvalidRequestError('LTIAAS POST … answered 422', {
      status: 422,
      bodyReceived: { errors: { type: 'unprocessable_entity', message: 'User not found in course or is not a student' } },
    });
    expect(outcomeOfFailure(refused, ctx)).toEqual({ kind: 'failed', statusCode: 422, message: 'User not found in course or is not a student', lineItemId: 'li' });
    expect(outcomeOfFailure(new LtiaasNotFoundError('gone', { status: 404 }), ctx)).toMatchObject({ kind: 'failed', statusCode: 404 });
    expect(outcomeOfFailure(new LineItemUnresolvedError('no line item'), ctx)).toMatchObject({ kind: 'failed', message: 'no line item' });
  });

  it('retries when the vault cannot answer, and anything unexpected', () => {
    expect(outcomeOfFailure(new VaultUnavailableError('down', 4000), ctx)).toMatchObject({ kind: 'retry', delayMs: 4000 });
    expect(outcomeOfFailure(new Error('bug'), ctx)).toMatchObject({ kind: 'retry', message: 'bug' });
  });

  it('tells throttling from other retryable failures', () => {
    expect(isThrottle(new LtiaasRetryableError('x', 'rate-limited', undefined))).toBe(true);
    expect(isThrottle(new LtiaasRetryableError('x', 'server-error', undefined))).toBe(false);
  });
});

describe('platformWords', () => {
  it.each([
    ['a plain LMS body', 'Incorrect score received', 'Incorrect score received'],
    ['an HTML page', '<html><body><h1>The maximum number of allowed attempts has been reached for this submission</h1></body></html>', 'The maximum number of allowed attempts has been reached for this submission'],
    ['a JSON string', '{"errors":[{"message":"Course is not published"}]}', 'Course is not published'],
  ])('finds the words in %s', (_what, body, words) => {
    expect(platformWords(new LtiaasInvalidRequestError('x', { status: 400, bodyReceived: body }))).toBe(words);
  });

  it('takes control characters out, so the message can be stored', () => {
    expect(platformWords(new LtiaasInvalidRequestError('x', { status: 400, bodyReceived: 'bad\u0000score\u0007' }))).toBe('bad score');
  });

  it("falls back to LTIAAS's own description", () => {
    expect(platformWords(new LtiaasInvalidRequestError('x', { status: 403, error: 'Forbidden', detailsMessage: 'SERVICE_NOT_AVAILABLE_FOR_CONTEXT' }))).toBe(
      'Forbidden: SERVICE_NOT_AVAILABLE_FOR_CONTEXT',
    );
  });
});
