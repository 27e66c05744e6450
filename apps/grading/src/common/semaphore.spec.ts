import { Semaphore } from './semaphore';

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

describe('Semaphore waking in batches', () => {
  it('lets waiters in only once a batch of places is free, or when every waiter fits', async () => {
    const stage = new Semaphore(4, 2);
    const holders = await Promise.all([stage.acquire(), stage.acquire(), stage.acquire(), stage.acquire()]);
    const admitted: number[] = [];
    const waiters = [1, 2, 3].map((n) => stage.acquire().then((release) => (admitted.push(n), release)));
    holders[0]();
    await Promise.resolve();
    expect(admitted).toEqual([]); // one place free, three waiting: not yet
    holders[1]();
    await new Promise((resolve) => setImmediate(resolve));
    expect(admitted).toEqual([1, 2]);
    holders[2]();
    await new Promise((resolve) => setImmediate(resolve));
    expect(admitted).toEqual([1, 2, 3]); // the last waiter fits alone
    expect(stage.inUse).toBe(4);
    for (const release of await Promise.all(waiters)) release();
    holders[3]();
    expect(stage.inUse).toBe(0);
    // Free places and no waiters: taken at once.
    const quick = await stage.acquire();
    expect(stage.inUse).toBe(1);
    quick();
  });
});
