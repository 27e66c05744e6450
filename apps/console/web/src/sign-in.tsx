import { useState } from 'preact/hooks';
import { ApiError, call, type Me, type TokenAnswer } from './api';
import { saveSession, type Session } from './session';

/**
 * The admin API key is exchanged at the vault for a short-lived token and
 * dropped: it is never stored, and the field is emptied whatever the answer.
 */
export function SignIn({ notice, onSignedIn }: { notice: string | null; onSignedIn: (session: Session) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const field = form.elements.namedItem('apiKey') as HTMLInputElement;
    const apiKey = field.value.trim();
    field.value = '';
    if (!apiKey) return setError('Type an admin API key.');
    setBusy(true);
    setError(null);
    try {
      const token = await call<TokenAnswer>('vault', 'POST', '/v1/token', { bearer: apiKey });
      const me = await call<Me>('vault', 'GET', '/v1/me', { bearer: token.access_token });
      if (!me.scopes.includes('admin')) throw new ApiError(403, `The key ${me.handle} has no admin scope; the console needs one that has.`);
      const session: Session = { token: token.access_token, handle: me.handle, scopes: me.scopes, expiresAt: Date.now() + token.expires_in * 1000 };
      saveSession(session);
      onSignedIn(session);
    } catch (e) {
      setError(e instanceof ApiError && e.status === 401 ? 'The vault refused this key.' : (e as Error).message);
      field.focus();
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="signin">
      <form class="card signin-card" onSubmit={submit} aria-labelledby="signin-title">
        <div class="brand">
          <span class="logo" aria-hidden="true">◆</span> LTI grading
        </div>
        <h1 id="signin-title">Operator console</h1>
        <p class="muted">Sign in with an admin API key. It is exchanged for a token valid a few minutes and never stored.</p>
        {notice && (
          <p class="banner warn" role="status">
            {notice}
          </p>
        )}
        <label for="api-key">Admin API key</label>
        <input id="api-key" name="apiKey" type="password" autocomplete="off" spellcheck={false} required autoFocus />
        {error && (
          <p class="banner error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
