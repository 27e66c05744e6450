import { platformSeries } from './activity-buckets';

describe('platformSeries', () => {
  const since = new Date('2026-12-05T10:00:00Z');
  const now = new Date('2026-12-05T10:14:59Z');

  it('gives every platform the same buckets, zero where nothing happened, platforms in name order', () => {
    const series = platformSeries(
      [
        { platformId: 'moodle', start: new Date('2026-12-05T10:05:00Z'), delivered: 3, throttled: 1, failed: 0 },
        { platformId: 'canvas', start: new Date('2026-12-05T10:00:00Z'), delivered: 7, throttled: 0, failed: 1 },
      ],
      since,
      now,
      300,
    );
    expect(series.map((s) => s.platformId)).toEqual(['canvas', 'moodle']);
    expect(series[0].buckets).toEqual([
      { start: '2026-12-05T10:00:00.000Z', delivered: 7, throttled: 0, failed: 1 },
      { start: '2026-12-05T10:05:00.000Z', delivered: 0, throttled: 0, failed: 0 },
      { start: '2026-12-05T10:10:00.000Z', delivered: 0, throttled: 0, failed: 0 },
    ]);
    expect(series[1].buckets[1]).toEqual({ start: '2026-12-05T10:05:00.000Z', delivered: 3, throttled: 1, failed: 0 });
  });

  it('answers no series when nothing was attempted', () => {
    expect(platformSeries([], since, now, 300)).toEqual([]);
  });
});
