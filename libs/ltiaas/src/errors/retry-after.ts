const DELAY_SECONDS = /^\s*(\d+(?:\.\d+)?)\s*$/;

/**
 * Milliseconds to wait from a `Retry-After` value: delay-seconds or an
 * HTTP-date (RFC 9110 §10.2.3). A date in the past means "now" (0); anything
 * unreadable means the server gave no usable hint (undefined).
 */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw.trim() === '') return undefined;
  const seconds = DELAY_SECONDS.exec(raw);
  if (seconds) return Math.round(Number(seconds[1]) * 1000);
  if (!/[a-z]/i.test(raw)) return undefined; // a bare negative or odd number is not a date
  const at = Date.parse(raw);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** Canvas sends a float (`"700.0"`); absent or unreadable is undefined. */
export function parseRateLimitRemaining(value: string | string[] | undefined): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw === '') return undefined;
  const remaining = Number(raw);
  return Number.isFinite(remaining) ? remaining : undefined;
}
