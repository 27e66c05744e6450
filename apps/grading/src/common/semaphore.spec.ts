import { Semaphore } from './semaphore';
import { Wakeup } from './wakeup';

describe('Semaphore', () => {
  it('admits at most its size, then the waiters in arrival order', async () => {
    const slots = new Semaphore(2);
    const order: string[] = [];
    const a = await slots.acquire();
    await slots.acquire();
    const third = slots.acquire().then((release) => (order.push('third'), release));
    const fourth = slots.acquire().then((release) => (order.push('fourth'), release));
    expect(slots.inUse).toBe(2);
    a();
    a(); // a second release of the same slot is ignored
    await third;
    expect(order).toEqual(['third']);
    (await third)();
    await fourth;
    expect(order).toEqual(['third', 'fourth']);
  });
});

describe('Wakeup', () => {
  it('ends a wait early when woken, and keeps a wake that came while nobody waited', async () => {
    const wakeup = new Wakeup();
    const started = Date.now();
    setTimeout(() => wakeup.wake(), 10);
    await wakeup.wait(5000);
    expect(Date.now() - started).toBeLessThan(1000);
    wakeup.wake();
    const again = Date.now();
    await wakeup.wait(5000);
    expect(Date.now() - again).toBeLessThan(100);
  });
});
