import type { Provider } from '@nestjs/common';
import { Semaphore } from '../common/semaphore';
import { GRADING_CONFIG } from '../grading.database';
import { sendMarginMs, type GradingConfig } from '../grading.config';
import { SETTLE_RULES, type SettleRules } from './delivery-completion.service';
import { DELIVERY_WORKER_SETTINGS, type DeliveryWorkerSettings } from './delivery.worker';
import type { BackoffPolicy } from './failure-policy';
import { SEND_TURN_HOLD_MS, TURN_START_WINDOW_MS } from './line-items/send-turns';
import { RATE_LIMITER_SETTINGS, type RateLimiterSettings } from './rate-limit/platform-rate-limiter';

/** The retry backoff of failed posts. */
export const DELIVERY_BACKOFF = Symbol('DELIVERY_BACKOFF');
/** Requests in flight, across every group of this process (DELIVERY_CONCURRENCY). */
export const DELIVERY_SLOTS = Symbol('DELIVERY_SLOTS');
/**
 * Rows holding their send turn while they wait for a slot: as many as the slots, let in a half
 * at a time so that their turns are taken in one statement rather than one by one.
 */
export const DELIVERY_NEXT_UP = Symbol('DELIVERY_NEXT_UP');

function nextUpStage(config: GradingConfig): Semaphore {
  const size = Math.max(4, config.DELIVERY_CONCURRENCY);
  return new Semaphore(size, Math.ceil(size / 2));
}

const backoffPolicy = (config: GradingConfig): BackoffPolicy => ({ baseMs: config.DELIVERY_BACKOFF_BASE_MS, maxMs: config.DELIVERY_BACKOFF_MAX_MS, random: Math.random });

const settleRules = (config: GradingConfig, backoff: BackoffPolicy): SettleRules => ({
  backoff,
  giveUpAfterMs: config.DELIVERY_GIVE_UP_AFTER_MS,
  relaunchGraceMs: config.DELIVERY_RELAUNCH_GRACE_MS,
});

const rateLimiter = (config: GradingConfig): RateLimiterSettings => ({
  initialRate: config.DELIVERY_PLATFORM_RATE,
  burst: config.DELIVERY_PLATFORM_BURST,
  minRate: config.DELIVERY_PLATFORM_MIN_RATE,
  maxRate: config.DELIVERY_PLATFORM_MAX_RATE,
  increaseStep: config.DELIVERY_RATE_INCREASE,
  decreaseFactor: config.DELIVERY_RATE_DECREASE,
  throttleTolerance: config.DELIVERY_THROTTLE_TOLERANCE,
  windowMs: 1_000,
});

const worker = (config: GradingConfig): DeliveryWorkerSettings => ({
  batchSize: config.DELIVERY_BATCH_SIZE,
  maxRowsInFlight: Math.max(config.DELIVERY_BATCH_SIZE * 2, config.DELIVERY_CONCURRENCY * 4),
  leaseMs: config.DELIVERY_LEASE_MS,
  pollMs: config.DELIVERY_POLL_MS,
  lookaheadSeconds: config.DELIVERY_LOOKAHEAD_SECONDS,
});

/** Delivery's parts' settings, each read once from the configuration. */
export const deliverySettings: Provider[] = [
  { provide: DELIVERY_BACKOFF, inject: [GRADING_CONFIG], useFactory: backoffPolicy },
  { provide: SETTLE_RULES, inject: [GRADING_CONFIG, DELIVERY_BACKOFF], useFactory: settleRules },
  { provide: RATE_LIMITER_SETTINGS, inject: [GRADING_CONFIG], useFactory: rateLimiter },
  { provide: DELIVERY_WORKER_SETTINGS, inject: [GRADING_CONFIG], useFactory: worker },
  { provide: DELIVERY_SLOTS, inject: [GRADING_CONFIG], useFactory: (config: GradingConfig) => new Semaphore(config.DELIVERY_CONCURRENCY) },
  { provide: DELIVERY_NEXT_UP, inject: [GRADING_CONFIG], useFactory: nextUpStage },
  // A turn outlives its sender for as long as its post could last, once begun: a replica killed
  // mid-request cannot be overtaken by a newer value sent by another one.
  { provide: SEND_TURN_HOLD_MS, inject: [GRADING_CONFIG], useFactory: (config: GradingConfig) => sendMarginMs(config) + TURN_START_WINDOW_MS },
];
