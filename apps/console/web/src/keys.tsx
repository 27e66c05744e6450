import { useState } from 'preact/hooks';
import type { ApiKey, Client } from './api';
import { Empty, ErrorBanner, RefreshButton, Toolbar, useLoad } from './common';
import { ago, time } from './format';

const SCOPES = ['scores:write', 'scores:read', 'credentials:resolve', 'admin'] as const;

/** The vault's API keys: list, create (the secret shown this once), revoke. */
export function KeysView({ api, self }: { api: Client; self: string }) {
  const { data, error, loading, reload } = useLoad(() => api.vault<{ keys: ApiKey[] }>('GET', '/v1/keys'));
  const [created, setCreated] = useState<(ApiKey & { apiKey: string }) | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);

  const create = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const fields = form.elements;
    const handle = (fields.namedItem('handle') as HTMLInputElement).value.trim();
    const alias = (fields.namedItem('alias') as HTMLInputElement).value.trim();
    const scopes = SCOPES.filter((s) => (fields.namedItem(`scope-${s}`) as HTMLInputElement).checked);
    if (scopes.length === 0) return setFormError('Choose at least one scope.');
    try {
      const key = await api.vault<ApiKey & { apiKey: string }>('POST', '/v1/keys', { handle, scopes, ...(alias ? { alias } : {}) });
      setCreated(key);
      setFormError(null);
      setMessage(null);
      form.reset();
      await reload();
    } catch (e) {
      setFormError((e as Error).message);
    }
  };

  const revoke = async (handle: string) => {
    try {
      await api.vault('DELETE', `/v1/keys/${encodeURIComponent(handle)}`);
      setMessage(`Revoked ${handle}: the vault refuses it from now on.`);
      setConfirming(null);
      await reload();
    } catch (e) {
      setMessage(`Could not revoke ${handle}: ${(e as Error).message}`);
    }
  };

  return (
    <section aria-label="API keys">
      <Toolbar>
        <p class="muted">Keys the vault exchanges for tokens. A secret is shown once, when its key is created.</p>
        <RefreshButton loading={loading} onClick={reload} />
      </Toolbar>
      <form class="card create-key" onSubmit={create} aria-labelledby="create-key-title">
        <h2 id="create-key-title">Create a key</h2>
        <div class="create-row">
          <div>
            <label for="key-handle">Handle</label>
            <input id="key-handle" name="handle" required pattern="[a-z0-9-]{3,64}" placeholder="e.g. nightly-grader" autocomplete="off" title="3-64 characters of a-z, 0-9 and -" />
          </div>
          <div>
            <label for="key-alias">Description</label>
            <input id="key-alias" name="alias" maxLength={200} autocomplete="off" placeholder="optional" />
          </div>
          <fieldset>
            <legend>Scopes</legend>
            {SCOPES.map((s) => (
              <label class="inline" key={s}>
                <input type="checkbox" name={`scope-${s}`} /> {s}
              </label>
            ))}
          </fieldset>
          <button type="submit" class="primary">
            Create key
          </button>
        </div>
        <ErrorBanner error={formError} />
        {created && (
          <div class="secret" role="status">
            <p>
              <strong>{created.handle}</strong> created. Copy its secret now: it is not shown again.
            </p>
            <label for="created-secret">Secret</label>
            <input id="created-secret" readOnly value={created.apiKey} onFocus={(e) => (e.currentTarget as HTMLInputElement).select()} />
            <button type="button" class="ghost" onClick={() => setCreated(null)}>
              I have stored it
            </button>
          </div>
        )}
      </form>
      <ErrorBanner error={error} />
      {message && (
        <p class="banner ok" role="status">
          {message}
        </p>
      )}
      {data &&
        (data.keys.length === 0 ? (
          <Empty>No API keys.</Empty>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Handle</th>
                <th scope="col">Scopes</th>
                <th scope="col">Prefix</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              {data.keys.map((k) => (
                <tr key={k.handle} data-key-handle={k.handle}>
                  <td>
                    <strong>{k.handle}</strong>
                    {k.handle === self && <span class="badge info">you</span>}
                    {k.alias && <div class="small muted">{k.alias}</div>}
                  </td>
                  <td>
                    {k.scopes.map((s) => (
                      <span key={s} class="badge muted">
                        {s}
                      </span>
                    ))}
                  </td>
                  <td>
                    <code>{k.prefix}…</code>
                  </td>
                  <td class="nowrap">{time(k.createdAt)}</td>
                  <td class="nowrap">{ago(k.lastUsedAt)}</td>
                  <td class="actions">
                    {confirming === k.handle ? (
                      <>
                        <button type="button" class="danger" onClick={() => revoke(k.handle)} aria-label={`Confirm revoking ${k.handle}`}>
                          Revoke {k.handle}
                        </button>
                        <button type="button" class="ghost" onClick={() => setConfirming(null)}>
                          Cancel
                        </button>
                      </>
                    ) : (
                      <button type="button" onClick={() => setConfirming(k.handle)} aria-label={`Revoke ${k.handle}`}>
                        Revoke…
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
    </section>
  );
}
