import { CronTime } from 'cron';
import { z } from 'zod';
import { booleanFlag, positiveInt } from '@app/config';

/** A cron expression (5 fields, or 6 with seconds), checked at boot so a typo stops the app instead of never firing. */
const cronExpression = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .refine((expression) => {
      try {
        new CronTime(expression, 'UTC');
        return true;
      } catch {
        return false;
      }
    }, 'must be a cron expression such as "0 2 * * *"');

/** Unset: reported only, never failing /health/sync. */
const optionalLimit = z.coerce.number().int().min(0).optional();

/** Scheduled jobs, /health/sync thresholds and shutdown; spread into grading's environment schema. */
export const jobsEnv = z.object({
  /** Off: this replica never runs the scheduled jobs (admin-triggered runs still work). */
  JOBS_ENABLED: booleanFlag(true),
  /** Nightly grade sync, in UTC. */
  GRADE_SYNC_CRON: cronExpression('0 2 * * *'),
  /** How long a grade sync waits for the rows it offered to be tried before it records its counts. */
  GRADE_SYNC_SETTLE_TIMEOUT_MS: positiveInt(10 * 60_000),
  GRADE_SYNC_POLL_MS: positiveInt(1_000),
  /** Roster refresh, in UTC. */
  ROSTER_REFRESH_CRON: cronExpression('0 3 * * *'),
  /** Contexts launched within this many days are refreshed. */
  ROSTER_ACTIVE_DAYS: positiveInt(120),
  /** Contexts refreshed at once. */
  ROSTER_CONCURRENCY: positiveInt(8),
  /** Members written per multi-row upsert. */
  ROSTER_UPSERT_BATCH: positiveInt(1_000),
  /** An interrupted run younger than this is resumed from its checkpoint; an older one is started afresh. */
  JOB_RESUME_WINDOW_MS: positiveInt(24 * 60 * 60_000),

  /** /health/sync turns 503 past these. */
  SYNC_MAX_BACKLOG_AGE_SECONDS: positiveInt(3_600),
  SYNC_MAX_GRADE_SYNC_AGE_SECONDS: positiveInt(26 * 3_600),
  SYNC_MAX_ROSTER_REFRESH_AGE_SECONDS: positiveInt(26 * 3_600),
  SYNC_MAX_BACKLOG: optionalLimit,
  SYNC_MAX_DEAD_LETTERS: optionalLimit,
  SYNC_MAX_STALE_CREDENTIALS: optionalLimit,
  /** How long /metrics reuses the ledger counters it read. */
  METRICS_LEDGER_CACHE_MS: positiveInt(5_000),

  /** SIGTERM: the longest wait for in-flight work before the process lets go of it. */
  SHUTDOWN_TIMEOUT_MS: positiveInt(30_000),
});
export type JobsEnv = z.infer<typeof jobsEnv>;
