/**
 * The signed-in operator: a short-lived token from the vault, never the API
 * key. Kept in sessionStorage so a reload in the middle of an incident does
 * not send the operator back to their password manager, while closing the
 * tab (or signing out, or the token's expiry) forgets it. The page's CSP
 * runs no script but its own, so nothing else on the page can read it.
 */
export interface Session {
  token: string;
  handle: string;
  scopes: string[];
  expiresAt: number;
}

const KEY = 'console.session';

export function loadSession(now = Date.now()): Session | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return null;
    const session = JSON.parse(raw) as Session;
    if (typeof session.token !== 'string' || session.expiresAt <= now) {
      sessionStorage.removeItem(KEY);
      return null;
    }
    return session;
  } catch {
    return null;
  }
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(KEY, JSON.stringify(session));
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
}
