/** What one platform's answers looked like over the last adjustment window. */
export interface WindowStats {
  ok: number;
  throttled: number;
  /** Whether callers queued for tokens: the budget, not demand, was the limit. */
  saturated: boolean;
  /** `X-Rate-Limit-Remaining` last seen in this window and in the one before, and the highest ever seen. */
  remaining?: number;
  previousRemaining?: number;
  maxRemaining: number;
}

export type AimdAction = { type: 'decrease'; factor: number } | { type: 'increase' } | { type: 'hold' };

export interface AimdSettings {
  /** The gentlest cut on throttling (429, Canvas's rate-limit 403); a larger throttled share cuts deeper. */
  decreaseFactor: number;
  /** Share of throttled answers in a window taken as noise (another tool on the same LMS, a hiccup) rather than our excess. */
  throttleTolerance: number;
  /** Applied when the platform's remaining quota runs low and keeps falling: a gentler, earlier brake. */
  earlyDecreaseFactor: number;
  /** Remaining quota, as a share of the most ever seen, under which a fall brakes. */
  lowWater: number;
  /** Remaining quota share under which the rate is not raised. */
  highWater: number;
}

export const DEFAULT_AIMD: Omit<AimdSettings, 'decreaseFactor' | 'throttleTolerance'> = { earlyDecreaseFactor: 0.85, lowWater: 0.25, highWater: 0.5 };

/** A cut never below a tenth of the rate in one step. */
const DEEPEST_CUT = 0.1;

export function throttledShare(stats: Pick<WindowStats, 'ok' | 'throttled'>): number {
  const answers = stats.ok + stats.throttled;
  return answers === 0 ? 0 : stats.throttled / answers;
}

/**
 * Additive increase, multiplicative decrease, with two refinements:
 * - the cut follows the share of throttled answers: when 80 % were refused,
 *   what got through (a fifth) is about what the LMS takes, so the rate drops
 *   to that at once rather than halving for several windows; a share below
 *   the tolerance is noise and cuts nothing (a tool that halved on every
 *   stray 429 would crawl whenever the LMS is merely flaky);
 * - Canvas's quota header is an early signal: a leaky-bucket LMS reports its
 *   remaining quota on every answer, and a quota that keeps falling means we
 *   send faster than it drains, so we brake before it says 429.
 * The rate rises only after a window without any throttled answer.
 */
export function decide(stats: WindowStats, settings: AimdSettings): AimdAction {
  const refused = throttledShare(stats);
  if (stats.throttled > 0 && refused >= settings.throttleTolerance) {
    return { type: 'decrease', factor: Math.max(DEEPEST_CUT, Math.min(settings.decreaseFactor, 1 - refused)) };
  }
  const quota = stats.remaining !== undefined && stats.maxRemaining > 0 ? stats.remaining / stats.maxRemaining : undefined;
  if (quota !== undefined && quota <= settings.lowWater && (stats.previousRemaining === undefined || stats.remaining! < stats.previousRemaining)) {
    return { type: 'decrease', factor: settings.earlyDecreaseFactor };
  }
  if (stats.throttled === 0 && stats.ok > 0 && stats.saturated && (quota === undefined || quota >= settings.highWater)) return { type: 'increase' };
  return { type: 'hold' };
}

/**
 * Whether a window's throttling is already bad enough to act on before the
 * window ends: a flood of refusals (we start far above the LMS's limit)
 * should stop within milliseconds, not after a second of wasted requests.
 */
export function overwhelmed(stats: Pick<WindowStats, 'ok' | 'throttled'>): boolean {
  return stats.throttled >= 10 && throttledShare(stats) >= 0.5;
}

export interface RateBounds {
  minRate: number;
  maxRate: number;
  /** Requests/s added by one increase, but never more than a tenth of the rate (a slow LMS is approached gently). */
  increaseStep: number;
}

/** The platform's rate after an action, within its bounds. */
export function nextRate(rate: number, action: AimdAction, bounds: RateBounds): number {
  switch (action.type) {
    case 'decrease':
      return Math.max(bounds.minRate, rate * action.factor);
    case 'increase':
      return Math.min(bounds.maxRate, Math.max(rate, rate + Math.min(bounds.increaseStep, rate * 0.1)));
    case 'hold':
      return rate;
  }
}
