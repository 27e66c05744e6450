import { epochNanos } from '@app/contracts';
import { identityKey, identityOf, type IncomingScore, type ScoreIdentity } from './score-identity';

export interface PlannedScore extends IncomingScore {
  identity: ScoreIdentity;
  key: string;
  timestampNs: bigint;
}

export function plan(score: IncomingScore): PlannedScore {
  const identity = identityOf(score.data);
  return { ...score, identity, key: identityKey(identity), timestampNs: epochNanos(score.data.timestamp) };
}

/** The first occurrence of every event id; a repeated id is a no-op. */
export function uniqueByEventId<T extends { eventId: string }>(scores: T[]): T[] {
  const seen = new Set<string>();
  return scores.filter((s) => (seen.has(s.eventId) ? false : (seen.add(s.eventId), true)));
}

/**
 * Per ledger row, the newest score of the batch; every other one is stale.
 * Equal timestamps: the first to arrive wins, a later equal one is stale,
 * exactly as it would be across batches. Winners come out sorted by row
 * identity so concurrent writers lock rows in the same order.
 */
export function newestPerRow(scores: PlannedScore[]): { winners: PlannedScore[]; stale: PlannedScore[] } {
  const best = new Map<string, PlannedScore>();
  const stale: PlannedScore[] = [];
  for (const score of scores) {
    const current = best.get(score.key);
    if (!current) best.set(score.key, score);
    else if (score.timestampNs > current.timestampNs) {
      stale.push(current);
      best.set(score.key, score);
    } else stale.push(score);
  }
  const winners = [...best.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { winners, stale };
}
