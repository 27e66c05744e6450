import { useState } from 'preact/hooks';
import type { Client, LearnerAnswer, LearnerScore } from './api';
import { Empty, ErrorBanner, StateBadge } from './common';
import { time } from './format';

/** Support's question: why did this learner's grade not reach the LMS? */
export function LearnerView({ api }: { api: Client }) {
  const [answer, setAnswer] = useState<LearnerAnswer | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const search = async (event: Event) => {
    event.preventDefault();
    const q = ((event.currentTarget as HTMLFormElement).elements.namedItem('q') as HTMLInputElement).value.trim();
    if (!q) return;
    setBusy(true);
    try {
      setAnswer(await api.grading<LearnerAnswer>('GET', `/v1/operator/learners?q=${encodeURIComponent(q)}`));
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-label="Find a learner">
      <form class="search" role="search" onSubmit={search}>
        <label for="learner-q">User id or email</label>
        <div class="row">
          <input id="learner-q" name="q" type="search" placeholder="e.g. student-1 or ada@example.edu" autocomplete="off" spellcheck={false} required />
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Searching…' : 'Search'}
          </button>
        </div>
        <p class="hint muted">An email works where a roster refresh has seen the learner.</p>
      </form>
      <ErrorBanner error={error} />
      {answer && <LearnerResult answer={answer} />}
    </section>
  );
}

function LearnerResult({ answer }: { answer: LearnerAnswer }) {
  if (answer.scores.length === 0 && answer.users.length === 0) return <Empty>No learner and no score for “{answer.query}”.</Empty>;
  return (
    <div aria-live="polite">
      <ul class="users">
        {answer.users.map((u) => (
          <li key={u.userId}>
            <strong>{u.userId}</strong>
            {u.name && <span> · {u.name}</span>}
            {u.email && <span class="muted"> · {u.email}</span>}
            <span class="muted"> · {u.platformIds.join(', ')}</span>
          </li>
        ))}
      </ul>
      {answer.scores.length === 0 ? (
        <Empty>No score recorded for this learner.</Empty>
      ) : (
        <table class="scores">
          <thead>
            <tr>
              <th scope="col">Course</th>
              <th scope="col">Activity · line item</th>
              <th scope="col">Score</th>
              <th scope="col">State</th>
              <th scope="col">Last answer from the LMS</th>
            </tr>
          </thead>
          <tbody>
            {answer.scores.map((s) => (
              <ScoreRow key={s.id} score={s} />
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function ScoreRow({ score: s }: { score: LearnerScore }) {
  return (
    <tr data-score-id={s.id}>
      <td>
        <div>{s.contextId}</div>
        <div class="small muted">{s.platformId}</div>
      </td>
      <td>
        <div>{s.resourceLinkId}</div>
        <div class="small muted">{s.lineItem || 'the activity’s own line item'}</div>
      </td>
      <td>
        {s.scoreGiven ?? '—'} / {s.scoreMaximum ?? '—'}
        <div class="small muted">{time(s.timestamp)}</div>
      </td>
      <td>
        <StateBadge state={s.state} />
        <div class="small muted">{s.deliveredAt ? `delivered ${time(s.deliveredAt)}` : `received ${time(s.receivedAt)}`}</div>
        {s.deadLetterId && <div class="small">dead letter #{s.deadLetterId}</div>}
      </td>
      <td>
        {s.lastStatusCode !== null ? <code>{s.lastStatusCode}</code> : null} {s.lastError ?? (s.state === 'delivered' ? 'accepted' : '—')}
        <details>
          <summary>
            {s.attempts} attempt{s.attempts === 1 ? '' : 's'} of this value ({s.history.length} logged)
          </summary>
          <ol class="attempts">
            {s.history.map((a, i) => (
              <li key={i}>
                <span class="small muted">{time(a.attemptedAt)}</span> <strong>{a.outcome}</strong>
                {a.statusCode !== null && <code>{a.statusCode}</code>} {a.message && <span class="message">{a.message}</span>}
              </li>
            ))}
          </ol>
        </details>
      </td>
    </tr>
  );
}
