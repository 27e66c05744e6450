import { Inject, Injectable, Logger } from '@nestjs/common';
import { sleep } from '@app/async';
import { decide, DEFAULT_AIMD, nextRate, overwhelmed, throttledShare, type AimdSettings, type RateBounds } from './aimd';
import { PlatformBudgetRepository, type BudgetDefaults, type ClosedWindow, type Grant, type SharedWindow, type WindowReport } from './platform-budget.repository';

/** The shared budget, as the limiter needs it (PlatformBudgetRepository in production). */
export interface BudgetStore {
  take(platformId: string, wanted: number, defaults: BudgetDefaults): Promise<Grant>;
  report(platformId: string, seen: WindowReport, windowMs: number): Promise<SharedWindow | undefined>;
  closeWindow(platformId: string, windowMs: number, judge: (window: ClosedWindow) => number): Promise<number | undefined>;
  decrease(platformId: string, factor: number, minRate: number, coolDownMs: number): Promise<number | undefined>;
}

export interface RateLimiterSettings {
  initialRate: number;
  burst: number;
  minRate: number;
  maxRate: number;
  increaseStep: number;
  decreaseFactor: number;
  /** Share of throttled answers in a window read as noise rather than excess. */
  throttleTolerance: number;
  /** How often the AIMD state is adjusted, once for the cluster, from what every replica observed. */
  windowMs: number;
}
export const RATE_LIMITER_SETTINGS = Symbol('RATE_LIMITER_SETTINGS');

interface PlatformState {
  tokens: number;
  rate: number;
  waiters: Array<{ resolve: () => void; reject: (error: Error) => void }>;
  pumping: boolean;
  /** Answers seen here and not yet added to the shared window. */
  ok: number;
  throttled: number;
  saturated: boolean;
  /** A report (and the decision it may lead to) is under way (one at a time). */
  reporting: boolean;
  /** When the rate was last lowered by any replica: answers to requests sent before it speak of the old rate. */
  brakedAt: number;
  remaining?: number;
}

export class LimiterClosedError extends Error {
  constructor() {
    super('rate limiter closed');
  }
}

/**
 * A flood of throttled answers lowers the rate at once, at most this often
 * across replicas: often enough to leave a burst quickly, rarely enough that
 * the answers to requests already in flight count as one signal.
 */
const BRAKE_COOL_DOWN_MS = 250;

/**
 * How often a replica adds its answers to the shared window: often enough
 * that a flood of refusals is seen by the cluster within a fraction of a
 * second, rarely enough to cost one small update per platform.
 */
const REPORTS_PER_WINDOW = 5;

/**
 * Per-platform token buckets for this process, fed in chunks from the
 * shared budget so that N replicas together stay within one platform's
 * limit, and so that one slow platform never holds back the others: each
 * platform has its own queue. Every answer is counted, and the counts are
 * added to the platform's shared window several times a window; the rate is
 * then decided once per window for the whole cluster (AIMD, by whichever
 * replica closes the window), never by a replica from its own share: a
 * replica seeing a third of the answers sees three times the noise, and N
 * replicas each braking on their own drove the shared rate to its floor.
 */
@Injectable()
export class PlatformRateLimiter {
  private readonly logger = new Logger(PlatformRateLimiter.name);
  private readonly platforms = new Map<string, PlatformState>();
  private readonly aimd: AimdSettings;
  private readonly bounds: RateBounds;
  private timer?: NodeJS.Timeout;
  private closed = false;

  constructor(
    @Inject(PlatformBudgetRepository) private readonly store: BudgetStore,
    @Inject(RATE_LIMITER_SETTINGS) private readonly settings: RateLimiterSettings,
  ) {
    this.aimd = { ...DEFAULT_AIMD, decreaseFactor: settings.decreaseFactor, throttleTolerance: settings.throttleTolerance };
    this.bounds = { minRate: settings.minRate, maxRate: settings.maxRate, increaseStep: settings.increaseStep };
  }

  start(): void {
    this.timer ??= setInterval(() => this.reportAll(), Math.max(20, Math.floor(this.settings.windowMs / REPORTS_PER_WINDOW)));
    this.timer.unref();
  }

  /** Resolves when one request to the platform may go out. */
  acquire(platformId: string): Promise<void> {
    if (this.closed) return Promise.reject(new LimiterClosedError());
    const state = this.state(platformId);
    if (state.tokens >= 1 && state.waiters.length === 0) {
      state.tokens -= 1;
      return Promise.resolve();
    }
    state.saturated = true;
    return new Promise((resolve, reject) => {
      state.waiters.push({ resolve, reject });
      if (!state.pumping) void this.pump(platformId, state);
    });
  }

  /**
   * Reports one answer: `throttled` for 429 / rate-limit 403, the LMS's
   * remaining quota when it sent one, and when the request went out (answers
   * to requests sent before the last cut do not count towards the next one).
   */
  report(platformId: string, result: { throttled: boolean; remaining?: number; sentAt?: number }): void {
    const state = this.state(platformId);
    if (result.remaining !== undefined) state.remaining = result.remaining;
    if (result.throttled) state.tokens = 0; // tokens held here were granted for a rate now known to be too high
    if (result.sentAt !== undefined && result.sentAt < state.brakedAt) return;
    if (!result.throttled) {
      state.ok++;
      return;
    }
    state.throttled++;
    // A flood seen here alone is reason enough to tell the cluster now rather than at the next report.
    if (!state.reporting && overwhelmed(state)) void this.flush(platformId, state);
  }

  /** The platform's current rate (requests/s), for sizing claims. */
  rateOf(platformId: string): number {
    return this.platforms.get(platformId)?.rate ?? this.settings.initialRate;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const state of this.platforms.values()) for (const w of state.waiters.splice(0)) w.reject(new LimiterClosedError());
  }

  private state(platformId: string): PlatformState {
    let state = this.platforms.get(platformId);
    if (!state) {
      state = { tokens: 0, rate: this.settings.initialRate, waiters: [], pumping: false, ok: 0, throttled: 0, saturated: false, reporting: false, brakedAt: 0 };
      this.platforms.set(platformId, state);
    }
    return state;
  }

  private async pump(platformId: string, state: PlatformState): Promise<void> {
    state.pumping = true;
    try {
      await Promise.resolve(); // callers queueing in the same tick share one take
      while (state.waiters.length > 0 && !this.closed) {
        const chunk = Math.max(1, Math.ceil(state.rate / 10));
        const wanted = Math.max(1, Math.min(state.waiters.length, chunk) - Math.floor(state.tokens));
        let grant: Grant;
        try {
          grant = await this.store.take(platformId, wanted, { rate: this.settings.initialRate, burst: this.settings.burst });
        } catch (error) {
          this.logger.warn({ platformId, err: error }, 'could not take tokens from the shared budget; retrying');
          await sleep(500);
          continue;
        }
        state.rate = grant.rate;
        state.tokens += grant.granted;
        while (state.tokens >= 1 && state.waiters.length > 0) {
          state.tokens -= 1;
          state.waiters.shift()!.resolve();
        }
        // Only an exhausted shared bucket is a reason to wait; otherwise take again at once.
        if (state.waiters.length > 0 && grant.granted < wanted) {
          const needed = Math.min(state.waiters.length, chunk);
          const waitMs = Math.ceil((1000 * Math.max(1 - grant.left, needed - grant.left)) / grant.rate);
          await sleep(Math.min(1000, Math.max(2, waitMs)));
        }
      }
    } finally {
      state.pumping = false;
    }
  }

  private reportAll(): void {
    for (const [platformId, state] of this.platforms) {
      if (state.reporting) continue;
      if (state.ok > 0 || state.throttled > 0 || state.saturated || state.waiters.length > 0) void this.flush(platformId, state);
    }
  }

  /**
   * Adds this replica's counts to the shared window; then, from the
   * cluster's totals, brakes at once on a flood, or closes a window that is
   * over with the one AIMD decision for everyone.
   */
  private async flush(platformId: string, state: PlatformState): Promise<void> {
    state.reporting = true;
    const seen = { ok: state.ok, throttled: state.throttled, saturated: state.saturated || state.waiters.length > 0, remaining: state.remaining };
    state.ok = 0;
    state.throttled = 0;
    state.saturated = false;
    try {
      const shared = await this.store.report(platformId, seen, this.settings.windowMs);
      if (!shared) return; // no budget row yet: nothing was sent
      state.rate = shared.rate;
      if (shared.sinceDecreaseMs !== undefined) state.brakedAt = Math.max(state.brakedAt, Date.now() - shared.sinceDecreaseMs);
      if (overwhelmed(shared)) {
        await this.brake(platformId, state, Math.max(0.1, Math.min(this.settings.decreaseFactor, 1 - throttledShare(shared))));
      } else if (shared.due) {
        await this.closeWindow(platformId, state);
      }
    } catch (error) {
      this.logger.warn({ platformId, err: error }, 'could not report to the shared platform budget');
    } finally {
      state.reporting = false;
    }
  }

  /** Multiplicative decrease of the shared rate within a window (skipped when another replica just did it). */
  private async brake(platformId: string, state: PlatformState, factor: number): Promise<void> {
    const rate = await this.store.decrease(platformId, factor, this.settings.minRate, BRAKE_COOL_DOWN_MS);
    if (rate !== undefined) this.lowered(platformId, state, rate);
  }

  /** The one decision of the window, for the cluster: the cut for throttling, the early brake on a falling quota, or the additive increase. */
  private async closeWindow(platformId: string, state: PlatformState): Promise<void> {
    let before = state.rate;
    const rate = await this.store.closeWindow(platformId, this.settings.windowMs, (window) => {
      before = window.rate;
      const action = decide(window.stats, this.aimd);
      // Never raise within two windows of a cut: the answers that follow a cut still carry its cause.
      if (action.type === 'increase' && window.sinceDecreaseMs !== undefined && window.sinceDecreaseMs < 2 * this.settings.windowMs) return window.rate;
      return nextRate(window.rate, action, this.bounds);
    });
    if (rate === undefined) return;
    if (rate < before) this.lowered(platformId, state, rate);
    else state.rate = rate;
  }

  private lowered(platformId: string, state: PlatformState, rate: number): void {
    state.rate = rate;
    state.tokens = 0;
    state.brakedAt = Date.now();
    state.ok = 0;
    state.throttled = 0;
    this.logger.log({ platformId, rate: Math.round(rate * 10) / 10, remaining: state.remaining }, 'platform rate lowered');
  }
}
