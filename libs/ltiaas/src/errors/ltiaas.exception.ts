import type { AuthScheme, EndpointClass } from '../auth/authorization';

/**
 * What the caller should do about a failure:
 * - `retryable`: try again later (after `retryAfterMs` when known);
 * - `credential-invalid`: the ltik or serviceKey must be refreshed (next launch);
 * - `superseded`: the LMS holds a newer score; drop this one;
 * - `not-found`: the line item (or other resource) is gone;
 * - `invalid-request`: the request cannot succeed as sent; dead-letter it;
 * - `missing-credential`: nothing usable to authenticate with; no request was sent;
 * - `invalid-response`: LTIAAS answered with something this client cannot read.
 */
export type LtiaasErrorKind =
  | 'retryable'
  | 'credential-invalid'
  | 'superseded'
  | 'not-found'
  | 'invalid-request'
  | 'missing-credential'
  | 'invalid-response';

/** Where a failure happened and what LTIAAS (or the LMS behind it) said. Never headers. */
export interface LtiaasFailureContext {
  method?: string;
  /** Path without its query string. */
  path?: string;
  requestId?: string;
  status?: number;
  scheme?: AuthScheme;
  /** The LTIAAS envelope's `error`. */
  error?: string;
  /** The LTIAAS envelope's `details.message` (or `details.description`). */
  detailsMessage?: string;
  /** The LMS's own answer, when LTIAAS relayed one. */
  bodyReceived?: unknown;
  rateLimitRemaining?: number;
}

export abstract class LtiaasError extends Error {
  abstract readonly kind: LtiaasErrorKind;
  readonly method?: string;
  readonly path?: string;
  readonly requestId?: string;
  readonly status?: number;
  readonly scheme?: AuthScheme;
  readonly error?: string;
  readonly detailsMessage?: string;
  readonly bodyReceived?: unknown;
  readonly rateLimitRemaining?: number;

  constructor(message: string, context: LtiaasFailureContext = {}) {
    super(message);
    this.name = new.target.name;
    this.method = context.method;
    this.path = context.path;
    this.requestId = context.requestId;
    this.status = context.status;
    this.scheme = context.scheme;
    this.error = context.error;
    this.detailsMessage = context.detailsMessage;
    this.bodyReceived = context.bodyReceived;
    this.rateLimitRemaining = context.rateLimitRemaining;
  }
}

/**
 * `lms-refused`: a 401/403 LTIAAS marks `externalError` (the LMS refused LTIAAS, not the serviceKey);
 * `platform-inactive`: LTIAAS has no active registration for the platform.
 */
export type RetryReason = 'timeout' | 'network' | 'rate-limited' | 'server-error' | 'api-key-refused' | 'lms-refused' | 'platform-inactive';

export class LtiaasRetryableError extends LtiaasError {
  readonly kind = 'retryable';
  constructor(
    message: string,
    readonly reason: RetryReason,
    /** From `Retry-After` (seconds or HTTP date), when the server gave one. */
    readonly retryAfterMs: number | undefined,
    context?: LtiaasFailureContext,
    /** The transport's error code (e.g. `ECONNRESET`, `UND_ERR_HEADERS_TIMEOUT`). */
    readonly transportCode?: string,
  ) {
    super(message, context);
  }
}

export class LtiaasCredentialInvalidError extends LtiaasError {
  readonly kind = 'credential-invalid';
}

export class LtiaasSupersededError extends LtiaasError {
  readonly kind = 'superseded';
}

export class LtiaasNotFoundError extends LtiaasError {
  readonly kind = 'not-found';
}

export class LtiaasInvalidRequestError extends LtiaasError {
  readonly kind = 'invalid-request';
}

export class LtiaasInvalidResponseError extends LtiaasError {
  readonly kind = 'invalid-response';
}

export type MissingCredentialCode = 'NO_API_KEY' | 'NO_LTIK' | 'LTIK_EXPIRED' | 'NO_SERVICE_KEY_OR_LIVE_LTIK';

const MISSING_REASON: Record<MissingCredentialCode, string> = {
  NO_API_KEY: 'no LTIAAS API key is configured',
  NO_LTIK: 'this endpoint needs the ltik of a launch',
  LTIK_EXPIRED: 'the ltik is more than 24 hours old',
  NO_SERVICE_KEY_OR_LIVE_LTIK: 'neither a serviceKey nor an ltik young enough to outlive the call',
};

/** No request was sent: it would have been refused. */
export class MissingCredentialError extends LtiaasError {
  readonly kind = 'missing-credential';
  constructor(
    readonly code: MissingCredentialCode,
    readonly endpoint: EndpointClass,
  ) {
    super(`Cannot call LTIAAS ${endpoint}: ${code} (${MISSING_REASON[code]})`);
  }
}
