import { LtiaasError } from '../common/ltiaas.error';
import { compareInstants, parseTimestamp, PreciseInstant } from '../common/timestamp';
import { GradeRecord, TimestampMode } from '../lms/lms.types';

export interface TimestampDecision {
  /** Kept for future strict comparisons: the tool's timestamp when it sent one. */
  instant: PreciseInstant | null;
}

/**
 * Whether a score may be applied under the platform's timestamp mode.
 * `stamped`: LTIAAS-like, the tool's timestamp is ignored and arrival order wins.
 * `strict-409` (Moodle) and `strict-400` (Canvas): AGS's rule that a score not
 * newer than the one on record must not be applied (reference §7, §8).
 */
export function checkTimestamp(
  mode: TimestampMode,
  sent: string | undefined,
  existing: GradeRecord | undefined,
  lineItemId: string,
  userId: string,
  /** Built only for a refusal: URL parsing is not free on the hot path. */
  scoresUrl: () => string,
): TimestampDecision {
  const instant = sent === undefined ? null : parseTimestamp(sent);
  if (mode === 'stamped') return { instant };
  if (instant === null) {
    throw mode === 'strict-409'
      ? LtiaasError.fromLms(400, 'Incorrect score received', scoresUrl())
      : LtiaasError.fromLms(400, canvasError('bad_request', `Provided timestamp of ${sent ?? ''} not a valid timestamp`), scoresUrl());
  }
  if (existing?.instant && compareInstants(instant, existing.instant) <= 0) {
    throw mode === 'strict-409'
      ? LtiaasError.fromLms(409, `Refusing score with an earlier timestamp for item ${lineItemId} and user ${userId}`, scoresUrl())
      : LtiaasError.fromLms(
          400,
          canvasError('bad_request', `Provided timestamp of ${sent} before last updated timestamp of ${existing.timestamp}`),
          scoresUrl(),
        );
  }
  return { instant };
}

export function canvasError(type: string, message: string): { errors: { type: string; message: string } } {
  return { errors: { type, message } };
}
