import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { contextKey, envelope, epochNanos, jsonSchemas, SCORE_READY_V1, scoreReadyData, scoreReadyEvent } from './index';

const valid = {
  platformId: 'p1',
  contextId: 'c1',
  resourceLinkId: 'r1',
  userId: 'u1',
  scoreGiven: 7,
  scoreMaximum: 10,
  activityProgress: 'Completed',
  gradingProgress: 'FullyGraded',
  timestamp: '2026-11-23T10:00:00.123456+01:00',
};

const issuesOf = (input: unknown) => {
  const result = scoreReadyData.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => i.path.join('.'));
};

describe('ScoreReady v1', () => {
  it('accepts a valid score inside a CloudEvents envelope', () => {
    expect(scoreReadyEvent.safeParse(envelope(SCORE_READY_V1, 'test', valid)).success).toBe(true);
  });

  it.each([
    ['a missing userId', { ...valid, userId: undefined }, 'userId'],
    ['a wrong enum', { ...valid, activityProgress: 'Initiated' }, 'activityProgress'],
    ['a string score', { ...valid, scoreGiven: '7' }, 'scoreGiven'],
    ['a negative score', { ...valid, scoreGiven: -1 }, 'scoreGiven'],
    ['scoreGiven without scoreMaximum', { ...valid, scoreMaximum: undefined }, 'scoreMaximum'],
    ['a timestamp without offset', { ...valid, timestamp: '2026-11-23T10:00:00' }, 'timestamp'],
    ['an impossible date', { ...valid, timestamp: '2026-13-45T10:00:00Z' }, 'timestamp'],
    ['an unknown field', { ...valid, grade: 1 }, ''],
    ['a comment over 4000 characters', { ...valid, comment: 'x'.repeat(4001) }, 'comment'],
    ['a NUL in userId', { ...valid, userId: 'u\u0000' }, 'userId'],
    ['a lone surrogate in contextId', { ...valid, contextId: 'c\ud800' }, 'contextId'],
    ['a trailing low surrogate in platformId', { ...valid, platformId: 'p\udc00' }, 'platformId'],
    ['an escape character in resourceLinkId', { ...valid, resourceLinkId: 'r\u001b[0m' }, 'resourceLinkId'],
    ['DEL in a line item tag', { ...valid, lineItem: { tag: 't\u007f' } }, 'lineItem.tag'],
    ['a NUL in comment', { ...valid, comment: 'ok\u0000' }, 'comment'],
    ['a lone surrogate in comment', { ...valid, comment: '\udfff' }, 'comment'],
    ['a form feed in comment', { ...valid, comment: 'a\fb' }, 'comment'],
    ['a userId over 255 UTF-8 bytes', { ...valid, userId: '😀'.repeat(64) }, 'userId'],
    ['an infinite score', { ...valid, scoreGiven: Infinity }, 'scoreGiven'],
    ['NaN as maximum', { ...valid, scoreMaximum: NaN }, 'scoreMaximum'],
    ['February 31st', { ...valid, timestamp: '2026-02-31T10:00:00Z' }, 'timestamp'],
    ['hour 24', { ...valid, timestamp: '2026-02-01T24:00:00Z' }, 'timestamp'],
  ])('rejects %s, naming the field', (_name, input, field) => {
    expect(issuesOf(input)).toContain(field);
  });
});

describe('ScoreReady v1 limits', () => {
  it('accepts identifiers of exactly 255 UTF-8 bytes of 4-byte characters, line breaks in comments, and extra credit', () => {
    expect(issuesOf({ ...valid, userId: '😀'.repeat(63) + 'abc', comment: 'line 1\r\n\tline 2 😀', scoreGiven: 12, scoreMaximum: 10 })).toEqual([]);
    expect(issuesOf({ ...valid, comment: '😀'.repeat(4000) })).toEqual([]);
  });

  it('refuses an envelope whose id holds a NUL', () => {
    const result = scoreReadyEvent.safeParse(envelope(SCORE_READY_V1, 'test', valid, { id: 'e\u0000' }));
    expect(result.success ? [] : result.error.issues.map((i) => i.path.join('.'))).toContain('id');
  });
});

describe('epochNanos', () => {
  it('reads years below 100 as themselves', () => {
    expect(epochNanos('0001-01-01T00:00:00Z')).toBe(BigInt(Date.parse('0001-01-01T00:00:00Z')) * 1_000_000n);
  });

  it('orders by every fractional digit and honours offsets', () => {
    expect(epochNanos('2026-01-01T00:00:00.000001Z')).toBeGreaterThan(epochNanos('2026-01-01T00:00:00Z'));
    expect(epochNanos('2026-01-01T01:00:00.5+01:00')).toBe(epochNanos('2026-01-01T00:00:00.500Z'));
    expect(epochNanos('2026-01-01T00:00:00.123456789Z') - epochNanos('2026-01-01T00:00:00.123456788Z')).toBe(1n);
  });
});

describe('contextKey', () => {
  it('is unambiguous whatever the ids contain', () => {
    expect(contextKey({ platformId: 'a|b', contextId: 'c', resourceLinkId: 'd' })).not.toBe(contextKey({ platformId: 'a', contextId: 'b|c', resourceLinkId: 'd' }));
  });
});

describe('exported JSON Schemas', () => {
  it('are up to date with the zod contracts (run npm run contracts:export)', () => {
    const dir = join(__dirname, '..', 'json-schema');
    const expected = jsonSchemas();
    expect(readdirSync(dir).sort()).toEqual(Object.keys(expected).sort());
    for (const [file, schema] of Object.entries(expected)) {
      expect(JSON.parse(readFileSync(join(dir, file), 'utf8'))).toEqual(schema);
    }
  });
});
