import { z } from 'zod';
import { authEnv, launchSigningPublicJwksSchema } from '@app/auth';
import { booleanFlag, httpUrl, infrastructureEnv, port, positiveInt } from '@app/config';
import { jobsEnv } from './jobs/jobs.env';

const nonNegativeInt = (fallback: number) => z.coerce.number().int().min(0).default(fallback);
const positiveNumber = (fallback: number) => z.coerce.number().positive().default(fallback);
const fraction = (fallback: number) => z.coerce.number().gt(0).lt(1).default(fallback);

export const gradingEnv = infrastructureEnv.extend({
  /** VAULT_URL (where grading resolves serviceKeys and fetches the JWKS), JWT_ISSUER, JWT_AUDIENCE. */
  ...authEnv.shape,
  GRADING_PORT: port(3003),
  /** The public keys launch signs LaunchCaptured with (JSON array of JWKs, picked by kid); grading acts only on a launch that verifies. */
  LAUNCH_SIGNING_PUBLIC_JWKS: launchSigningPublicJwksSchema,

  /** Base URL of LTIAAS (or the emulator). */
  LTIAAS_URL: httpUrl,
  LTIAAS_API_KEY: z.string().min(1),
  /** Longest wait for LTIAAS's response headers, and for silence inside its body. */
  LTIAAS_TIMEOUT_MS: positiveInt(10_000),

  /** The API key grading exchanges at the vault for its own short-lived JWT (scopes credentials:resolve and revocations:read). */
  GRADING_API_KEY: z.string().min(1),
  /**
   * How often grading fetches the vault's list of revoked API keys (GET /v1/revocations), so a
   * revoked key's tokens are refused within this plus a request. Unreachable vault: the last list stays (fail open).
   */
  REVOCATION_POLL_MS: positiveInt(2_000).pipe(z.number().min(250).max(60_000)),
  /** How long a resolved serviceKey is reused before asking the vault again. */
  CREDENTIAL_CACHE_MS: positiveInt(60_000),

  /** Off: this replica ingests and answers HTTP but posts nothing (for maintenance). */
  DELIVERY_ENABLED: booleanFlag(true),
  /** Score requests in flight at once, across every platform, per process. */
  DELIVERY_CONCURRENCY: positiveInt(64),
  /** Rows claimed per round trip to the ledger. */
  DELIVERY_BATCH_SIZE: positiveInt(256),
  /**
   * A claimed row returns to the pool this long after its claimer last
   * renewed the claim (every quarter of it, while the claimer lives): how
   * soon a killed replica's unsent rows are delivered by the others. Rows
   * that were on the wire are guarded separately, for as long as their
   * request could last (line_item_sends).
   */
  DELIVERY_LEASE_MS: positiveInt(8_000),
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

  /** How far ahead of this server's clock a score's timestamp may be: beyond, HTTP answers 400 and Kafka dead-letters it (a far-future timestamp would win over every later correction). */
  SCORE_MAX_FUTURE_SKEW_SECONDS: nonNegativeInt(300),
  /**
   * Kafka consumer session and heartbeat: a member that stops heartbeating
   * (a killed replica) is dropped from its groups after the session, and the
   * others take its partitions at their next heartbeat. 6 s is the broker's
   * smallest session by default (group.min.session.timeout.ms); kafkajs
   * cannot rejoin as a static member (no group.instance.id), so a short
   * session is what makes a takeover take seconds. Batches heartbeat while
   * they are handled, so a slow ledger write does not end a session.
   */
  CONSUMER_SESSION_TIMEOUT_MS: z.coerce.number().int().min(1_000).default(6_000),
  CONSUMER_HEARTBEAT_MS: z.coerce.number().int().min(100).default(1_000),

  /** Scheduled jobs, /health/sync thresholds, shutdown (see jobs/jobs.env.ts). */
  ...jobsEnv.shape,
}).superRefine((env, ctx) => {
  // The lease is renewed every quarter of it: a shorter one would lapse on one slow round trip to the database.
  if (env.DELIVERY_LEASE_MS < 2_000) {
    ctx.addIssue({ code: 'custom', path: ['DELIVERY_LEASE_MS'], message: 'must be at least 2000 ms (it is renewed every quarter of it)' });
  }
  // kafkajs needs a few heartbeats per session, or one late heartbeat ends it.
  if (env.CONSUMER_HEARTBEAT_MS * 3 > env.CONSUMER_SESSION_TIMEOUT_MS) {
    ctx.addIssue({ code: 'custom', path: ['CONSUMER_HEARTBEAT_MS'], message: `must be at most a third of CONSUMER_SESSION_TIMEOUT_MS (${env.CONSUMER_SESSION_TIMEOUT_MS} ms)` });
  }
});
export type GradingConfig = z.infer<typeof gradingEnv>;

/**
 * How long a post may last: two full LTIAAS timeouts (headers, then body)
 * and a little more. A (line item, user) taken for a post stays taken this
 * long even if its sender dies, so no newer value can overtake it.
 */
export function sendMarginMs(config: Pick<GradingConfig, 'LTIAAS_TIMEOUT_MS'>): number {
  return 2 * config.LTIAAS_TIMEOUT_MS + 2_000;
}
