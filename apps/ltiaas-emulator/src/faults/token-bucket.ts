export interface TakeResult {
  ok: boolean;
  /** Whole tokens left after this request, as `X-Rate-Limit-Remaining` reports. */
  remaining: number;
  /** How long until one token is back (0 when ok). */
  retryAfterMs: number;
}

/** Classic token bucket: `burst` tokens, refilled at `perSecond`, one per request. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  take(now: number): TakeResult {
    const elapsed = Math.max(0, now - this.last);
    this.last = now;
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.perSecond) / 1000);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true, remaining: Math.floor(this.tokens), retryAfterMs: 0 };
    }
    return { ok: false, remaining: 0, retryAfterMs: Math.ceil(((1 - this.tokens) * 1000) / this.perSecond) };
  }
}
