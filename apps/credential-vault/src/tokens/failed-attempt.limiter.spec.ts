import { FailedAttemptLimiter } from './failed-attempt.limiter';

describe('FailedAttemptLimiter', () => {
  let now = 0;
  const limiter = () => new FailedAttemptLimiter({ maxFailures: 3, windowSeconds: 60, now: () => now });

  beforeEach(() => {
    now = 1_000_000;
  });

  it('lets subjects try until they reach the limit, then says how long to wait', () => {
    const l = limiter();
    for (let i = 0; i < 3; i++) {
      expect(l.retryAfterSeconds(['ip:a', 'key:x'])).toBe(0);
      l.recordFailure(['ip:a', 'key:x']);
    }
    expect(l.retryAfterSeconds(['ip:a', 'key:y'])).toBe(60);
    expect(l.retryAfterSeconds(['ip:b', 'key:x'])).toBe(60);
    expect(l.retryAfterSeconds(['ip:b', 'key:y'])).toBe(0);
    now += 45_500;
    expect(l.retryAfterSeconds(['ip:a'])).toBe(15);
  });

  it('forgets a window once it ends', () => {
    const l = limiter();
    for (let i = 0; i < 3; i++) l.recordFailure(['ip:a']);
    now += 60_000;
    expect(l.retryAfterSeconds(['ip:a'])).toBe(0);
    l.recordFailure(['ip:a']);
    expect(l.retryAfterSeconds(['ip:a'])).toBe(0);
  });

  it('tells whether a subject failed in its current window', () => {
    const l = limiter();
    expect(l.hasFailed('ip:a')).toBe(false);
    l.recordFailure(['ip:a']);
    expect(l.hasFailed('ip:a')).toBe(true);
    l.forgive(['ip:a']);
    expect(l.hasFailed('ip:a')).toBe(false);
    l.recordFailure(['ip:a']);
    now += 60_000;
    expect(l.hasFailed('ip:a')).toBe(false);
  });

  it('takes back a failure counted in advance for a good presentation', () => {
    const l = limiter();
    for (let i = 0; i < 3; i++) l.recordFailure(['ip:a']);
    l.forgive(['ip:a']);
    expect(l.retryAfterSeconds(['ip:a'])).toBe(0);
    l.forgive(['ip:unknown']);
  });

  it('stays bounded under a flood of distinct subjects', () => {
    const l = new FailedAttemptLimiter({ maxFailures: 1, windowSeconds: 60, maxTracked: 100, now: () => now });
    for (let i = 0; i < 10_000; i++) l.recordFailure([`ip:${i}`]);
    expect((l as unknown as { windows: Map<string, unknown> }).windows.size).toBeLessThanOrEqual(100);
    expect(l.retryAfterSeconds(['ip:9999'])).toBe(60);
  });
});
