import { LtiaasError } from '../common/ltiaas.error';
import { parseTimestamp } from '../common/timestamp';
import { GradeRecord } from '../lms/lms.types';
import { checkTimestamp } from './timestamp-policy';

const stored = (timestamp: string): GradeRecord => ({
  lineItemId: 'li',
  platformId: 'p',
  contextId: 'c',
  userId: 'u',
  scoreGiven: 1,
  scoreMaximum: 1,
  activityProgress: 'Completed',
  gradingProgress: 'FullyGraded',
  comment: null,
  timestamp,
  instant: parseTimestamp(timestamp),
  stampedAt: timestamp,
  writes: 1,
  refusedWrites: 0,
});

function statusOf(fn: () => unknown): number | 'ok' {
  try {
    fn();
    return 'ok';
  } catch (err) {
    if (err instanceof LtiaasError) return err.status;
    throw err;
  }
}

describe('checkTimestamp', () => {
  const last = stored('2024-05-01T10:00:00.000002Z');
  const check = (mode: 'stamped' | 'strict-409' | 'strict-400', sent: string | undefined) =>
    statusOf(() => checkTimestamp(mode, sent, last, 'li', 'u', () => 'li/scores'));

  it('stamped: ignores the tool timestamp, older or absent', () => {
    expect(check('stamped', '2020-01-01T00:00:00Z')).toBe('ok');
    expect(check('stamped', undefined)).toBe('ok');
  });

  it('strict-409 (Moodle): refuses older and equal, 400 without a timestamp', () => {
    expect(check('strict-409', '2024-05-01T10:00:00.000001Z')).toBe(409);
    expect(check('strict-409', '2024-05-01T10:00:00.0000020Z')).toBe(409);
    expect(check('strict-409', '2024-05-01T10:00:00.000003Z')).toBe('ok');
    expect(check('strict-409', undefined)).toBe(400);
  });

  it('strict-400 (Canvas): refuses older and equal with 400, in the LMS wrapper', () => {
    expect(check('strict-400', '2024-05-01T12:00:00.000002+02:00')).toBe(400);
    expect(check('strict-400', '2024-05-01T10:00:01Z')).toBe('ok');
    try {
      checkTimestamp('strict-400', '2024-05-01T09:00:00Z', last, 'li', 'u', () => 'li/scores');
    } catch (err) {
      expect((err as LtiaasError).body().details).toMatchObject({ externalError: true, externalUrl: 'li/scores' });
    }
  });
});
