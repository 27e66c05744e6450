/**
 * A wake-up call for a polling loop: `wait(ms)` resolves after `ms` or as
 * soon as someone calls `wake()`, whichever comes first. A wake that comes
 * while nobody waits is kept for the next wait, so none is lost.
 */
export class Wakeup {
  private pending = false;
  private waiter?: () => void;

  wake(): void {
    if (this.waiter) this.waiter();
    else this.pending = true;
  }

  wait(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done(): void {
        clearTimeout(timer);
        if (self.waiter === done) self.waiter = undefined;
        resolve();
      }
      this.waiter = done;
    });
  }
}

/** Waits for `promise`, or `ms` at most; leaves no timer behind either way. */
export async function waitAtMost(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
