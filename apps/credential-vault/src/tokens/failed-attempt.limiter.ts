export interface FailedAttemptLimits {
  /** Failed presentations allowed per client address, and per key prefix, within a window. */
  maxFailures: number;
  windowSeconds: number;
  /** Bound on tracked addresses and prefixes, so a flood of distinct ones cannot exhaust memory. */
  maxTracked?: number;
  now?: () => number;
}

interface Window {
  startedAt: number;
  failures: number;
}

/**
 * Counts failed API key presentations per subject (a client address, a key
 * prefix) in fixed windows. Once a subject reaches the limit it may not try
 * again until its window ends; what that means per subject is the caller's
 * policy (see TokensService).
 *
 * Kept in memory, so each vault replica counts on its own: with N replicas
 * an attacker gets at most N times the limit. Key guessing is hopeless against
 * 256-bit keys anyway; the limiter is there to cut noise and brute force
 * against weak bootstrap keys, and a shared counter is not worth a database
 * write per failure.
 */
export class FailedAttemptLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly windowMs: number;
  private readonly maxTracked: number;
  private readonly now: () => number;

  constructor(private readonly limits: FailedAttemptLimits) {
    this.windowMs = limits.windowSeconds * 1000;
    this.maxTracked = limits.maxTracked ?? 100_000;
    this.now = limits.now ?? Date.now;
  }

  /** Seconds until these subjects may try again, or 0 when they may now. */
  retryAfterSeconds(subjects: readonly string[]): number {
    const now = this.now();
    let waitMs = 0;
    for (const subject of subjects) {
      const window = this.windows.get(subject);
      if (!window) continue;
      const endsAt = window.startedAt + this.windowMs;
      if (endsAt <= now) this.windows.delete(subject);
      else if (window.failures >= this.limits.maxFailures) waitMs = Math.max(waitMs, endsAt - now);
    }
    return Math.ceil(waitMs / 1000);
  }

  recordFailure(subjects: readonly string[]): void {
    const now = this.now();
    for (const subject of subjects) {
      const window = this.windows.get(subject);
      if (window && window.startedAt + this.windowMs > now) {
        window.failures += 1;
      } else {
        if (window) this.windows.delete(subject);
        this.makeRoom(now);
        this.windows.set(subject, { startedAt: now, failures: 1 });
      }
    }
  }

  /** Whether the subject failed within its current window. */
  hasFailed(subject: string): boolean {
    const window = this.windows.get(subject);
    return window !== undefined && window.startedAt + this.windowMs > this.now() && window.failures > 0;
  }

  /** Takes back a failure counted in advance for a presentation that turned out good. */
  forgive(subjects: readonly string[]): void {
    const now = this.now();
    for (const subject of subjects) {
      const window = this.windows.get(subject);
      if (window && window.startedAt + this.windowMs > now && window.failures > 0) window.failures -= 1;
    }
  }

  private makeRoom(now: number): void {
    if (this.windows.size < this.maxTracked) return;
    for (const [subject, window] of this.windows) {
      if (window.startedAt + this.windowMs <= now) this.windows.delete(subject);
    }
    // Still full of live windows: drop the oldest (Map keeps insertion order).
    for (const subject of this.windows.keys()) {
      if (this.windows.size < this.maxTracked) break;
      this.windows.delete(subject);
    }
  }
}
