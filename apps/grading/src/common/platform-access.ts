import type { AuthPrincipal } from '@app/auth';
import { DomainError } from '@app/http';

/**
 * A key limited to some platforms (the token's `platforms` claim) may write
 * and read only their scores; a key without the claim is unrestricted.
 */
export function platformRefusal(principal: Pick<AuthPrincipal, 'handle' | 'platforms'>, platformId: string): string | undefined {
  if (principal.platforms === undefined || principal.platforms.includes(platformId)) return undefined;
  return `platformId: key ${principal.handle} may not act for platform ${JSON.stringify(platformId)}`;
}

export function assertPlatformAllowed(principal: Pick<AuthPrincipal, 'handle' | 'platforms'>, platformId: string): void {
  const refusal = platformRefusal(principal, platformId);
  if (refusal) throw new DomainError('forbidden', refusal);
}
