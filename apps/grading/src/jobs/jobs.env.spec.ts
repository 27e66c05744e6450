import { jobsEnv } from './jobs.env';

describe('jobs environment', () => {
  it('schedules the grade sync at 02:00 and the roster refresh at 03:00 UTC by default', () => {
    const env = jobsEnv.parse({});
    expect(env).toMatchObject({ GRADE_SYNC_CRON: '0 2 * * *', ROSTER_REFRESH_CRON: '0 3 * * *', ROSTER_ACTIVE_DAYS: 120, SHUTDOWN_TIMEOUT_MS: 30_000, JOBS_ENABLED: true });
    expect(env.SYNC_MAX_DEAD_LETTERS).toBeUndefined();
  });

  it('stops the app on a cron expression that would never fire', () => {
    const result = jobsEnv.safeParse({ GRADE_SYNC_CRON: 'every night' });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]).toMatchObject({ path: ['GRADE_SYNC_CRON'], message: 'must be a cron expression such as "0 2 * * *"' });
  });

  it('takes thresholds as numbers', () => {
    expect(jobsEnv.parse({ SYNC_MAX_BACKLOG_AGE_SECONDS: '120', SYNC_MAX_DEAD_LETTERS: '0' })).toMatchObject({ SYNC_MAX_BACKLOG_AGE_SECONDS: 120, SYNC_MAX_DEAD_LETTERS: 0 });
    expect(jobsEnv.safeParse({ SYNC_MAX_BACKLOG_AGE_SECONDS: 'soon' }).success).toBe(false);
  });
});
