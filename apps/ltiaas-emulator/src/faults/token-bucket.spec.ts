import { mulberry32, streamSeed } from './prng';
import { TokenBucket } from './token-bucket';

describe('TokenBucket', () => {
  it('allows a burst, then refills at the rate', () => {
    const bucket = new TokenBucket(10, 2, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0)].map((r) => r.ok)).toEqual([true, true, false]);
    expect(bucket.take(0).retryAfterMs).toBe(100);
    expect(bucket.take(100)).toEqual({ ok: true, remaining: 0, retryAfterMs: 0 });
    expect(bucket.take(10_000).remaining).toBe(1);
  });
});

describe('prng', () => {
  it('gives repeatable, independent streams in [0, 1)', () => {
    const a = mulberry32(streamSeed(1, 0));
    const b = mulberry32(streamSeed(1, 0));
    const c = mulberry32(streamSeed(1, 1));
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 1000 }, () => c())).not.toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(Math.abs(xs.reduce((s, x) => s + x, 0) / xs.length - 0.5)).toBeLessThan(0.05);
  });
});
