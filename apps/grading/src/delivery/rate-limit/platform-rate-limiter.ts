import { Logger } from '@nestjs/common';
import { decide, DEFAULT_AIMD, overwhelmed, throttledShare, type AimdSettings } from './aimd';
import type { BudgetDefaults, Grant } from './platform-budget.repository';

/** The shared budget, as the limiter needs it (PlatformBudgetRepository in production). */
export interface BudgetStore {
  take(platformId: string, wanted: number, defaults: BudgetDefaults): Promise<Grant>;
  decrease(platformId: string, factor: number, minRate: number, coolDownMs: number): Promise<number | undefined>;
  increase(platformId: string, step: number, maxRate: number, quietMs: number): Promise<number | undefined>;
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
  /** How often the AIMD state is adjusted from what was observed. */
  windowMs: number;
}

interface PlatformState {
  tokens: number;
  rate: number;
  waiters: Array<{ resolve: () => void; reject: (error: Error) => void }>;
  pumping: boolean;
  ok: number;
  throttled: number;
  saturated: boolean;
  /** A throttle-triggered decrease is under way (one at a time). */
  braking: boolean;
  /** When the rate was last lowered here: answers to requests sent before it speak of the old rate. */
  brakedAt: number;
  remaining?: number;
  previousRemaining?: number;
  maxRemaining: number;
}

export class LimiterClosedError extends Error {
  constructor() {
    super('rate limiter closed');
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/**
 * A flood of throttled answers lowers the rate at once, at most this often
 * across replicas: often enough to leave a burst quickly, rarely enough that
 * the answers to requests already in flight count as one signal.
 */
const BRAKE_COOL_DOWN_MS = 250;

/**
 * Per-platform token buckets for this process, fed in chunks from the
 * shared budget so that N replicas together stay within one platform's
 * limit, and so that one slow platform never holds back the others: each
 * platform has its own queue. Every answer is reported back; once per
 * window the observations move the shared rate (AIMD).
 */
export class PlatformRateLimiter {
  private readonly logger = new Logger(PlatformRateLimiter.name);
  private readonly platforms = new Map<string, PlatformState>();
  private readonly aimd: AimdSettings;
  private timer?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly store: BudgetStore,
    private readonly settings: RateLimiterSettings,
  ) {
    this.aimd = { ...DEFAULT_AIMD, decreaseFactor: settings.decreaseFactor, throttleTolerance: settings.throttleTolerance };
  }

  start(): void {
    this.timer ??= setInterval(() => void this.adjust(), this.settings.windowMs);
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
    if (result.remaining !== undefined) {
      state.remaining = result.remaining;
      state.maxRemaining = Math.max(state.maxRemaining, result.remaining);
    }
    if (result.throttled) state.tokens = 0; // tokens held here were granted for a rate now known to be too high
    if (result.sentAt !== undefined && result.sentAt < state.brakedAt) return;
    if (!result.throttled) {
      state.ok++;
      return;
    }
    state.throttled++;
    if (!state.braking && overwhelmed(state)) {
      const factor = Math.max(0.1, Math.min(this.settings.decreaseFactor, 1 - throttledShare(state)));
      void this.brake(platformId, state, factor, BRAKE_COOL_DOWN_MS);
    }
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
      state = { tokens: 0, rate: this.settings.initialRate, waiters: [], pumping: false, ok: 0, throttled: 0, saturated: false, braking: false, brakedAt: 0, maxRemaining: 0 };
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

  /** Multiplicative decrease of the shared rate (skipped when another replica just did it). */
  private async brake(platformId: string, state: PlatformState, factor: number, coolDownMs: number): Promise<void> {
    state.braking = true;
    try {
      const rate = await this.store.decrease(platformId, factor, this.settings.minRate, coolDownMs);
      if (rate !== undefined) {
        state.rate = rate;
        state.tokens = 0;
        state.brakedAt = Date.now();
        state.ok = 0;
        state.throttled = 0;
        this.logger.log({ platformId, rate: Math.round(rate * 10) / 10, remaining: state.remaining }, 'platform rate lowered');
      }
    } catch (error) {
      this.logger.warn({ platformId, err: error }, 'could not lower the platform rate');
    } finally {
      state.braking = false;
    }
  }

  /** Once per window: the cut for throttling, the early brake on a falling quota, or the additive increase. */
  private async adjust(): Promise<void> {
    for (const [platformId, state] of this.platforms) {
      const stats = {
        ok: state.ok,
        throttled: state.throttled,
        saturated: state.saturated || state.waiters.length > 0,
        remaining: state.remaining,
        previousRemaining: state.previousRemaining,
        maxRemaining: state.maxRemaining,
      };
      state.ok = 0;
      state.throttled = 0;
      state.saturated = false;
      state.previousRemaining = state.remaining;
      const action = decide(stats, this.aimd);
      if (action.type === 'decrease') {
        // A flood braked within the window already; the cool-down keeps the two from stacking.
        await this.brake(platformId, state, action.factor, BRAKE_COOL_DOWN_MS * 2);
      } else if (action.type === 'increase') {
        try {
          const rate = await this.store.increase(platformId, this.settings.increaseStep, this.settings.maxRate, 2 * this.settings.windowMs);
          if (rate !== undefined) state.rate = rate;
        } catch (error) {
          this.logger.warn({ platformId, err: error }, 'could not raise the platform rate');
        }
      }
    }
  }
}
