export interface BackoffOptions {
  /** The ceiling of the first retry's delay; each further attempt doubles it. */
  baseMs: number;
  /** The ceiling never grows past this. */
  maxMs: number;
  /**
   * `full` (the default): uniform in [0, ceiling), which spreads retriers the
   * most; `equal`: uniform in [ceiling/2, ceiling), for a loop that must not
   * come back at once to something that just failed.
   */
  jitter?: 'full' | 'equal';
  /** [0, 1); Math.random unless a test fixes it. */
  random?: () => number;
}

/**
 * The delay before retry `attempt` (1 for the first): exponential with a cap,
 * jittered so that many clients failing together do not retry together
 * (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).
 */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  // The exponent is bounded so that a long outage never overflows to Infinity before the cap applies.
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(Math.max(attempt, 1) - 1, 30));
  const random = (options.random ?? Math.random)();
  return Math.floor(options.jitter === 'equal' ? ceiling / 2 + random * (ceiling / 2) : random * ceiling);
}
