import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { ScoreState } from './api';

/** Loads once and on `reload()`; keeps the last answer while reloading. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[] = []) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const reload = useCallback(async () => {
    setLoading(true);
    try {
      setData(await load());
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setLoading(false);
    }
  }, deps);
  useEffect(() => void reload(), [reload]);
  return { data, error, loading, reload };
}

export function ErrorBanner({ error }: { error: string | null }) {
  return error ? (
    <p class="banner error" role="alert">
      {error}
    </p>
  ) : null;
}

export function Toolbar({ children }: { children: ComponentChildren }) {
  return <div class="toolbar">{children}</div>;
}

export function RefreshButton({ loading, onClick }: { loading: boolean; onClick: () => void }) {
  return (
    <button type="button" class="ghost" onClick={onClick} disabled={loading}>
      {loading ? 'Refreshing…' : 'Refresh'}
    </button>
  );
}

const STATE_TONE: Record<ScoreState, string> = {
  delivered: 'ok',
  pending: 'info',
  'waiting-for-launch': 'warn',
  superseded: 'muted',
  failed: 'bad',
  'dead-lettered': 'bad',
};

export function StateBadge({ state }: { state: ScoreState }) {
  return <span class={`badge ${STATE_TONE[state]}`}>{state}</span>;
}

export function Badge({ tone, children }: { tone: 'ok' | 'info' | 'warn' | 'bad' | 'muted'; children: ComponentChildren }) {
  return <span class={`badge ${tone}`}>{children}</span>;
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}
