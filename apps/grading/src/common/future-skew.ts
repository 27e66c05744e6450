import { epochNanos, type ScoreReadyData } from '@app/contracts';

/** The default of SCORE_MAX_FUTURE_SKEW_SECONDS. */
export const DEFAULT_MAX_FUTURE_SKEW_SECONDS = 300;

/**
 * Why a score that passed its contract still cannot be taken, or undefined.
 * A timestamp far ahead of the receiver's clock would win over every later
 * correction (the ledger keeps the newest), freezing the learner's grade, so
 * it is refused; the schema cannot judge it, having no clock.
 */
export function futureSkewIssue(data: Pick<ScoreReadyData, 'timestamp'>, nowMs: number, maxSkewSeconds: number): string | undefined {
  const limitNs = (BigInt(nowMs) + BigInt(maxSkewSeconds) * 1000n) * 1_000_000n;
  if (epochNanos(data.timestamp) <= limitNs) return undefined;
  return `timestamp: must be at most ${maxSkewSeconds} seconds ahead of the receiver's clock (it is now ${new Date(nowMs).toISOString()})`;
}
