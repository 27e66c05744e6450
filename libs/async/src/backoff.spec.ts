import { backoffDelay } from './backoff';

describe('backoffDelay', () => {
  const half = () => 0.5;

  it('doubles its ceiling per attempt from the base, up to the maximum', () => {
    const delays = [1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(attempt, { baseMs: 100, maxMs: 1_000, random: () => 0.999999 }));
    expect(delays).toEqual([99, 199, 399, 799, 999, 999]);
  });

  it('draws full jitter from [0, ceiling) by default', () => {
    expect(backoffDelay(3, { baseMs: 1_000, maxMs: 60_000, random: () => 0 })).toBe(0);
    expect(backoffDelay(3, { baseMs: 1_000, maxMs: 60_000, random: half })).toBe(2_000);
  });

  it('draws equal jitter from [ceiling/2, ceiling)', () => {
    expect(backoffDelay(3, { baseMs: 1_000, maxMs: 60_000, jitter: 'equal', random: () => 0 })).toBe(2_000);
    expect(backoffDelay(3, { baseMs: 1_000, maxMs: 60_000, jitter: 'equal', random: half })).toBe(3_000);
  });

  it('treats an attempt below 1 as the first and stays finite after a very long outage', () => {
    expect(backoffDelay(0, { baseMs: 1_000, maxMs: 60_000, random: half })).toBe(500);
    expect(backoffDelay(10_000, { baseMs: 1_000, maxMs: 60_000, random: half })).toBe(30_000);
    expect(backoffDelay(10_000, { baseMs: 1_000, maxMs: Infinity, random: half })).toBe(2 ** 29 * 1_000);
  });

  it('uses Math.random unless given a source', () => {
    for (let i = 0; i < 100; i++) {
      const delay = backoffDelay(2, { baseMs: 100, maxMs: 1_000, jitter: 'equal' });
      expect(delay).toBeGreaterThanOrEqual(100);
      expect(delay).toBeLessThan(200);
    }
  });
});
