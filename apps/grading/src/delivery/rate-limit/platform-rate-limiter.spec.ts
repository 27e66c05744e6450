import { PlatformRateLimiter, type BudgetStore } from './platform-rate-limiter';

/** The shared budget as a plain in-memory bucket, on a manual clock. */
class FakeBudget implements BudgetStore {
  tokens = new Map<string, number>();
  rates = new Map<string, number>();
  takes: Array<{ platformId: string; wanted: number }> = [];
  decreases: string[] = [];
  increases: string[] = [];

  async take(platformId: string, wanted: number, defaults: { rate: number; burst: number }) {
    this.takes.push({ platformId, wanted });
    if (!this.tokens.has(platformId)) this.tokens.set(platformId, defaults.burst);
    const rate = this.rates.get(platformId) ?? defaults.rate;
    this.rates.set(platformId, rate);
    const available = this.tokens.get(platformId)!;
    const granted = Math.min(wanted, Math.floor(available));
    this.tokens.set(platformId, available - granted);
    return { granted, left: available - granted, rate };
  }

  refill(platformId: string, tokens: number) {
    this.tokens.set(platformId, (this.tokens.get(platformId) ?? 0) + tokens);
  }

  /** The shared window: what every limiter reported since it was last closed. */
  window = { ok: 0, throttled: 0, saturated: false, due: false };
  reports = 0;
  async report(platformId: string, seen: { ok: number; throttled: number; saturated: boolean }) {
    this.reports++;
    if (!this.rates.has(platformId)) return undefined;
    this.window.ok += seen.ok;
    this.window.throttled += seen.throttled;
    this.window.saturated ||= seen.saturated;
    return { rate: this.rates.get(platformId)!, ok: this.window.ok, throttled: this.window.throttled, due: this.window.due };
  }
  async closeWindow(platformId: string, _windowMs: number, judge: (w: { rate: number; stats: { ok: number; throttled: number; saturated: boolean; maxRemaining: number } }) => number) {
    if (!this.window.due) return undefined;
    const rate = judge({ rate: this.rates.get(platformId)!, stats: { ...this.window, maxRemaining: 0 } });
    if (rate > this.rates.get(platformId)!) this.increases.push(platformId);
    if (rate < this.rates.get(platformId)!) this.decreases.push(platformId);
    this.rates.set(platformId, rate);
    this.window = { ok: 0, throttled: 0, saturated: false, due: false };
    return rate;
  }
  async decrease(platformId: string, factor: number) {
    this.decreases.push(platformId);
    const rate = (this.rates.get(platformId) ?? 0) * factor;
    this.rates.set(platformId, rate);
    this.window = { ok: 0, throttled: 0, saturated: false, due: false };
    return rate;
  }
}

const settings = { initialRate: 100, burst: 5, minRate: 1, maxRate: 1000, increaseStep: 10, decreaseFactor: 0.5, throttleTolerance: 0.1, windowMs: 50 };
const tick = () => new Promise((r) => setTimeout(r, 20));

describe('PlatformRateLimiter', () => {
  let budget: FakeBudget;
  let limiter: PlatformRateLimiter;

  beforeEach(() => {
    budget = new FakeBudget();
    limiter = new PlatformRateLimiter(budget, settings);
  });

  afterEach(() => limiter.close());

  it('lets through as many requests as the shared budget grants, and holds the rest', async () => {
    let passed = 0;
    for (let i = 0; i < 8; i++) void limiter.acquire('slow').then(() => passed++, () => undefined);
    await tick();
    expect(passed).toBe(5);
    budget.refill('slow', 3);
    await new Promise((r) => setTimeout(r, 100));
    expect(passed).toBe(8);
  });

  it('never lets one platform hold back another', async () => {
    for (let i = 0; i < 20; i++) void limiter.acquire('slow').catch(() => undefined);
    await tick();
    const other = await Promise.race([limiter.acquire('fast').then(() => 'passed'), new Promise((r) => setTimeout(() => r('blocked'), 200))]);
    expect(other).toBe('passed');
  });

  it('lowers the shared rate when answers are throttled and raises it after saturated success', async () => {
    limiter.start();
    await limiter.acquire('p');
    limiter.report('p', { throttled: true });
    limiter.report('p', { throttled: false });
    budget.window.due = true;
    await new Promise((r) => setTimeout(r, 80));
    expect(budget.decreases).toEqual(['p']);
    expect(limiter.rateOf('p')).toBe(50);

    for (let i = 0; i < 10; i++) void limiter.acquire('p').catch(() => undefined); // more demand than tokens: saturated
    limiter.report('p', { throttled: false });
    budget.window.due = true;
    await new Promise((r) => setTimeout(r, 80));
    expect(budget.increases).toContain('p');
  });

  it('judges what the whole cluster saw in the window, once, not what one replica saw of it', async () => {
    const other = new PlatformRateLimiter(budget, settings);
    try {
      limiter.start();
      other.start();
      await limiter.acquire('p');
      // Alone, two refusals in three answers would halve the rate; the other replica's 60 clean answers make them noise.
      limiter.report('p', { throttled: true });
      limiter.report('p', { throttled: true });
      limiter.report('p', { throttled: false });
      for (let i = 0; i < 60; i++) other.report('p', { throttled: false });
      await new Promise((r) => setTimeout(r, 60));
      budget.window.due = true;
      limiter.report('p', { throttled: false });
      other.report('p', { throttled: false });
      await new Promise((r) => setTimeout(r, 60));
      expect(budget.decreases).toEqual([]);
      expect(budget.window.due).toBe(false); // closed by one of them, once
      expect(limiter.rateOf('p')).toBe(100);
    } finally {
      other.close();
    }
  });

  it('cuts at once on a flood of refusals, and ignores answers to requests sent before the cut', async () => {
    await limiter.acquire('p');
    const sentBefore = Date.now() - 1;
    for (let i = 0; i < 10; i++) limiter.report('p', { throttled: true, sentAt: sentBefore });
    await tick();
    expect(budget.decreases).toEqual(['p']);
    for (let i = 0; i < 30; i++) limiter.report('p', { throttled: true, sentAt: sentBefore });
    await tick();
    expect(budget.decreases).toEqual(['p']);
  });

  it('refuses waiters once closed', async () => {
    for (let i = 0; i < 5; i++) await limiter.acquire('p');
    const waiting = limiter.acquire('p');
    limiter.close();
    await expect(waiting).rejects.toThrow('rate limiter closed');
  });
});
