import { futureSkewIssue } from './score-admission';

describe('futureSkewIssue', () => {
  const now = Date.parse('2026-06-01T12:00:00Z');

  it('takes timestamps up to the allowed skew ahead, and any in the past', () => {
    expect(futureSkewIssue({ timestamp: '2026-06-01T12:05:00Z' }, now, 300)).toBeUndefined();
    expect(futureSkewIssue({ timestamp: '2026-06-01T14:04:59+02:00' }, now, 300)).toBeUndefined();
    expect(futureSkewIssue({ timestamp: '0001-01-01T00:00:00Z' }, now, 300)).toBeUndefined();
  });

  it('refuses a timestamp beyond it, naming the field, to the microsecond', () => {
    expect(futureSkewIssue({ timestamp: '2026-06-01T12:05:00.000001Z' }, now, 300)).toMatch(/^timestamp: /);
    expect(futureSkewIssue({ timestamp: '9999-12-31T23:59:59Z' }, now, 300)).toMatch(/^timestamp: /);
  });
});
