import { eventually } from '../support/infra';
import { finishedRun, launchRecorded, startStackGrading, startSyncStack, type SyncStack } from '../support/sync-jobs';

/**
 * A roster refresh stopped half-way by a shutdown records itself as
 * interrupted with the courses it finished; the next run carries those over
 * and fetches only the rest.
 */
describe('roster refresh resumes after a shutdown', () => {
  const platformId = 'https://blackboard.resume.test';
  const courses = Array.from({ length: 8 }, (_, i) => ({ platformId, contextId: `course-${i}`, resourceLinkId: `activity-${i}` }));
  let stack: SyncStack;

  beforeAll(async () => {
    stack = await startSyncStack('roster-resume', { gradingOverrides: { ROSTER_CONCURRENCY: '2', SHUTDOWN_TIMEOUT_MS: '20000' } });
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('refuses a second run while one is going, marks the cut run interrupted, and the next one fetches only what was left', async () => {
    let grading = await startStackGrading(stack);
    for (const course of courses) {
      await stack.emulator.admin.enroll(platformId, course.contextId, Array.from({ length: 120 }, (_, i) => ({ userId: `${course.contextId}-m${i}`, roles: ['Learner'] })));
      await stack.launcher.launch(course);
    }
    for (const course of courses) await launchRecorded(stack, course);
    // A slow LMS, so the shutdown lands in the middle of the run.
    await stack.emulator.admin.setFaults({ rules: [{ kind: 'latency', ms: 150, endpoints: ['memberships'] }] });

    const client = stack.client(() => grading.url);
    const started = await client.request('POST', '/v1/sync/rosters');
    expect(started.status).toBe(202);
    const runId: string = started.body.id;
    // Still going: a second start is refused and names the run in progress.
    const again = await client.request('POST', '/v1/sync/rosters');
    expect(again.status).toBe(409);
    expect(again.body.message).toContain(`run ${runId}`);
    await eventually(
      async () => Number((await stack.sql<{ n: string }>(`SELECT count(*) AS n FROM grading.sync_run_contexts WHERE run_id = $1`, [runId]))[0].n) >= 2,
      { what: 'two courses done' },
    );
    await grading.close();

    const [cut] = await stack.sql<{ status: string; contexts_done: number; error: string }>(`SELECT status, contexts_done, error FROM grading.sync_runs WHERE id = $1`, [runId]);
    expect(cut.status).toBe('interrupted');
    expect(cut.error).toBe('the process is shutting down');
    expect(cut.contexts_done).toBeGreaterThanOrEqual(2);
    expect(cut.contexts_done).toBeLessThan(courses.length);
    const done = cut.contexts_done;

    await stack.emulator.admin.clearFaults();
    const before = (await stack.emulator.admin.requests()).filter((r) => r.endpoint === 'memberships').length;
    grading = await startStackGrading(stack);
    const next = await client.request('POST', '/v1/sync/rosters');
    expect(next.status).toBe(202);
    expect(next.body.resumedFrom).toBe(runId);
    const run = await finishedRun(client, next.body.id);
    expect(run).toMatchObject({ status: 'succeeded', contextsTotal: courses.length, contextsDone: courses.length, membersSeen: courses.length * 121 });
    expect(run.contexts!.filter((c) => c.carriedOver)).toHaveLength(done);
    // Three pages per course (121 members, 50 a page), and only for the courses left.
    expect((await stack.emulator.admin.requests()).filter((r) => r.endpoint === 'memberships').length - before).toBe((courses.length - done) * 3);
    const [members] = await stack.sql<{ n: string }>(`SELECT count(*) AS n FROM grading.roster_members WHERE removed_at IS NULL`);
    expect(Number(members.n)).toBe(courses.length * 121);
    await grading.close();
  });
});
