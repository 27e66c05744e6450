/**
 * ISO 8601 timestamps compared exactly as written. Tools send microseconds
 * (AGS asks for sub-second precision); a round trip through `Date` keeps only
 * milliseconds and would make two distinct timestamps look equal.
 */
export interface PreciseInstant {
  /** Whole seconds since the epoch, UTC. */
  readonly seconds: number;
  /** Sub-second digits with trailing zeros removed ("5" for .500). */
  readonly fraction: string;
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,15}))?([Zz]|[+-]\d{2}:\d{2})$/;

/** Parses an ISO 8601 date-time with an offset; null when it is not one. */
export function parseTimestamp(text: string): PreciseInstant | null {
  const m = ISO.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second));
  date.setUTCFullYear(year);
  if (date.getUTCDate() !== day) return null; // 31 April and the like
  let offsetSeconds = 0;
  const zone = m[8];
  if (zone !== 'Z' && zone !== 'z') {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(4, 6));
    if (oh > 23 || om > 59) return null;
    offsetSeconds = (zone[0] === '-' ? -1 : 1) * (oh * 3600 + om * 60);
  }
  return { seconds: date.getTime() / 1000 - offsetSeconds, fraction: (m[7] ?? '').replace(/0+$/, '') };
}

export function compareInstants(a: PreciseInstant, b: PreciseInstant): -1 | 0 | 1 {
  if (a.seconds !== b.seconds) return a.seconds < b.seconds ? -1 : 1;
  const width = Math.max(a.fraction.length, b.fraction.length);
  const fa = a.fraction.padEnd(width, '0');
  const fb = b.fraction.padEnd(width, '0');
  return fa === fb ? 0 : fa < fb ? -1 : 1;
}

export const isTimestamp = (text: string): boolean => parseTimestamp(text) !== null;
