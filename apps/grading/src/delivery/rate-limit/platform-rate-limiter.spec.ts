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

  async decrease(platformId: string, factor: number) {
    this.decreases.push(platformId);
    const rate = (this.rates.get(platformId) ?? 0) * factor;
    this.rates.set(platformId, rate);
    return rate;
  }

  async increase(platformId: string, step: number) {
    this.increases.push(platformId);
    const rate = (this.rates.get(platformId) ?? 0) + step;
    this.rates.set(platformId, rate);
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
    await new Promise((r) => setTimeout(r, 80));
    expect(budget.decreases).toEqual(['p']);
    expect(limiter.rateOf('p')).toBe(50);

    for (let i = 0; i < 10; i++) void limiter.acquire('p').catch(() => undefined); // more demand than tokens: saturated
    limiter.report('p', { throttled: false });
    await new Promise((r) => setTimeout(r, 80));
    expect(budget.increases).toContain('p');
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
