import { eventually } from '../support/infra';
import { launchRecorded, spawnBuiltGrading, startSyncStack, type BuiltGrading, type SyncStack } from '../support/sync-jobs';

interface RunRow {
  id: string;
  job: string;
  slot: Date;
  owner: string;
  status: string;
  started_at: Date;
  finished_at: Date | null;
}

/**
 * Two grading processes started together, both scheduling both jobs every few
 * seconds: each slot of each job runs once, on one of them, and no two runs
 * of a job ever overlap.
 */
describe('one runner at a time across replicas', () => {
  const course = { platformId: 'https://d2l.single.test', contextId: 'course-single', resourceLinkId: 'activity-single' };
  let stack: SyncStack;
  const replicas: BuiltGrading[] = [];

  beforeAll(async () => {
    stack = await startSyncStack('single-runner');
    await stack.emulator.admin.enroll(
      course.platformId,
      course.contextId,
      Array.from({ length: 300 }, (_, i) => ({ userId: `u-${i}`, roles: ['Learner'] })),
    );
    await stack.launcher.launch(course);
  });

  afterAll(async () => {
    for (const r of replicas) await r.stop('SIGKILL').catch(() => undefined);
    await stack?.close();
  });

  it('runs every slot of each job once, never two runs of a job at a time', async () => {
    const env = stack.env({ JOBS_ENABLED: 'true', GRADE_SYNC_CRON: '*/3 * * * * *', ROSTER_REFRESH_CRON: '*/3 * * * * *', GRADE_SYNC_POLL_MS: '100' });
    replicas.push(...(await Promise.all([spawnBuiltGrading(env), spawnBuiltGrading(env)])));
    await launchRecorded(stack, course);

    const runsOf = (job: string) =>
      stack.sql<RunRow>(`SELECT id::text, job, slot, owner, status, started_at, finished_at FROM grading.sync_runs WHERE job = $1 AND status <> 'running' ORDER BY started_at`, [job]);
    await eventually(async () => (await runsOf('grade-sync')).length >= 4 && (await runsOf('roster-refresh')).length >= 4, { timeoutMs: 90_000, what: 'four runs of each job' });
    for (const r of replicas) expect(await r.stop('SIGTERM')).toMatchObject({ code: 0, killed: false });

    for (const job of ['grade-sync', 'roster-refresh']) {
      const runs = await runsOf(job);
      const slots = runs.map((r) => r.slot.toISOString());
      expect(new Set(slots).size).toBe(slots.length);
      // Consecutive slots three seconds apart: none was skipped because of the other replica.
      for (let i = 1; i < runs.length; i++) expect(runs[i].slot.getTime() - runs[i - 1].slot.getTime()).toBe(3000);
      // Each run started after the previous one had finished.
      for (let i = 1; i < runs.length; i++) expect(runs[i].started_at.getTime()).toBeGreaterThanOrEqual(runs[i - 1].finished_at!.getTime());
      // The last one may have been cut short by the SIGTERM.
      expect(runs.slice(0, -1).every((r) => r.status === 'succeeded')).toBe(true);
    }

    // The roster was fetched once per run that covered it, not once per replica.
    const [walked] = await stack.sql<{ n: string; pages: string }>(
      `SELECT count(*) AS n, COALESCE(sum(pages), 0) AS pages FROM grading.sync_run_contexts WHERE context_id = $1 AND outcome = 'refreshed' AND NOT carried_over`,
      [course.contextId],
    );
    expect(Number(walked.n)).toBeGreaterThanOrEqual(2);
    const memberships = (await stack.emulator.admin.requests()).filter((r) => r.endpoint === 'memberships').length;
    expect(memberships).toBe(Number(walked.pages));
  });
});
