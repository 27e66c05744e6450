import { decide, DEFAULT_AIMD } from './aimd';

const settings = { ...DEFAULT_AIMD, decreaseFactor: 0.5 };
const quiet = { ok: 50, throttled: 0, saturated: true, maxRemaining: 0 };

describe('AIMD', () => {
  it('halves on a throttled answer', () => {
    expect(decide({ ...quiet, throttled: 1 }, settings)).toEqual({ type: 'decrease', factor: 0.5 });
  });

  it('raises the rate additively only when the budget, not demand, was the limit', () => {
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
});
