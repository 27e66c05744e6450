/**
 * A counting semaphore: at most `size` holders at once, served in arrival
 * order. With `wakeInBatchesOf` above 1, waiters are let in only once that
 * many places are free (or every waiter fits), so that what they do next
 * (a database round trip) is done for several at once rather than one by one.
 */
export class Semaphore {
  private held = 0;
  private readonly queue: Array<() => void> = [];

  constructor(
    private readonly size: number,
    private readonly wakeInBatchesOf = 1,
  ) {}

  /** Resolves with the release function once a place is free. */
  async acquire(): Promise<() => void> {
    if (this.queue.length === 0 && this.held < this.size) this.held++;
    else
      await new Promise<void>((resolve) => {
        this.queue.push(resolve);
        this.admit();
      });
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held--;
      this.admit();
    };
  }

  get inUse(): number {
    return this.held;
  }

  private admit(): void {
    const free = this.size - this.held;
    if (this.queue.length === 0 || free <= 0) return;
    if (free < this.wakeInBatchesOf && free < this.queue.length) return;
    for (const resolve of this.queue.splice(0, free)) {
      this.held++;
      resolve();
    }
  }
}
