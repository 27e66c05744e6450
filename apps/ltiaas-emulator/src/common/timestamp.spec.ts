import { compareInstants, parseTimestamp } from './timestamp';

const parse = (s: string) => {
  const p = parseTimestamp(s);
  if (!p) throw new Error(`not a timestamp: ${s}`);
  return p;
};

describe('timestamps', () => {
  it('tells microseconds apart that Date would merge', () => {
    const a = parse('2024-05-01T10:00:00.123456Z');
    const b = parse('2024-05-01T10:00:00.123457Z');
    expect(new Date('2024-05-01T10:00:00.123456Z').getTime()).toBe(new Date('2024-05-01T10:00:00.123457Z').getTime());
    expect(compareInstants(a, b)).toBe(-1);
    expect(compareInstants(b, a)).toBe(1);
  });

  it('treats trailing zeros and offsets as the same instant', () => {
    expect(compareInstants(parse('2024-05-01T10:00:00.5Z'), parse('2024-05-01T10:00:00.500000Z'))).toBe(0);
    expect(compareInstants(parse('2024-05-01T12:00:00+02:00'), parse('2024-05-01T10:00:00Z'))).toBe(0);
    expect(compareInstants(parse('2024-05-01T07:00:00.000001-03:00'), parse('2024-05-01T10:00:00Z'))).toBe(1);
  });

  it('refuses what is not an ISO 8601 date-time with an offset', () => {
    for (const bad of ['2024-05-01T10:00:00', '2024-05-01', '2024-02-30T10:00:00Z', '2024-05-01T24:00:00Z', 'yesterday', '2024-05-01T10:00:00+25:00']) {
      expect(parseTimestamp(bad)).toBeNull();
    }
  });
});
