import { decide, DEFAULT_AIMD, nextRate, overwhelmed } from './aimd';

const settings = { ...DEFAULT_AIMD, decreaseFactor: 0.5, throttleTolerance: 0.1 };
const quiet = { ok: 50, throttled: 0, saturated: true, maxRemaining: 0 };

describe('AIMD', () => {
  it('halves the rate when a real share of answers is throttled', () => {
    expect(decide({ ...quiet, ok: 40, throttled: 10 }, settings)).toEqual({ type: 'decrease', factor: 0.5 });
  });

  it('cuts to about what got through when most answers were refused', () => {
    expect(decide({ ...quiet, ok: 20, throttled: 80 }, settings)).toEqual({ type: 'decrease', factor: expect.closeTo(0.2, 5) });
    expect(decide({ ...quiet, ok: 0, throttled: 500 }, settings)).toEqual({ type: 'decrease', factor: 0.1 });
  });

  it('reads a stray throttled answer as noise: no cut, but no raise either', () => {
    expect(decide({ ...quiet, ok: 97, throttled: 3 }, settings)).toEqual({ type: 'hold' });
  });

  it('cuts on a single refusal when that is most of what was sent', () => {
    expect(decide({ ...quiet, ok: 1, throttled: 1 }, settings)).toEqual({ type: 'decrease', factor: 0.5 });
  });

  it('raises the rate only after a clean window in which the budget, not demand, was the limit', () => {
    expect(decide(quiet, settings)).toEqual({ type: 'increase' });
    expect(decide({ ...quiet, saturated: false }, settings)).toEqual({ type: 'hold' });
    expect(decide({ ...quiet, ok: 0 }, settings)).toEqual({ type: 'hold' });
  });

  it('brakes early when the LMS quota runs low and keeps falling (Canvas X-Rate-Limit-Remaining)', () => {
    expect(decide({ ...quiet, maxRemaining: 700, previousRemaining: 200, remaining: 120 }, settings)).toEqual({ type: 'decrease', factor: 0.85 });
    expect(decide({ ...quiet, maxRemaining: 700, previousRemaining: 100, remaining: 120 }, settings)).toEqual({ type: 'hold' });
  });

  it('does not raise the rate while the quota is below half', () => {
    expect(decide({ ...quiet, maxRemaining: 700, previousRemaining: 300, remaining: 300 }, settings)).toEqual({ type: 'hold' });
    expect(decide({ ...quiet, maxRemaining: 700, previousRemaining: 600, remaining: 650 }, settings)).toEqual({ type: 'increase' });
  });

  it('acts within the window only on a flood of refusals', () => {
    expect(overwhelmed({ ok: 2, throttled: 10 })).toBe(true);
    expect(overwhelmed({ ok: 200, throttled: 10 })).toBe(false);
    expect(overwhelmed({ ok: 0, throttled: 3 })).toBe(false);
  });

  it('moves the rate within its bounds: a cut never below the floor, a raise by the step but at most a tenth', () => {
    const bounds = { minRate: 1, maxRate: 500, increaseStep: 20 };
    expect(nextRate(100, { type: 'decrease', factor: 0.5 }, bounds)).toBe(50);
    expect(nextRate(1.5, { type: 'decrease', factor: 0.1 }, bounds)).toBe(1);
    expect(nextRate(100, { type: 'increase' }, bounds)).toBe(110);
    expect(nextRate(400, { type: 'increase' }, bounds)).toBe(420);
    expect(nextRate(495, { type: 'increase' }, bounds)).toBe(500);
    expect(nextRate(100, { type: 'hold' }, bounds)).toBe(100);
  });
});
