import { backoffDelay } from '@app/async';
import {
  LtiaasCredentialInvalidError,
  LtiaasError,
  LtiaasInvalidRequestError,
  LtiaasInvalidResponseError,
  LtiaasNotFoundError,
  LtiaasRetryableError,
  LtiaasSupersededError,
  MissingCredentialError,
} from '@app/ltiaas';
import type { Outcome } from './delivery-outcome';
import { LineItemUnresolvedError } from './line-items/line-item.resolver';
import { CredentialUnavailableError, VaultUnavailableError } from '../credentials/ports';

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
  /** [0, 1); Math.random in production, fixed in specs. */
  random: () => number;
}

/** Exponential backoff with full jitter: uniform in [0, min(max, base·2^(n-1))). */
export function backoffMs(attempt: number, policy: BackoffPolicy): number {
  return backoffDelay(attempt, policy);
}

/** Never sooner than the server asked (Retry-After), never sooner than the jittered backoff. */
export function retryDelayMs(attempt: number, retryAfterMs: number | undefined, policy: BackoffPolicy): number {
  return Math.max(retryAfterMs ?? 0, backoffMs(attempt, policy));
}

export interface FailureContext {
  /** Attempts of this value so far, this one included. */
  attempt: number;
  policy: BackoffPolicy;
  lineItemId?: string;
  /** Capture time of the serviceKey the request used, as the vault gave it. */
  capturedAt?: string | null;
}

/** What to do with a row after a failed request (or a failed preparation of its group). */
export function outcomeOfFailure(error: unknown, ctx: FailureContext): Outcome {
  const lineItemId = ctx.lineItemId;
  if (error instanceof CredentialUnavailableError) {
    return { kind: 'credential', problem: { type: error.reason }, message: error.message, lineItemId };
  }
  if (error instanceof LineItemUnresolvedError) return { kind: 'failed', message: error.message, lineItemId };
  if (error instanceof VaultUnavailableError) {
    return { kind: 'retry', delayMs: retryDelayMs(ctx.attempt, error.retryAfterMs, ctx.policy), message: error.message, lineItemId };
  }
  if (!(error instanceof LtiaasError)) {
    const message = error instanceof Error ? error.message : String(error);
    return { kind: 'retry', delayMs: retryDelayMs(ctx.attempt, undefined, ctx.policy), message, lineItemId };
  }
  const statusCode = error.status;
  const message = platformWords(error);
  if (error instanceof LtiaasRetryableError || error instanceof LtiaasInvalidResponseError) {
    const retryAfter = error instanceof LtiaasRetryableError ? error.retryAfterMs : undefined;
    return { kind: 'retry', delayMs: retryDelayMs(ctx.attempt, retryAfter, ctx.policy), statusCode, message, lineItemId };
  }
  if (error instanceof LtiaasCredentialInvalidError) {
    return { kind: 'credential', problem: { type: 'rejected', capturedAt: ctx.capturedAt ?? null }, statusCode, message, lineItemId };
  }
  if (error instanceof MissingCredentialError) return { kind: 'credential', problem: { type: 'missing' }, message, lineItemId };
  if (error instanceof LtiaasSupersededError) return { kind: 'superseded', statusCode, message, lineItemId };
  if (error instanceof LtiaasNotFoundError || error instanceof LtiaasInvalidRequestError) {
    return { kind: 'failed', statusCode, message, lineItemId };
  }
  return { kind: 'retry', delayMs: retryDelayMs(ctx.attempt, undefined, ctx.policy), statusCode, message, lineItemId };
}

/** Whether a failure is the platform telling us to slow down. */
export function isThrottle(error: unknown): boolean {
  return error instanceof LtiaasRetryableError && error.reason === 'rate-limited';
}

/**
 * The platform's own words when the LMS answered (what a teacher or student
 * would recognise: "User not found in course or is not a student"), else
 * LTIAAS's description, else the client's message.
 */
export function platformWords(error: LtiaasError): string {
  return printable(wordsOf(error));
}

function wordsOf(error: LtiaasError): string {
  const fromLms = textOf(error.bodyReceived);
  if (fromLms) return fromLms;
  if (error.detailsMessage) return error.error ? `${error.error}: ${error.detailsMessage}` : error.detailsMessage;
  return error.message;
}

/** Control characters out: PostgreSQL refuses a NUL in text and jsonb, and none belongs in a message. */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]+/g, ' ').replace(/ {2,}/g, ' ').trim();
}

function textOf(body: unknown): string | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') {
    const text = body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
    if (!text) return undefined;
    if (text.startsWith('{') || text.startsWith('[')) {
      try {
        return textOf(JSON.parse(text));
      } catch {
        return text.slice(0, 1000);
      }
    }
    return text.slice(0, 1000);
  }
  if (Array.isArray(body)) {
    const parts = body.map(textOf).filter((t): t is string => !!t);
    return parts.length ? parts.join('; ') : undefined;
  }
  if (typeof body === 'object') {
    const o = body as Record<string, unknown>;
    for (const field of ['errors', 'message', 'error', 'description']) {
      const text = textOf(o[field]);
      if (text) return text;
    }
  }
  return undefined;
}
