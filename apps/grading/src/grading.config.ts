import { z } from 'zod';
import { authEnv } from '@app/auth';
import { booleanFlag, httpUrl, infrastructureEnv, port, positiveInt } from '@app/config';
import { jobsEnv } from './jobs/jobs.env';

const nonNegativeInt = (fallback: number) => z.coerce.number().int().min(0).default(fallback);
const positiveNumber = (fallback: number) => z.coerce.number().positive().default(fallback);
const fraction = (fallback: number) => z.coerce.number().gt(0).lt(1).default(fallback);

export const gradingEnv = infrastructureEnv.extend({
  /** VAULT_URL (where grading resolves serviceKeys and fetches the JWKS), JWT_ISSUER, JWT_AUDIENCE. */
  ...authEnv.shape,
  GRADING_PORT: port(3003),

  /** Base URL of LTIAAS (or the emulator). */
  LTIAAS_URL: httpUrl,
  LTIAAS_API_KEY: z.string().min(1),
  /** Longest wait for LTIAAS's response headers, and for silence inside its body. */
  LTIAAS_TIMEOUT_MS: positiveInt(10_000),

  /** The API key grading exchanges at the vault for its own short-lived JWT. */
  GRADING_API_KEY: z.string().min(1),
  /** How long a resolved serviceKey is reused before asking the vault again. */
  CREDENTIAL_CACHE_MS: positiveInt(60_000),

  /** Off: this replica ingests and answers HTTP but posts nothing (for maintenance). */
  DELIVERY_ENABLED: booleanFlag(true),
  /** Score requests in flight at once, across every platform, per process. */
  DELIVERY_CONCURRENCY: positiveInt(64),
  /** Rows claimed per round trip to the ledger. */
  DELIVERY_BATCH_SIZE: positiveInt(256),
  /** A claimed row returns to the pool when its claimer has not finished within this time (a killed worker's rows). */
  DELIVERY_LEASE_MS: positiveInt(60_000),
  /** Idle poll interval when nothing is due. */
  DELIVERY_POLL_MS: positiveInt(250),
  /** First retry delay; each retry doubles the ceiling (full jitter). */
  DELIVERY_BACKOFF_BASE_MS: positiveInt(1_000),
  DELIVERY_BACKOFF_MAX_MS: positiveInt(10 * 60_000),
  /** A score that still fails this long after its first attempt is given up into dead letters. */
  DELIVERY_GIVE_UP_AFTER_MS: positiveInt(24 * 60 * 60_000),
  /** Per-platform request budget shared by every replica: starting rate (requests/s) and burst. */
  DELIVERY_PLATFORM_RATE: positiveNumber(200),
  DELIVERY_PLATFORM_BURST: positiveNumber(100),
  DELIVERY_PLATFORM_MIN_RATE: positiveNumber(1),
  DELIVERY_PLATFORM_MAX_RATE: positiveNumber(5_000),
  /** AIMD: requests/s added per second of throttle-free saturation, and the factor applied on a throttle. */
  DELIVERY_RATE_INCREASE: positiveNumber(20),
  DELIVERY_RATE_DECREASE: fraction(0.5),
  /** Share of throttled answers per second read as noise (a flaky LMS, another tool on its quota) rather than our excess. */
  DELIVERY_THROTTLE_TOLERANCE: fraction(0.1),
  /** Seconds of a platform's rate claimed ahead, so a slow platform never fills the pipeline. */
  DELIVERY_LOOKAHEAD_SECONDS: positiveNumber(2),
  /** After a relaunch, how long credential errors are treated as the vault catching up rather than a stale key. */
  DELIVERY_RELAUNCH_GRACE_MS: nonNegativeInt(120_000),

  /** Scheduled jobs, /health/sync thresholds, shutdown (see jobs/jobs.env.ts). */
  ...jobsEnv.shape,
}).superRefine((env, ctx) => {
  // A row is sent only while its lease outlasts the longest request, so a newer value can never
  // overtake an older one still in flight; the lease must leave time to send at all.
  const margin = sendMarginMs(env);
  if (env.DELIVERY_LEASE_MS < 2 * margin) {
    ctx.addIssue({ code: 'custom', path: ['DELIVERY_LEASE_MS'], message: `must be at least ${2 * margin} ms: twice the longest request (2 × LTIAAS_TIMEOUT_MS + 2 s)` });
  }
});
export type GradingConfig = z.infer<typeof gradingEnv>;

/** How much lease a row must have left to be sent: two full LTIAAS timeouts (headers, then body) and a little more. */
export function sendMarginMs(config: Pick<GradingConfig, 'LTIAAS_TIMEOUT_MS'>): number {
  return 2 * config.LTIAAS_TIMEOUT_MS + 2_000;
}
