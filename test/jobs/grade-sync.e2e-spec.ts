import { randomUUID } from 'node:crypto';
import { GradingClient } from '../support/grading';
import { eventually } from '../support/infra';
import { finishedRun, launchRecorded, startStackGrading, startSyncStack, type RunView, type SyncStack } from '../support/sync-jobs';

/**
 * The grade sync over the real stack: scores the LMS refused sit in the
 * ledger backing off; the sync offers them again, they land, and the run's
 * record says what it did. A forced resend pushes a whole context again.
 */
describe('grade sync', () => {
  const activity = { platformId: 'https://canvas.sync.test', contextId: 'course-gs', resourceLinkId: 'quiz-gs', launchLineItem: { label: 'Quiz', scoreMaximum: 10 } };
  const other = { platformId: 'https://canvas.sync.test', contextId: 'course-gs-2', resourceLinkId: 'quiz-gs-2', launchLineItem: { label: 'Quiz 2', scoreMaximum: 10 } };
  const students = Array.from({ length: 12 }, (_, i) => `student-${i + 1}`);
  let stack: SyncStack;
  let grading: Awaited<ReturnType<typeof startStackGrading>>;
  let client: GradingClient;

  const score = (a: typeof activity, userId: string, scoreGiven: number) => ({
    platformId: a.platformId,
    contextId: a.contextId,
    resourceLinkId: a.resourceLinkId,
    userId,
    scoreGiven,
    scoreMaximum: 10,
    activityProgress: 'Completed',
    gradingProgress: 'FullyGraded',
    timestamp: new Date().toISOString(),
  });
  const postScores = async (scores: unknown[]) => {
    const res = await client.request('POST', '/v1/scores/batch', { scores }, { 'idempotency-key': randomUUID() });
    expect(res.status).toBe(202);
  };
  const scorePosts = async () => (await stack.emulator.admin.requests()).filter((r) => r.endpoint === 'scores.post' && r.status < 300).length;
  const gradebookOf = async (a: typeof activity) =>
    new Map((await stack.emulator.admin.gradebook({ platformId: a.platformId, contextId: a.contextId })).map((e) => [e.userId, e]));

  beforeAll(async () => {
    // Retries far apart: a refused score stays pending until something offers it again.
    stack = await startSyncStack('grade-sync', { gradingOverrides: { DELIVERY_BACKOFF_BASE_MS: '600000', DELIVERY_BACKOFF_MAX_MS: '600000' } });
    grading = await startStackGrading(stack);
    client = stack.client(() => grading.url);
    for (const a of [activity, other]) {
      await stack.emulator.admin.enroll(a.platformId, a.contextId, students.map((userId) => ({ userId, roles: ['Learner'] })));
      await stack.launcher.launch(a);
      await launchRecorded(stack, a);
    }
  });

  afterAll(async () => {
    await grading?.close();
    await stack?.close();
  });

  it('offers what did not land, delivers it, and records the run; delivered rows are not sent again', async () => {
    // Half the class lands at once.
    await postScores(students.slice(0, 6).map((u) => score(activity, u, 5)));
    await eventually(async () => (await gradebookOf(activity)).size === 6, { what: 'the first scores in the gradebook' });

    // The LMS refuses everything for a while: the other half is tried once and backs off.
    await stack.emulator.admin.setFaults({ rules: [{ kind: 'http-error', status: 503, endpoints: ['scores.post'] }] });
    await postScores(students.slice(6).map((u) => score(activity, u, 7)));
    await eventually(
      async () => {
        const [row] = await stack.sql<{ n: string }>(`SELECT count(*) AS n FROM grading.scores WHERE status = 'pending' AND attempts >= 1 AND due_at > now()`);
        return Number(row.n) === 6;
      },
      { what: 'the refused scores to back off' },
    );
    await stack.emulator.admin.clearFaults();
    const postsBefore = await scorePosts();

    const started = await client.request('POST', '/v1/sync/grades', {});
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ job: 'grade-sync', trigger: 'admin', status: 'running' });
    const run = await finishedRun(client, started.body.id);

    expect(run).toMatchObject({ status: 'succeeded', rowsOffered: 6, rowsDelivered: 6, rowsFailed: 0, rowsPending: 0, error: null });
    const book = await gradebookOf(activity);
    expect(book.size).toBe(12);
    for (const u of students.slice(6)) expect(book.get(u)?.scoreGiven).toBe(7);
    // Only what had not landed went out.
    expect((await scorePosts()) - postsBefore).toBe(6);

    const listed = await client.request('GET', '/v1/sync/runs?job=grade-sync');
    expect(listed.status).toBe(200);
    expect(listed.body.runs.map((r: RunView) => r.id)).toContain(run.id);
  });

  it('a forced resend sends every score of one context again, and only that context', async () => {
    await postScores(students.map((u) => score(other, u, 9)));
    await eventually(async () => (await gradebookOf(other)).size === 12, { what: 'the other course graded' });
    const writesBefore = [...(await gradebookOf(activity)).values()].map((e) => e.writes);

    const started = await client.request('POST', '/v1/sync/grades', { platformId: other.platformId, contextId: other.contextId, force: true });
    expect(started.status).toBe(202);
    const run = await finishedRun(client, started.body.id);
    expect(run).toMatchObject({ status: 'succeeded', rowsOffered: 12, rowsDelivered: 12, rowsFailed: 0 });

    for (const entry of (await gradebookOf(other)).values()) expect(entry.writes).toBe(2);
    expect([...(await gradebookOf(activity)).values()].map((e) => e.writes)).toEqual(writesBefore);
  });

  it('a run left running by a process that died is marked interrupted and the next run carries on from it', async () => {
    const [dead] = await stack.sql<{ id: string }>(
      `INSERT INTO grading.sync_runs (job, trigger, scope, owner, started_at, heartbeat_at) VALUES ('grade-sync', 'schedule', '{}', 'gone:1', now(), now()) RETURNING id::text`,
    );
    const started = await client.request('POST', '/v1/sync/grades');
    expect(started.status).toBe(202);
    expect(started.body.resumedFrom).toBe(dead.id);
    await finishedRun(client, started.body.id);
    const old = await client.request('GET', `/v1/sync/runs/${dead.id}`);
    expect(old.body).toMatchObject({ status: 'interrupted', error: 'the process running it stopped before it finished' });
  });

  it('refuses a scope without force, a forced resend without a context, and callers without the admin scope', async () => {
    const unscoped = await client.request('POST', '/v1/sync/grades', { platformId: activity.platformId, contextId: activity.contextId });
    expect(unscoped.status).toBe(400);
    expect(String(unscoped.body.message)).toContain('force');
    const noContext = await client.request('POST', '/v1/sync/grades', { force: true, platformId: activity.platformId });
    expect(noContext.status).toBe(400);
    expect(String(noContext.body.message)).toContain('contextId');

    const anonymous = await fetch(`${grading.url}/v1/sync/grades`, { method: 'POST' });
    expect(anonymous.status).toBe(401);
    const graderKey = await stack.vault.issueKey('grader-no-admin', ['scores:write']);
    const grader = new GradingClient(() => grading.url, stack.vault.url, graderKey);
    const forbidden = await grader.request('GET', '/v1/sync/runs');
    expect(forbidden.status).toBe(403);
  });
});
