/** Why a bearer token was refused; the message is what the 401 says. */
export const TOKEN_REJECTIONS = {
  missing_token: 'missing bearer token',
  malformed_token: 'malformed token',
  algorithm_not_allowed: 'algorithm not allowed',
  unknown_signing_key: 'unknown signing key',
  signature_invalid: 'signature invalid',
  token_expired: 'token expired',
  token_not_yet_valid: 'token not yet valid',
  issuer_mismatch: 'issuer mismatch',
  audience_mismatch: 'audience mismatch',
  token_type_invalid: 'token type not allowed',
  claims_invalid: 'token claims invalid',
  token_revoked: 'token revoked',
} as const;
export type TokenRejection = keyof typeof TOKEN_REJECTIONS;

export class TokenRejectedError extends Error {
  constructor(
    readonly reason: TokenRejection,
    detail?: string,
  ) {
    super(detail ? `${TOKEN_REJECTIONS[reason]}: ${detail}` : TOKEN_REJECTIONS[reason]);
    this.name = 'TokenRejectedError';
  }
}

/** The verifier could not obtain any signing key (the vault unreachable since start-up). */
export class SigningKeysUnavailableError extends Error {
  constructor(cause?: unknown) {
    super('signing keys unavailable', { cause });
    this.name = 'SigningKeysUnavailableError';
  }
}
