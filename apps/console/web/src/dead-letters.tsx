import { useMemo, useState } from 'preact/hooks';
import type { Client, DeadLetter } from './api';
import { Badge, Empty, ErrorBanner, RefreshButton, Toolbar, useLoad } from './common';
import { time } from './format';

type Status = 'open' | 'retried' | 'all';
type Kind = 'all' | 'delivery' | 'ingest';

/** Failed deliveries and dead-lettered records, retried one by one or in bulk. */
export function DeadLettersView({ api }: { api: Client }) {
  const [status, setStatus] = useState<Status>('open');
  const [kind, setKind] = useState<Kind>('all');
  const [text, setText] = useState('');
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [outcome, setOutcome] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const query = new URLSearchParams({ limit: '500' });
  if (status !== 'all') query.set('open', String(status === 'open'));
  if (kind !== 'all') query.set('kind', kind);
  const { data, error, loading, reload } = useLoad(() => api.grading<{ deadLetters: DeadLetter[] }>('GET', `/v1/dead-letters?${query}`), [status, kind]);

  const shown = useMemo(() => {
    const needle = text.trim().toLowerCase();
    const all = data?.deadLetters ?? [];
    if (!needle) return all;
    return all.filter((d) => [d.id, d.reason, d.platformId, d.contextId, d.resourceLinkId, d.userId, d.statusCode].some((v) => v !== null && String(v).toLowerCase().includes(needle)));
  }, [data, text]);
  const retryable = (d: DeadLetter) => d.kind === 'delivery' && !d.retriedAt;
  const selectable = shown.filter(retryable);
  const chosen = selectable.filter((d) => selected.has(d.id));

  const retry = async (ids: string[]) => {
    setBusy(true);
    const results: Record<string, number> = {};
    const failures: string[] = [];
    for (const id of ids) {
      try {
        const r = await api.grading<{ status: string }>('POST', `/v1/dead-letters/${id}/retry`);
        results[r.status] = (results[r.status] ?? 0) + 1;
      } catch (e) {
        failures.push(`#${id}: ${(e as Error).message}`);
      }
    }
    const parts = Object.entries(results).map(([s, n]) => `${n} ${s}`);
    setOutcome(`${ids.length === 1 ? `Dead letter #${ids[0]}` : `${ids.length} dead letters`}: ${[...parts, ...failures].join('; ')}`);
    setSelected(new Set());
    setBusy(false);
    await reload();
  };

  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };

  return (
    <section aria-label="Dead letters">
      <div class="filters">
        <div>
          <label for="dl-status">Status</label>
          <select id="dl-status" value={status} onChange={(e) => setStatus((e.currentTarget as HTMLSelectElement).value as Status)}>
            <option value="open">Open</option>
            <option value="retried">Retried</option>
            <option value="all">All</option>
          </select>
        </div>
        <div>
          <label for="dl-kind">Kind</label>
          <select id="dl-kind" value={kind} onChange={(e) => setKind((e.currentTarget as HTMLSelectElement).value as Kind)}>
            <option value="all">All</option>
            <option value="delivery">Delivery</option>
            <option value="ingest">Ingest</option>
          </select>
        </div>
        <div class="grow">
          <label for="dl-filter">Filter</label>
          <input id="dl-filter" type="search" placeholder="platform, course, user, status code or reason" value={text} onInput={(e) => setText((e.currentTarget as HTMLInputElement).value)} />
        </div>
        <Toolbar>
          <button type="button" class="primary" disabled={busy || chosen.length === 0} onClick={() => retry(chosen.map((d) => d.id))}>
            Retry selected ({chosen.length})
          </button>
          <RefreshButton loading={loading} onClick={reload} />
        </Toolbar>
      </div>
      <ErrorBanner error={error} />
      {outcome && (
        <p class="banner ok" role="status">
          {outcome}
        </p>
      )}
      {data &&
        (shown.length === 0 ? (
          <Empty>No dead letter matches.</Empty>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col" class="check">
                  <input
                    type="checkbox"
                    aria-label="Select every retryable dead letter shown"
                    checked={selectable.length > 0 && chosen.length === selectable.length}
                    disabled={selectable.length === 0}
                    onChange={(e) => setSelected((e.currentTarget as HTMLInputElement).checked ? new Set(selectable.map((d) => d.id)) : new Set())}
                  />
                </th>
                <th scope="col">#</th>
                <th scope="col">When</th>
                <th scope="col">Where</th>
                <th scope="col">Reason</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((d) => (
                <tr key={d.id} data-dead-letter-id={d.id}>
                  <td class="check">
                    {retryable(d) && <input type="checkbox" aria-label={`Select dead letter ${d.id}`} checked={selected.has(d.id)} onChange={() => toggle(d.id)} />}
                  </td>
                  <td>{d.id}</td>
                  <td class="nowrap">
                    {time(d.createdAt)}
                    <div class="small">
                      <Badge tone={d.kind === 'delivery' ? 'info' : 'muted'}>{d.kind}</Badge> {d.retriedAt && <Badge tone="ok">retried</Badge>}
                    </div>
                  </td>
                  <td>
                    <div>{d.userId ?? <span class="muted">unknown user</span>}</div>
                    <div class="small muted">{[d.platformId, d.contextId, d.resourceLinkId].filter(Boolean).join(' · ') || '—'}</div>
                  </td>
                  <td>
                    {d.statusCode !== null && <code>{d.statusCode}</code>} <span class="message">{d.reason}</span>
                  </td>
                  <td>
                    {retryable(d) ? (
                      <button type="button" disabled={busy} onClick={() => retry([d.id])} aria-label={`Retry dead letter ${d.id}`}>
                        Retry
                      </button>
                    ) : (
                      <span class="muted small">{d.retriedAt ? `retried ${time(d.retriedAt)}` : 'not retryable: fix and republish'}</span>
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
