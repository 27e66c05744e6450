/**
 * The fixed list of scopes an API key (and so a token) may carry. Scopes are
 * not hierarchical: `admin` manages keys and jobs but does not imply
 * `scores:write` or `credentials:resolve`; a key that needs both holds both.
 * `revocations:read` lets an app that verifies tokens on its own (grading)
 * poll the list of revoked API keys.
 */
export const SCOPES = ['scores:write', 'scores:read', 'credentials:resolve', 'revocations:read', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** The `scope` claim is a space-separated list (RFC 8693 §4.2, RFC 9068 §2.2.3). */
export function parseScopeClaim(claim: unknown): string[] {
  if (typeof claim !== 'string') return [];
  return claim.split(' ').filter(Boolean);
}

export function formatScopeClaim(scopes: readonly string[]): string {
  return scopes.join(' ');
}
