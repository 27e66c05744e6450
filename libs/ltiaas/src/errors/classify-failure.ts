import { redactText } from '@app/observability';
import { z } from 'zod';
import {
  LtiaasCredentialInvalidError,
  LtiaasError,
  LtiaasInvalidRequestError,
  LtiaasNotFoundError,
  LtiaasRetryableError,
  LtiaasSupersededError,
  type LtiaasFailureContext,
} from './ltiaas.exception';
import { parseRateLimitRemaining, parseRetryAfter } from './retry-after';

export type ResponseHeaders = Record<string, string | string[] | undefined>;

/** LTIAAS error envelope (reference §3, SDK `apiError.ts`); loose because LMS bodies vary. */
const envelopeSchema = z.looseObject({
  status: z.number().optional(),
  error: z.string().optional(),
  details: z
    .looseObject({
      code: z.string().optional(),
      message: z.string().optional(),
      description: z.string().optional(),
      bodyReceived: z.unknown().optional(),
      // Set by LTIAAS when the failure came from the LMS behind it (SDK error envelope, reference §11).
      externalError: z.boolean().optional(),
    })
    .optional(),
});

// Canvas's historical throttling answer: 403 "Forbidden (Rate Limit Exceeded)".
const RATE_LIMIT_TEXT = /rate limit exceeded/i;
// Canvas refuses a score older than the stored result with a 400 (scores_controller.rb).
const CANVAS_STALE_TIMESTAMP = /before last updated timestamp/i;
// Errors about the account or the launch context, not the credential: a new key would not help.
const SERVICE_UNAVAILABLE_CODES = new Set(['INACTIVE_SERVICE', 'SERVICE_NOT_AVAILABLE_FOR_CONTEXT']);
const INACTIVE_PLATFORM_CODE = 'UNREGISTERED_OR_INACTIVE_PLATFORM';
const NAMED_CODES = new Set([...SERVICE_UNAVAILABLE_CODES, INACTIVE_PLATFORM_CODE, 'INVALID_LTIK_AUTH_AUTHORIZATION_HEADER']);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT']);

export interface FailedResponse {
  status: number;
  headers: ResponseHeaders;
  bodyText: string;
}

/** Secrets known for this call, scrubbed from everything the error carries. */
export type Scrub = (text: string) => string;

export function scrubberFor(secrets: ReadonlyArray<string | undefined>): Scrub {
  const known = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 4);
  return (text) => {
    let out = redactText(text);
    for (const secret of known) if (out.includes(secret)) out = out.split(secret).join('[REDACTED]');
    return out;
  };
}

export function classifyResponse(
  response: FailedResponse,
  context: LtiaasFailureContext,
  nowMs: number,
  scrub: Scrub = redactText,
): LtiaasError {
  const { status, headers, bodyText } = response;
  const envelope = parseEnvelope(bodyText);
  const code = namedCodeOf(envelope);
  const full: LtiaasFailureContext = {
    ...context,
    status,
    error: envelope?.error === undefined ? undefined : scrub(envelope.error),
    detailsMessage: detailsMessageOf(envelope, scrub),
    bodyReceived: scrubUnknown(envelope ? envelope.details?.bodyReceived : bodyText || undefined, scrub),
    rateLimitRemaining: parseRateLimitRemaining(headers['x-rate-limit-remaining']),
  };
  const message = describe(full, envelope ? undefined : bodyText, scrub);

  if (status === 429 || (status === 403 && isRateLimited(full.rateLimitRemaining, bodyText))) {
    return new LtiaasRetryableError(message, 'rate-limited', parseRetryAfter(headers['retry-after'], nowMs), full);
  }
  if (status >= 500 || status === 408) {
    const reason = status === 408 || status === 504 ? 'timeout' : 'server-error';
    return new LtiaasRetryableError(message, reason, parseRetryAfter(headers['retry-after'], nowMs), full);
  }
  if (code && SERVICE_UNAVAILABLE_CODES.has(code)) return new LtiaasInvalidRequestError(message, full);
  if (code === INACTIVE_PLATFORM_CODE) {
    // The platform's registration at LTIAAS is missing or switched off: an account matter that a
    // relaunch cannot fix and an admin can; scores wait for it rather than fail.
    return new LtiaasRetryableError(message, 'platform-inactive', parseRetryAfter(headers['retry-after'], nowMs), full);
  }
  if ((status === 401 || status === 403) && envelope?.details?.externalError === true) {
    // The LMS refused LTIAAS (its token, its scopes), not our serviceKey: a relaunch would not help,
    // and the LMS side may be fixed by its admin, so the score waits and is retried.
    return new LtiaasRetryableError(`${message} [the LMS refused LTIAAS, not the serviceKey]`, 'lms-refused', parseRetryAfter(headers['retry-after'], nowMs), full);
  }
  if (status === 401 || status === 403) return new LtiaasCredentialInvalidError(message, full);
  if (status === 409 || (status === 400 && CANVAS_STALE_TIMESTAMP.test(bodyText))) return new LtiaasSupersededError(message, full);
  if (status === 404) return new LtiaasNotFoundError(message, full);
  return new LtiaasInvalidRequestError(message, full);
}

export function classifyTransportError(error: unknown, context: LtiaasFailureContext, scrub: Scrub = redactText): LtiaasRetryableError {
  const code = transportCodeOf(error);
  const reason = code && TIMEOUT_CODES.has(code) ? 'timeout' : 'network';
  const detail = error instanceof Error ? scrub(error.message) : 'unknown transport failure';
  const message = `LTIAAS ${context.method} ${context.path} failed (${code ?? reason}): ${detail}`;
  return new LtiaasRetryableError(message, reason, undefined, context, code);
}

function isRateLimited(remaining: number | undefined, bodyText: string): boolean {
  return (remaining !== undefined && remaining <= 0) || RATE_LIMIT_TEXT.test(bodyText);
}

/**
 * LTIAAS's named error code may arrive in `details.code`, in `details.message` or as the
 * envelope's `error` itself (reference §11): look in all three, known codes first.
 */
function namedCodeOf(envelope: z.infer<typeof envelopeSchema> | undefined): string | undefined {
  if (!envelope) return undefined;
  const candidates = [envelope.details?.code, envelope.details?.message, envelope.error];
  return candidates.find((c) => c !== undefined && NAMED_CODES.has(c)) ?? envelope.details?.code ?? envelope.details?.message;
}

function parseEnvelope(bodyText: string): z.infer<typeof envelopeSchema> | undefined {
  if (!bodyText || bodyText[0] !== '{') return undefined;
  try {
    const parsed = envelopeSchema.safeParse(JSON.parse(bodyText));
    return parsed.success && (parsed.data.error !== undefined || parsed.data.details !== undefined) ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function detailsMessageOf(envelope: z.infer<typeof envelopeSchema> | undefined, scrub: Scrub): string | undefined {
  const details = envelope?.details;
  const text = details?.message ?? details?.description;
  return text === undefined ? undefined : scrub(text);
}

function describe(context: LtiaasFailureContext, rawBody: string | undefined, scrub: Scrub): string {
  const parts = [`LTIAAS ${context.method} ${context.path} answered ${context.status}`];
  if (context.error) parts.push(` ${context.error}`);
  if (context.detailsMessage) parts.push(`: ${context.detailsMessage}`);
  const lms = context.bodyReceived ?? rawBody;
  if (lms !== undefined && lms !== '') parts.push(` (LMS said: ${truncate(typeof lms === 'string' ? lms : JSON.stringify(lms))})`);
  return scrub(parts.join(''));
}

function scrubUnknown(value: unknown, scrub: Scrub): unknown {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return scrub(value);
  const json = JSON.stringify(value);
  const clean = scrub(json);
  if (clean === json) return value;
  try {
    return JSON.parse(clean) as unknown;
  } catch {
    return clean;
  }
}

function transportCodeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  const cause = (error as { cause?: unknown }).cause;
  return cause === undefined ? undefined : transportCodeOf(cause);
}

function truncate(text: string, max = 300): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
