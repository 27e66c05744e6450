import { z } from 'zod';

const ISO_WITH_OFFSET = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/**
 * An ISO 8601 timestamp with an offset, kept as the grader wrote it. Graders
 * send microseconds and JavaScript's Date keeps milliseconds, so ordering
 * uses epochNanos() rather than Date.
 */
export const isoTimestamp = z
  .string()
  .regex(ISO_WITH_OFFSET, 'must be ISO 8601 with a time zone offset, e.g. 2026-01-31T12:00:00.123456Z')
  .refine(isRealDateTime, 'is not a real date and time');

/** Date.parse rolls 2026-02-31 over into March and takes 24:00; a grader's typo must not become another date. */
function isRealDateTime(value: string): boolean {
  const match = ISO_WITH_OFFSET.exec(value);
  if (!match) return false;
  const [, y, mo, d, h, mi, s, , offset] = match;
  if (+h > 23 || +mi > 59 || +s > 59 || +mo < 1 || +mo > 12 || +d < 1) return false;
  if (offset !== 'Z' && (+offset.slice(1, 3) > 23 || +offset.slice(4, 6) > 59)) return false;
  const date = new Date(0);
  date.setUTCFullYear(+y, +mo - 1, +d);
  return date.getUTCDate() === +d;
}

/** Nanoseconds since the epoch, exact to every fractional digit given. */
export function epochNanos(timestamp: string): bigint {
  const match = ISO_WITH_OFFSET.exec(timestamp);
  if (!match) throw new Error(`not an ISO 8601 timestamp with offset: ${timestamp}`);
  const [, y, mo, d, h, mi, s, fraction = '', offset] = match;
  // Not Date.UTC: it reads years 0 to 99 as 1900 to 1999.
  const date = new Date(0);
  date.setUTCFullYear(+y, +mo - 1, +d);
  date.setUTCHours(+h, +mi, +s, 0);
  const wholeSecondsMs = date.getTime();
  let offsetMinutes = 0;
  if (offset !== 'Z') {
    const sign = offset[0] === '-' ? -1 : 1;
    offsetMinutes = sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)));
  }
  const utcMs = BigInt(wholeSecondsMs) - BigInt(offsetMinutes) * 60_000n;
  return utcMs * 1_000_000n + BigInt(fraction.padEnd(9, '0'));
}
