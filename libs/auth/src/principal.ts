import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

/** Who a verified token speaks for. Frozen: one instance may serve many requests. */
export interface AuthPrincipal {
  /** The API key's handle (the token's `sub`). */
  readonly handle: string;
  readonly scopes: readonly string[];
  readonly issuedAt: Date;
  readonly expiresAt: Date;
  /** The token's `jti`, for audit logs. */
  readonly tokenId: string | undefined;
  /** The signing key's id. */
  readonly keyId: string;
  /** The id of the API key the token was exchanged for (`akid`); absent for the bootstrap key. */
  readonly apiKeyId: string | undefined;
  /**
   * The platforms the key is limited to (the `platforms` claim); undefined
   * when the key is unrestricted. The app that owns the data enforces it.
   */
  readonly platforms: readonly string[] | undefined;
}

/** Where JwtAuthGuard leaves the principal on the request. */
export const PRINCIPAL_PROPERTY = 'principal';

export function principalOf(request: object): AuthPrincipal | undefined {
  return (request as Record<string, AuthPrincipal | undefined>)[PRINCIPAL_PROPERTY];
}

/** The verified principal of a route behind JwtAuthGuard: `me(@Principal() who: AuthPrincipal)`. */
export const Principal = createParamDecorator((_data: unknown, context: ExecutionContext): AuthPrincipal => {
  const principal = principalOf(context.switchToHttp().getRequest<object>());
  // Only reachable when a route forgot the guard: fail loudly rather than run unauthenticated.
  if (!principal) throw new Error('@Principal() used on a route without JwtAuthGuard');
  return principal;
});
