import type { ScoreReadyData } from '@app/contracts';
import { newestPerRow, plan, uniqueByEventId } from './batch-plan';
import { lineItemKey } from './score-identity';

const base: ScoreReadyData = {
  platformId: 'p',
  contextId: 'c',
  resourceLinkId: 'r',
  userId: 'u1',
  scoreGiven: 1,
  scoreMaximum: 10,
  activityProgress: 'Completed',
  gradingProgress: 'FullyGraded',
  timestamp: '2026-01-01T00:00:00Z',
};
const score = (eventId: string, over: Partial<ScoreReadyData> = {}) => plan({ eventId, source: 'test', data: { ...base, ...over } });

describe('uniqueByEventId', () => {
  it('keeps the first occurrence of each event id', () => {
    const kept = uniqueByEventId([score('a'), score('b'), score('a', { scoreGiven: 9 })]);
    expect(kept.map((s) => [s.eventId, s.data.scoreGiven])).toEqual([
      ['a', 1],
      ['b', 1],
    ]);
  });
});

describe('newestPerRow', () => {
  it('keeps the newest score of each row, ordered exactly to the microsecond', () => {
    const { winners, stale } = newestPerRow([
      score('old', { timestamp: '2026-01-01T00:00:00.000001Z' }),
      score('new', { timestamp: '2026-01-01T00:00:00.000002Z' }),
      score('older', { timestamp: '2025-12-31T23:59:59Z' }),
    ]);
    expect(winners.map((w) => w.eventId)).toEqual(['new']);
    expect(stale.map((s) => s.eventId).sort()).toEqual(['old', 'older']);
  });

  it('compares instants across offsets, not strings', () => {
    const { winners } = newestPerRow([score('utc', { timestamp: '2026-01-01T10:00:00Z' }), score('paris', { timestamp: '2026-01-01T10:30:00+01:00' })]);
    expect(winners.map((w) => w.eventId)).toEqual(['utc']);
  });

  it('lets the first of two equal timestamps win, as across batches', () => {
    const { winners, stale } = newestPerRow([score('first'), score('second', { scoreGiven: 5 })]);
    expect(winners.map((w) => w.eventId)).toEqual(['first']);
    expect(stale.map((s) => s.eventId)).toEqual(['second']);
  });

  it('keeps one row per user and per line item selector', () => {
    const { winners } = newestPerRow([score('a'), score('b', { userId: 'u2' }), score('c', { lineItem: { tag: 'grade' } }), score('d', { lineItem: { scoreMaximum: 5 } })]);
    expect(winners.map((w) => w.eventId).sort()).toEqual(['a', 'b', 'c']);
  });
});

describe('lineItemKey', () => {
  it('is empty without a selector, or with only scoreMaximum', () => {
    expect(lineItemKey(undefined)).toBe('');
    expect(lineItemKey({ scoreMaximum: 10 })).toBe('');
  });

  it('identifies a selector by resourceId, tag and label only', () => {
    expect(lineItemKey({ resourceId: 'q', label: 'Quiz', scoreMaximum: 10 })).toBe(lineItemKey({ resourceId: 'q', label: 'Quiz', scoreMaximum: 20 }));
    expect(lineItemKey({ resourceId: 'q' })).not.toBe(lineItemKey({ tag: 'q' }));
  });
});
