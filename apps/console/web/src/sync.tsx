import type { Client, Overview, RunSummary } from './api';
import { DeliveryChart } from './chart';
import { Badge, Empty, ErrorBanner, RefreshButton, Toolbar, useLoad } from './common';
import { ago, count, duration, plural, time } from './format';

/** Grading's health at a glance: the /health/sync checks, delivery per platform, the last job runs. */
export function SyncView({ api }: { api: Client }) {
  const { data, error, loading, reload } = useLoad(() => api.grading<Overview>('GET', '/v1/operator/overview'));
  return (
    <section aria-label="Sync state">
      <Toolbar>
        <p class="muted">The same checks as grading's <code>/health/sync</code>.</p>
        <RefreshButton loading={loading} onClick={reload} />
      </Toolbar>
      <ErrorBanner error={error} />
      {data && <OverviewBody data={data} />}
    </section>
  );
}

function OverviewBody({ data }: { data: Overview }) {
  const s = data.status;
  const num = (v: unknown) => Number(v ?? 0);
  const healthy = Object.values(s).every((c) => c.ok);
  return (
    <>
      <p class={`banner ${healthy ? 'ok' : 'error'}`} role="status">
        {healthy ? 'Grading is healthy: every check is within its threshold.' : `Needs attention: ${Object.values(s).filter((c) => !c.ok).map((c) => c.reason).join('; ')}`}
      </p>
      <div class="cards">
        <Card title="Backlog" ok={s.backlog.ok} value={count(num(s.backlog.pending))} unit="scores waiting" detail={`oldest ${duration(num(s.backlog.oldestPendingAgeSeconds))} (limit ${duration(num(s.backlog.maxOldestPendingAgeSeconds))}) · ${count(num(s.backlog.inFlight))} in flight`} />
        <Card title="Dead letters" ok={s.deadLetters.ok} value={count(num(s.deadLetters.open))} unit="open" detail={`${plural(num(s.deadLetters.failedScores), 'score')} failed for good`} />
        <Card title="Awaiting launch" ok={s.staleCredentials.ok} value={count(num(s.staleCredentials.waitingForLaunch))} unit="scores" detail={`in ${plural(num(s.staleCredentials.contexts), 'activity', 'activities')}`} />
        <Card title="Grade sync" ok={s.gradeSync.ok} value={s.gradeSync.lastSucceededAt ? ago(s.gradeSync.lastSucceededAt as string) : 'never'} unit="last success" detail={`limit ${duration(num(s.gradeSync.maxAgeSeconds))}${s.gradeSync.running ? ' · running now' : ''}`} />
        <Card title="Roster refresh" ok={s.rosterRefresh.ok} value={s.rosterRefresh.lastSucceededAt ? ago(s.rosterRefresh.lastSucceededAt as string) : 'never'} unit="last success" detail={`limit ${duration(num(s.rosterRefresh.maxAgeSeconds))}${s.rosterRefresh.running ? ' · running now' : ''}`} />
      </div>

      <h2>Delivery, last hour</h2>
      <p class="legend">
        <span class="key delivered" /> delivered <span class="key throttled" /> throttled (429) <span class="key failed" /> failed for good · per {data.delivery.bucketSeconds / 60} minutes, UTC
      </p>
      {data.delivery.platforms.length === 0 ? (
        <Empty>No delivery attempts in the last hour.</Empty>
      ) : (
        <div class="charts">
          {data.delivery.platforms.map((p) => {
            const delivered = p.buckets.reduce((n, b) => n + b.delivered, 0);
            const throttled = p.buckets.reduce((n, b) => n + b.throttled, 0);
            return (
              <figure class="card chart-card" key={p.platformId}>
                <figcaption>
                  <strong>{p.platformId}</strong>
                  <span class="muted">
                    {' '}
                    · {count(delivered)} delivered · {count(throttled)} throttled{p.rate !== null ? ` · budget ${p.rate.toFixed(1)} req/s` : ''}
                  </span>
                </figcaption>
                <DeliveryChart platformId={p.platformId} buckets={p.buckets} bucketSeconds={data.delivery.bucketSeconds} />
              </figure>
            );
          })}
        </div>
      )}

      <h2>Last runs</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Job</th>
            <th scope="col">Status</th>
            <th scope="col">Started</th>
            <th scope="col">Finished</th>
            <th scope="col">Progress</th>
          </tr>
        </thead>
        <tbody>
          <RunRow name="Grade sync" run={data.lastRuns.gradeSync} />
          <RunRow name="Roster refresh" run={data.lastRuns.rosterRefresh} />
        </tbody>
      </table>
    </>
  );
}

function Card({ title, ok, value, unit, detail }: { title: string; ok: boolean; value: string; unit: string; detail: string }) {
  return (
    <div class={`card stat ${ok ? '' : 'stat-bad'}`}>
      <div class="stat-head">
        <span>{title}</span>
        <Badge tone={ok ? 'ok' : 'bad'}>{ok ? 'ok' : 'alert'}</Badge>
      </div>
      <div class="stat-value">{value}</div>
      <div class="stat-unit">{unit}</div>
      <div class="stat-detail muted">{detail}</div>
    </div>
  );
}

const RUN_TONE = { running: 'info', succeeded: 'ok', failed: 'bad', interrupted: 'warn' } as const;

function RunRow({ name, run }: { name: string; run: RunSummary | null }) {
  if (!run)
    return (
      <tr>
        <th scope="row">{name}</th>
        <td colSpan={4} class="muted">
          has not run yet
        </td>
      </tr>
    );
  const grade = run.job === 'grade-sync';
  const done = grade ? run.rowsDelivered + run.rowsFailed : run.contextsDone + run.contextsSkipped + run.contextsFailed;
  const total = grade ? run.rowsOffered : run.contextsTotal;
  const pct = total > 0 ? Math.min(100, Math.round((done / total) * 100)) : run.status === 'running' ? 0 : 100;
  const words = grade
    ? `${count(run.rowsDelivered)} delivered, ${count(run.rowsFailed)} failed, ${count(run.rowsPending)} pending of ${count(run.rowsOffered)}`
    : `${count(run.contextsDone)} refreshed, ${count(run.contextsSkipped)} skipped, ${count(run.contextsFailed)} failed of ${count(run.contextsTotal)} courses`;
  return (
    <tr>
      <th scope="row">{name}</th>
      <td>
        <Badge tone={RUN_TONE[run.status]}>{run.status}</Badge>
        {run.error && <div class="small muted">{run.error}</div>}
      </td>
      <td>{time(run.startedAt)}</td>
      <td>{time(run.finishedAt)}</td>
      <td>
        <progress max={100} value={pct} aria-label={`${name} progress`}>
          {pct}%
        </progress>{' '}
        <span class="small">{words}</span>
      </td>
    </tr>
  );
}
