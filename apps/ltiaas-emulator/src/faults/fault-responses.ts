import { ConnectionResetSignal, LtiaasError } from '../common/ltiaas.error';
import { FaultRule, LtiaasErrorCode } from './fault-config';

/**
 * Statuses for LTIAAS's named errors. The reference documents none of them
 * (§3, §10); these are the emulator's choice, overridable per rule.
 */
export const LTIAAS_ERROR_DEFAULTS: Record<LtiaasErrorCode, { status: number; description: string }> = {
  INACTIVE_SERVICE: { status: 403, description: 'The requested service is not enabled for this account.' },
  SERVICE_NOT_AVAILABLE_FOR_CONTEXT: { status: 403, description: 'The requested service is not available for this context.' },
  UNREGISTERED_OR_INACTIVE_PLATFORM: { status: 401, description: 'Unregistered or inactive platform.' },
};

export function namedError(code: LtiaasErrorCode, status?: number, codeIn: 'details.message' | 'details.code' | 'error' = 'details.message'): LtiaasError {
  const defaults = LTIAAS_ERROR_DEFAULTS[code];
  const finalStatus = status ?? defaults.status;
  if (codeIn === 'details.code') return new LtiaasError(finalStatus, { code, description: defaults.description });
  if (codeIn === 'error') return new LtiaasError(finalStatus, { description: defaults.description }, {}, code);
  return new LtiaasError(finalStatus, { message: code, description: defaults.description });
}

const GATEWAY_PAGES: Record<number, string> = {
  502: '<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>',
  503: '<html><head><title>503 Service Unavailable</title></head><body><h1>503 Service Unavailable</h1></body></html>',
  504: '<html><head><title>504 Gateway Time-out</title></head><body><h1>504 Gateway Time-out</h1></body></html>',
};

/** The throttling answer: 429 with Retry-After, or Canvas's older 403 (reference §8). */
export function rateLimited(style: '429' | '403', retryAfterMs: number): LtiaasError {
  if (style === '403') return LtiaasError.fromLms(403, '403 Forbidden (Rate Limit Exceeded)');
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return LtiaasError.fromLms(429, { errors: [{ message: 'Rate Limit Exceeded' }] }, undefined, { 'Retry-After': String(seconds) });
}

/** The failure a non-latency rule injects. */
export function lmsFailure(rule: Exclude<FaultRule, { kind: 'latency' | 'rate-limit' }>, now: number): Error {
  switch (rule.kind) {
    case 'http-error':
      return LtiaasError.fromLms(rule.status, GATEWAY_PAGES[rule.status] ?? { errors: [{ message: 'An error occurred.' }] });
    case 'too-many-requests': {
      const retryAfter =
        rule.retryAfterFormat === 'http-date'
          ? new Date(now + rule.retryAfterSeconds * 1000).toUTCString()
          : String(rule.retryAfterSeconds);
      return LtiaasError.fromLms(429, { errors: [{ message: 'Rate Limit Exceeded' }] }, undefined, { 'Retry-After': retryAfter });
    }
    case 'forbidden-rate-limit':
      return LtiaasError.fromLms(403, '403 Forbidden (Rate Limit Exceeded)');
    case 'connection-reset':
      return new ConnectionResetSignal();
    case 'ltiaas-error':
      return namedError(rule.code, rule.status, rule.codeIn);
    case 'lms-refused':
      return LtiaasError.fromLms(rule.status, { errors: [{ message: rule.status === 401 ? 'Invalid access token.' : 'Insufficient scopes on access token.' }] });
  }
}
