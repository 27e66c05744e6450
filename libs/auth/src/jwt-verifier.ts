import { decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import { ACCESS_TOKEN_ALGORITHM, ACCESS_TOKEN_TYPE } from './access-token';
import type { SigningKeyStore } from './jwks/signing-key-store';
import type { AuthPrincipal } from './principal';
import { parsePlatformsClaim } from './platforms';
import { parseScopeClaim } from './scopes';
import { TokenRejectedError } from './token-rejection';

export interface JwtVerifierOptions {
  issuer: string;
  audience: string;
  /** Accepted `alg` values; never `none` or an HS* algorithm, whatever is passed. */
  algorithms?: readonly string[];
  clockToleranceSeconds?: number;
  /** Verified tokens remembered until they expire (0 turns the cache off). */
  cacheSize?: number;
  /** Asked after every verification; the issuer uses it to refuse tokens of revoked API keys at once. */
  revocation?: RevocationCheck;
  now?: () => number;
}

/**
 * Whether a verified token's API key has been revoked since it was issued.
 * A check that answers from memory returns a plain boolean, so the hot path
 * of a remembered token stays free of an extra promise.
 */
export interface RevocationCheck {
  revoked(principal: AuthPrincipal): boolean | Promise<boolean>;
}

interface CachedVerification {
  principal: AuthPrincipal;
  exp: number;
  nbf: number | undefined;
}

const MAX_CACHED_TOKEN_LENGTH = 4096;
const SYMMETRIC_OR_NONE = /^(none|HS\d+)$/i;

/**
 * Verifies the vault's access tokens: algorithm pinned before any key is
 * touched, key chosen by `kid` from the vault's JWKS, then signature, `typ`,
 * `iss`, `aud`, `exp`, `nbf` (with a small clock skew) and the claims a
 * principal needs. Each refusal names the check that failed.
 *
 * A token that verified once is remembered (bounded, keyed by its exact text)
 * until it expires, so a client reusing its token for its whole lifetime pays
 * for one signature check, not one per request. A remembered token is still
 * refused once expired or once its signing key leaves the JWKS.
 */
export class JwtVerifier {
  private readonly algorithms: string[];
  private readonly toleranceSeconds: number;
  private readonly cacheSize: number;
  private readonly now: () => number;
  private readonly verified = new Map<string, CachedVerification>();

  constructor(
    private readonly keys: SigningKeyStore,
    private readonly options: JwtVerifierOptions,
  ) {
    this.algorithms = (options.algorithms ?? [ACCESS_TOKEN_ALGORITHM]).filter((alg) => !SYMMETRIC_OR_NONE.test(alg));
    if (this.algorithms.length === 0) throw new Error('JwtVerifier needs at least one asymmetric algorithm');
    this.toleranceSeconds = options.clockToleranceSeconds ?? 30;
    this.cacheSize = options.cacheSize ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  async verify(token: string): Promise<AuthPrincipal> {
    const cached = this.verified.get(token);
    if (cached && this.keys.has(cached.principal.keyId)) {
      this.checkTimes(cached.exp, cached.nbf);
      return this.options.revocation ? this.notRevoked(cached.principal, this.options.revocation) : cached.principal;
    }
    if (cached) this.verified.delete(token);

    const { alg, kid } = this.readHeader(token);
    const key = await this.keys.get(kid);
    if (!key) throw new TokenRejectedError('unknown_signing_key');
    if (key.alg !== alg) throw new TokenRejectedError('algorithm_not_allowed', `key ${kid} is for ${key.alg}`);

    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key.key, {
        algorithms: [key.alg],
        issuer: this.options.issuer,
        audience: this.options.audience,
        typ: ACCESS_TOKEN_TYPE,
        clockTolerance: this.toleranceSeconds,
        requiredClaims: ['sub', 'exp', 'iat'],
        currentDate: new Date(this.now()),
      }));
    } catch (error) {
      throw rejectionFor(error);
    }
    const principal = this.principalFrom(payload, kid);
    this.remember(token, { principal, exp: payload.exp!, nbf: payload.nbf });
    return this.options.revocation ? this.notRevoked(principal, this.options.revocation) : principal;
  }

  private notRevoked(principal: AuthPrincipal, revocation: RevocationCheck): AuthPrincipal | Promise<AuthPrincipal> {
    const revoked = revocation.revoked(principal);
    if (typeof revoked === 'boolean') {
      if (revoked) throw new TokenRejectedError('token_revoked');
      return principal;
    }
    return revoked.then((yes) => {
      if (yes) throw new TokenRejectedError('token_revoked');
      return principal;
    });
  }

  private readHeader(token: string): { alg: string; kid: string } {
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw new TokenRejectedError('malformed_token');
    }
    const { alg, kid } = header;
    if (typeof alg !== 'string' || !this.algorithms.includes(alg)) throw new TokenRejectedError('algorithm_not_allowed', String(alg));
    if (typeof kid !== 'string' || kid === '') throw new TokenRejectedError('unknown_signing_key', 'no kid');
    return { alg, kid };
  }

  private principalFrom(payload: JWTPayload, kid: string): AuthPrincipal {
    const { sub, exp, iat, jti, scope, akid } = payload;
    if (typeof sub !== 'string' || sub === '' || typeof exp !== 'number' || typeof iat !== 'number') throw new TokenRejectedError('claims_invalid');
    if (scope !== undefined && typeof scope !== 'string') throw new TokenRejectedError('claims_invalid', 'scope');
    // A malformed list is refused rather than read as "unrestricted": the claim only ever narrows a key's reach.
    const platforms = parsePlatformsClaim(payload.platforms);
    if (platforms === 'malformed') throw new TokenRejectedError('claims_invalid', 'platforms');
    return Object.freeze({
      handle: sub,
      scopes: Object.freeze(parseScopeClaim(scope)),
      issuedAt: new Date(iat * 1000),
      expiresAt: new Date(exp * 1000),
      tokenId: typeof jti === 'string' ? jti : undefined,
      keyId: kid,
      apiKeyId: typeof akid === 'string' ? akid : undefined,
      platforms: platforms ? Object.freeze(platforms) : undefined,
    });
  }

  /** The same comparisons jose makes, for a remembered token. */
  private checkTimes(exp: number, nbf: number | undefined): void {
    const now = Math.floor(this.now() / 1000);
    if (exp <= now - this.toleranceSeconds) throw new TokenRejectedError('token_expired');
    if (nbf !== undefined && nbf > now + this.toleranceSeconds) throw new TokenRejectedError('token_not_yet_valid');
  }

  private remember(token: string, entry: CachedVerification): void {
    if (this.cacheSize <= 0 || token.length > MAX_CACHED_TOKEN_LENGTH) return;
    if (this.verified.size >= this.cacheSize) {
      this.dropExpired();
      // Still full: forget the oldest entries (Map keeps insertion order).
      for (const oldest of this.verified.keys()) {
        if (this.verified.size < this.cacheSize) break;
        this.verified.delete(oldest);
      }
    }
    this.verified.set(token, entry);
  }

  private dropExpired(): void {
    const now = Math.floor(this.now() / 1000);
    for (const [token, entry] of this.verified) {
      if (entry.exp <= now - this.toleranceSeconds) this.verified.delete(token);
    }
  }
}

function rejectionFor(error: unknown): TokenRejectedError {
  if (error instanceof errors.JWTExpired) return new TokenRejectedError('token_expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'aud':
        return new TokenRejectedError('audience_mismatch');
      case 'iss':
        return new TokenRejectedError('issuer_mismatch');
      case 'nbf':
        return new TokenRejectedError('token_not_yet_valid');
      case 'typ':
        return new TokenRejectedError('token_type_invalid');
      default:
        return new TokenRejectedError('claims_invalid', error.claim);
    }
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return new TokenRejectedError('signature_invalid');
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) return new TokenRejectedError('algorithm_not_allowed');
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return new TokenRejectedError('malformed_token');
  return new TokenRejectedError('malformed_token');
}
