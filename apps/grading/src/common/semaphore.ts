/** A counting semaphore: at most `size` holders at once, served in arrival order. */
export class Semaphore {
  private held = 0;
  private readonly queue: Array<() => void> = [];

  constructor(private readonly size: number) {}

  /** Resolves with the release function once a slot is free. */
  async acquire(): Promise<() => void> {
    if (this.held < this.size) this.held++;
    else await new Promise<void>((resolve) => this.queue.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      if (next) next();
      else this.held--;
    };
  }

  get inUse(): number {
    return this.held;
  }
}
