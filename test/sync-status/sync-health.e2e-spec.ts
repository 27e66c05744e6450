import { randomUUID } from 'node:crypto';
import type { GradingClient } from '../support/grading';
import { eventually } from '../support/infra';
import { finishedRun, launchRecorded, startStackGrading, startSyncStack, type SyncStack } from '../support/sync-jobs';

/** One sample of a Prometheus text page, by name and labels (in any order). */
function sample(page: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of page.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const found = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(m[3]);
  }
  return undefined;
}

interface HealthBody {
  status: 'ok' | 'error';
  info: Record<string, Record<string, unknown>>;
  error: Record<string, Record<string, unknown>>;
}

/**
 * /health/sync as an operator's alert sees it: 200 while delivery keeps up,
 * 503 naming the backlog once the oldest undelivered score is older than
 * SYNC_MAX_BACKLOG_AGE_SECONDS (the LMS refusing everything), 200 again once
 * the LMS recovers. And grading's own series on /metrics.
 */
describe('/health/sync and /metrics', () => {
  const activity = { platformId: 'https://canvas.health.test', contextId: 'course-h', resourceLinkId: 'quiz-h', launchLineItem: { label: 'Quiz', scoreMaximum: 10 } };
  let stack: SyncStack;
  let grading: Awaited<ReturnType<typeof startStackGrading>>;
  let client: GradingClient;

  const health = async (): Promise<{ status: number; body: HealthBody }> => {
    const res = await fetch(`${grading.url}/health/sync`);
    return { status: res.status, body: (await res.json()) as HealthBody };
  };

  beforeAll(async () => {
    stack = await startSyncStack('sync-health');
    grading = await startStackGrading(stack, {
      SYNC_MAX_BACKLOG_AGE_SECONDS: '2',
      DELIVERY_BACKOFF_BASE_MS: '200',
      DELIVERY_BACKOFF_MAX_MS: '500',
      METRICS_LEDGER_CACHE_MS: '100',
    });
    client = stack.client(() => grading.url);
    await stack.emulator.admin.enroll(activity.platformId, activity.contextId, [{ userId: 'learner-1', roles: ['Learner'] }, { userId: 'learner-2', roles: ['Learner'] }]);
    await stack.launcher.launch(activity);
    await launchRecorded(stack, activity);
  });

  afterAll(async () => {
    await grading?.close();
    await stack?.close();
  });

  it('reports every check and is 200 while all are within their thresholds', async () => {
    const { status, body } = await health();
    expect(status).toBe(200);
    expect(Object.keys(body.info).sort()).toEqual(['backlog', 'deadLetters', 'gradeSync', 'rosterRefresh', 'staleCredentials']);
    expect(body.info.backlog).toMatchObject({ status: 'up', pending: 0, oldestPendingAgeSeconds: 0, maxOldestPendingAgeSeconds: 2 });
    expect(body.info.gradeSync).toMatchObject({ status: 'up', lastSucceededAt: null, maxAgeSeconds: 26 * 3600 });
    expect(body.info.staleCredentials).toMatchObject({ status: 'up', contexts: 0, waitingForLaunch: 0 });
  });

  it('turns 503 naming the backlog while the LMS refuses every request, and 200 again once it recovers', async () => {
    await stack.emulator.admin.setFaults({ rules: [{ kind: 'http-error', status: 503, endpoints: ['*'] }] });
    const res = await client.request(
      'POST',
      '/v1/scores/batch',
      {
        scores: ['learner-1', 'learner-2'].map((userId) => ({
          platformId: activity.platformId,
          contextId: activity.contextId,
          resourceLinkId: activity.resourceLinkId,
          userId,
          scoreGiven: 8,
          scoreMaximum: 10,
          activityProgress: 'Completed',
          gradingProgress: 'FullyGraded',
          timestamp: new Date().toISOString(),
        })),
      },
      { 'idempotency-key': randomUUID() },
    );
    expect(res.status).toBe(202);

    const down = await eventually(async () => {
      const h = await health();
      return h.status === 503 ? h : undefined;
    }, { what: '/health/sync to report the backlog' });
    expect(down.body.status).toBe('error');
    expect(Object.keys(down.body.error)).toEqual(['backlog']);
    expect(down.body.error.backlog).toMatchObject({ status: 'down', pending: 2 });
    expect(String(down.body.error.backlog.reason)).toMatch(/oldest undelivered score is \d+ s old \(limit 2 s\)/);

    const metrics = await (await fetch(`${grading.url}/metrics`)).text();
    expect(sample(metrics, 'grading_backlog_pending', {})).toBe(2);

    await stack.emulator.admin.clearFaults();
    await eventually(async () => (await health()).status === 200, { timeoutMs: 60_000, what: '/health/sync back to 200 after recovery' });
    expect((await stack.emulator.admin.gradebook({ contextId: activity.contextId })).map((e) => e.scoreGiven)).toEqual([8, 8]);
  });

  it('counts job runs by outcome and times LTIAAS calls by endpoint on /metrics; a succeeded sync shows on /health/sync', async () => {
    const grades = await client.request('POST', '/v1/sync/grades');
    expect(grades.status).toBe(202);
    await finishedRun(client, grades.body.id);
    const rosters = await client.request('POST', '/v1/sync/rosters');
    expect(rosters.status).toBe(202);
    expect(await finishedRun(client, rosters.body.id)).toMatchObject({ status: 'succeeded', contextsDone: 1 });

    const metrics = await (await fetch(`${grading.url}/metrics`)).text();
    expect(sample(metrics, 'grading_job_runs_total', { job: 'grade-sync', outcome: 'succeeded' })).toBe(1);
    expect(sample(metrics, 'grading_job_runs_total', { job: 'roster-refresh', outcome: 'succeeded' })).toBe(1);
    expect(sample(metrics, 'grading_ltiaas_request_duration_seconds_count', { endpoint: 'memberships', method: 'GET', status: '200' })).toBe(1);
    expect(sample(metrics, 'grading_roster_contexts_total', { outcome: 'refreshed' })).toBe(1);

    const { status, body } = await health();
    expect(status).toBe(200);
    expect(body.info.gradeSync.lastSucceededAt).not.toBeNull();
    expect(body.info.rosterRefresh.lastSucceededAt).not.toBeNull();
  });
});
