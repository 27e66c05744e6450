import { publishScores } from '../support/grading';
import { eventually } from '../support/infra';
import { launchRecorded, logLines, spawnBuiltGrading, startSyncStack, type BuiltGrading, type SyncStack } from '../support/sync-jobs';

/**
 * SIGTERM in the middle of a delivery burst, to the built grading process:
 * it stops taking work, lets what is in flight finish and be recorded,
 * commits its offsets, closes its pools and exits 0 within
 * SHUTDOWN_TIMEOUT_MS. After a restart the gradebook is exact: every score
 * once, none twice.
 */
describe('graceful shutdown', () => {
  const activity = { platformId: 'https://canvas.shutdown.test', contextId: 'course-sd', resourceLinkId: 'quiz-sd', launchLineItem: { label: 'Final', scoreMaximum: 100 } };
  const students = Array.from({ length: 2000 }, (_, i) => `s-${String(i).padStart(4, '0')}`);
  const shutdownTimeoutMs = 20_000;
  let stack: SyncStack;
  const processes: BuiltGrading[] = [];

  beforeAll(async () => {
    stack = await startSyncStack('shutdown');
    await stack.emulator.admin.enroll(activity.platformId, activity.contextId, students.map((userId) => ({ userId, roles: ['Learner'] })));
    await stack.launcher.launch(activity);
  });

  afterAll(async () => {
    for (const p of processes) await p.stop('SIGKILL').catch(() => undefined);
    await stack?.close();
  });

  it('exits 0 within the timeout during a burst, loses nothing, and sends nothing twice', async () => {
    const env = stack.env({ SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs), LOG_LEVEL: 'info' });
    const first = await spawnBuiltGrading(env);
    processes.push(first);
    await launchRecorded(stack, activity);
    // A slow LMS: every score takes a while, so many are in flight when the signal comes.
    await stack.emulator.admin.setFaults({ rules: [{ kind: 'latency', ms: 150, endpoints: ['scores.post'] }] });

    const timestamp = new Date().toISOString();
    await publishScores(
      stack.producer,
      stack.topicPrefix,
      students.map((userId, i) => ({
        data: { ...activity, launchLineItem: undefined, userId, scoreGiven: i % 101, scoreMaximum: 100, activityProgress: 'Completed', gradingProgress: 'FullyGraded', timestamp },
      })),
    );
    const landed = async () => (await stack.emulator.admin.gradebook({ platformId: activity.platformId, contextId: activity.contextId })).length;
    await eventually(async () => (await landed()) >= 200, { timeoutMs: 60_000, what: 'the burst to be under way' });

    const stopped = await first.stop('SIGTERM', shutdownTimeoutMs + 20_000);
    expect(stopped).toEqual({ code: 0, signal: null, killed: false });
    const landedAtStop = await landed();
    expect(landedAtStop).toBeLessThan(students.length); // it really was cut mid-burst
    // Whatever was in flight finished and was recorded: no row is left leased to the dead process.
    const [leased] = await stack.sql<{ n: string }>(`SELECT count(*) AS n FROM grading.scores WHERE lease_owner IS NOT NULL`);
    expect(Number(leased.n)).toBe(0);
    const [delivered] = await stack.sql<{ n: string }>(`SELECT count(*) AS n FROM grading.scores WHERE status = 'delivered'`);
    expect(Number(delivered.n)).toBe(landedAtStop);
    // Structured logs all the way down.
    const lines = logLines(first.stdout());
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => typeof l.level === 'string' && l.app === 'grading' && typeof l.msg === 'string')).toBe(true);

    await stack.emulator.admin.clearFaults();
    const second = await spawnBuiltGrading(env);
    processes.push(second);
    await eventually(async () => (await landed()) === students.length, { timeoutMs: 120_000, what: 'every score in the gradebook after the restart' });
    await eventually(
      async () => Number((await stack.sql<{ n: string }>(`SELECT count(*) AS n FROM grading.scores WHERE status = 'delivered'`))[0].n) === students.length,
      { what: 'every ledger row delivered' },
    );
    const book = await stack.emulator.admin.gradebook({ platformId: activity.platformId, contextId: activity.contextId });
    const byUser = new Map(book.map((e) => [e.userId, e]));
    students.forEach((userId, i) => {
      expect(byUser.get(userId)).toMatchObject({ scoreGiven: i % 101, scoreMaximum: 100, timestamp, writes: 1 });
    });
    expect((await second.stop('SIGTERM', shutdownTimeoutMs + 20_000)).code).toBe(0);
  });
});
