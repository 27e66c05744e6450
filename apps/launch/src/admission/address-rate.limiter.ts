export interface AddressRateLimits {
  /** Requests admitted per address in one window. */
  limit: number;
  windowMs: number;
  /** Bound on tracked addresses, so a flood from many addresses cannot exhaust memory. */
  maxTracked?: number;
  now?: () => number;
}

interface Window {
  startedAt: number;
  count: number;
}

/**
 * Admits at most `limit` requests per client address in fixed windows that
 * start at an address's first request. Fixed windows, not a sliding log:
 * one counter per address is all a flood can make us keep.
 *
 * In memory, per launch process: with N replicas an address gets up to N
 * times the limit. It is there so one address cannot spend the LTIAAS
 * account's quota, not to meter real users, so that is good enough.
 */
export class AddressRateLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly maxTracked: number;
  private readonly now: () => number;

  constructor(private readonly limits: AddressRateLimits) {
    this.maxTracked = limits.maxTracked ?? 100_000;
    this.now = limits.now ?? Date.now;
  }

  /** Counts a request from the address: 0 when admitted, else the seconds until its window ends. */
  take(address: string): number {
    const now = this.now();
    let window = this.windows.get(address);
    if (!window || window.startedAt + this.limits.windowMs <= now) {
      if (window) this.windows.delete(address);
      this.makeRoom(now);
      window = { startedAt: now, count: 0 };
      this.windows.set(address, window);
    }
    if (window.count >= this.limits.limit) return Math.max(1, Math.ceil((window.startedAt + this.limits.windowMs - now) / 1000));
    window.count += 1;
    return 0;
  }

  private makeRoom(now: number): void {
    if (this.windows.size < this.maxTracked) return;
    for (const [address, window] of this.windows) {
      if (window.startedAt + this.limits.windowMs <= now) this.windows.delete(address);
    }
    // Still full of live windows: drop the oldest (a Map keeps insertion order).
    for (const address of this.windows.keys()) {
      if (this.windows.size < this.maxTracked) break;
      this.windows.delete(address);
    }
  }
}
