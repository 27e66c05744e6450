/**
 * The shape of the vault's access tokens, shared by the signer (the vault)
 * and every verifier. ES256: P-256 verification is about 1.5x faster than
 * Ed25519 in Node's OpenSSL, and verification is the hot path in every app.
 */
export const ACCESS_TOKEN_ALGORITHM = 'ES256';
/** RFC 9068 §2.1: access tokens carry `typ: at+jwt`, so no other JWT the vault signs can pass as one. */
export const ACCESS_TOKEN_TYPE = 'at+jwt';
