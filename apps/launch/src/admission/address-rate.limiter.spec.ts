import { AddressRateLimiter } from './address-rate.limiter';

describe('AddressRateLimiter', () => {
  it('admits `limit` requests per address per window, then says how long until the window ends', () => {
    let now = 1_000_000;
    const limiter = new AddressRateLimiter({ limit: 3, windowMs: 60_000, now: () => now });
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([0, 0, 0]);
    expect(limiter.take('a')).toBe(60);
    expect(limiter.take('b')).toBe(0);
    now += 45_500;
    expect(limiter.take('a')).toBe(15);
    now += 14_500;
    expect(limiter.take('a')).toBe(0);
  });

  it('never answers 0 seconds to a refused request, even at the end of a window', () => {
    let now = 0;
    const limiter = new AddressRateLimiter({ limit: 1, windowMs: 1_000, now: () => now });
    limiter.take('a');
    now = 999;
    expect(limiter.take('a')).toBe(1);
  });

  it('keeps at most maxTracked addresses, dropping ended windows first and then the oldest', () => {
    let now = 0;
    const limiter = new AddressRateLimiter({ limit: 1, windowMs: 1_000, maxTracked: 2, now: () => now });
    limiter.take('a');
    now = 500;
    limiter.take('b');
    limiter.take('c');
    // a was dropped to make room: it starts afresh; b and c are still counted.
    expect(limiter.take('b')).toBeGreaterThan(0);
    expect(limiter.take('c')).toBeGreaterThan(0);
    now = 2_000;
    expect(limiter.take('a')).toBe(0);
  });
});
