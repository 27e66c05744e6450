import { Wakeup } from './wakeup';

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
