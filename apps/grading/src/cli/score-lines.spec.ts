import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_LINE_CHARS, parseScoreLine, readScoreLines, type ScoreLine } from './score-lines';

const score = {
  platformId: 'p',
  contextId: 'c',
  resourceLinkId: 'r',
  userId: 'u',
  scoreGiven: 7,
  scoreMaximum: 10,
  activityProgress: 'Completed',
  gradingProgress: 'FullyGraded',
  timestamp: '2026-01-31T12:00:00.123456Z',
};

describe('parseScoreLine', () => {
  it('accepts a ScoreReady data object', () => {
    expect(parseScoreLine(JSON.stringify(score), 3)).toEqual({ lineNumber: 3, kind: 'valid', data: score });
  });

  it('treats whitespace-only lines and a leading byte-order mark as nothing', () => {
    expect(parseScoreLine('   ', 2)).toEqual({ lineNumber: 2, kind: 'blank' });
    expect(parseScoreLine(`\uFEFF${JSON.stringify(score)}`, 1).kind).toBe('valid');
  });

  it('says why a line is not JSON', () => {
    const line = parseScoreLine('{"platformId":', 4);
    expect(line).toMatchObject({ lineNumber: 4, kind: 'invalid' });
    expect((line as { reason: string }).reason).toMatch(/^not valid JSON/);
  });

  it('names every field at fault', () => {
    const { scoreMaximum: _omitted, ...withoutMaximum } = score;
    const line = parseScoreLine(JSON.stringify({ ...withoutMaximum, activityProgress: 'Done', extra: true }), 9) as Extract<ScoreLine, { kind: 'invalid' }>;
    expect(line.kind).toBe('invalid');
    expect(line.reason).toMatch(/activityProgress: /);
    expect(line.reason).toMatch(/Unrecognized key: "extra"/);
    expect(line.reason).toMatch(/scoreMaximum: scoreMaximum is required when scoreGiven is present|activityProgress/);
  });

  it('rejects an overlong line without parsing it', () => {
    expect(parseScoreLine(`"${'x'.repeat(MAX_LINE_CHARS)}"`, 1)).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(/longer than/) });
  });
});

describe('readScoreLines', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'score-lines-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('numbers lines from 1, handles CRLF and a missing final newline, and shows every byte', async () => {
    const file = join(dir, 'scores.ndjson');
    const content = `${JSON.stringify(score)}\r\n\r\nnope\r\n${JSON.stringify({ ...score, userId: 'u2' })}`;
    writeFileSync(file, content);
    const seen: Buffer[] = [];
    const lines: ScoreLine[] = [];
    for await (const line of readScoreLines(file, (chunk) => seen.push(chunk))) lines.push(line);
    expect(lines.map((l) => [l.lineNumber, l.kind])).toEqual([
      [1, 'valid'],
      [2, 'blank'],
      [3, 'invalid'],
      [4, 'valid'],
    ]);
    expect(Buffer.concat(seen).toString()).toBe(content);
  });
});

describe('parseScoreLine: what grading would refuse on receipt', () => {
  const line = (over: Record<string, unknown>) =>
    JSON.stringify({ platformId: 'p', contextId: 'c', resourceLinkId: 'r', userId: 'u', activityProgress: 'Completed', gradingProgress: 'FullyGraded', timestamp: '2026-01-01T00:00:00Z', ...over });
  const rules = { now: () => Date.parse('2026-06-01T00:00:00Z'), maxFutureSkewSeconds: 300 };

  it('names a control character in an identifier and a timestamp too far ahead', () => {
    expect(parseScoreLine(line({ userId: 'a\u0000b' }), 1, rules)).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(/^userId: /) });
    expect(parseScoreLine(line({ timestamp: '9999-12-31T23:59:59Z' }), 2, rules)).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(/^timestamp: /) });
    expect(parseScoreLine(line({}), 3, rules)).toMatchObject({ kind: 'valid' });
  });
});
