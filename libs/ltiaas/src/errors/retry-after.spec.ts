import { parseRateLimitRemaining, parseRetryAfter } from './retry-after';

const NOW = Date.parse('2025-03-01T12:00:00Z');

describe('parseRetryAfter', () => {
  it.each([
    ['0', 0],
    ['1', 1000],
    ['120', 120_000],
    [' 7 ', 7000],
    ['1.5', 1500],
  ])('reads delay-seconds %p as %d ms', (value, ms) => {
    expect(parseRetryAfter(value, NOW)).toBe(ms);
  });

  it('reads an IMF-fixdate relative to the clock', () => {
    expect(parseRetryAfter('Sat, 01 Mar 2025 12:00:30 GMT', NOW)).toBe(30_000);
  });

  it('reads the obsolete RFC 850 and asctime date forms', () => {
    expect(parseRetryAfter('Saturday, 01-Mar-25 12:01:00 GMT', NOW)).toBe(60_000);
    expect(parseRetryAfter('Sat Mar  1 12:00:05 2025 GMT', NOW)).toBe(5000);
  });

  it('turns a date in the past into 0', () => {
    expect(parseRetryAfter('Sat, 01 Mar 2025 11:00:00 GMT', NOW)).toBe(0);
  });

  it('takes the first of repeated headers', () => {
    expect(parseRetryAfter(['3', '9'], NOW)).toBe(3000);
  });

  it.each([undefined, '', '   ', '-5', 'soon', 'Sat, 99 Foo 2025', '1e3'])('gives no hint for %p', (value) => {
    expect(parseRetryAfter(value, NOW)).toBeUndefined();
  });
});

describe('parseRateLimitRemaining', () => {
  it.each([
    ['700.0', 700],
    ['0', 0],
    ['-12.5', -12.5],
    [['3', '4'], 3],
  ])('reads %p', (value, remaining) => {
    expect(parseRateLimitRemaining(value)).toBe(remaining);
  });

  it.each([undefined, '', 'lots'])('is undefined for %p', (value) => {
    expect(parseRateLimitRemaining(value)).toBeUndefined();
  });
});
