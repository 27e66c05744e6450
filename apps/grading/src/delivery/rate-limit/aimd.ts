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
  /** Applied on a throttled answer (429, Canvas's rate-limit 403). */
  decreaseFactor: number;
  /** Applied when the platform's remaining quota runs low and keeps falling: a gentler, earlier brake. */
  earlyDecreaseFactor: number;
  /** Remaining quota, as a share of the most ever seen, under which a fall brakes. */
  lowWater: number;
  /** Remaining quota share under which the rate is not raised. */
  highWater: number;
}

export const DEFAULT_AIMD: Omit<AimdSettings, 'decreaseFactor'> = { earlyDecreaseFactor: 0.85, lowWater: 0.25, highWater: 0.5 };

/**
 * Additive increase, multiplicative decrease, with Canvas's quota header as
 * an early signal: a leaky-bucket LMS reports its remaining quota on every
 * answer, and a quota that keeps falling means we send faster than it
 * drains, so we brake before it says 429 rather than after.
 */
export function decide(stats: WindowStats, settings: AimdSettings): AimdAction {
  if (stats.throttled > 0) return { type: 'decrease', factor: settings.decreaseFactor };
  const share = stats.remaining !== undefined && stats.maxRemaining > 0 ? stats.remaining / stats.maxRemaining : undefined;
  if (share !== undefined && share <= settings.lowWater && (stats.previousRemaining === undefined || stats.remaining! < stats.previousRemaining)) {
    return { type: 'decrease', factor: settings.earlyDecreaseFactor };
  }
  if (stats.ok > 0 && stats.saturated && (share === undefined || share >= settings.highWater)) return { type: 'increase' };
  return { type: 'hold' };
}
