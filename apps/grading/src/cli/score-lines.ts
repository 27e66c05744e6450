import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { scoreReadyData, type ScoreReadyData } from '@app/contracts';
import { DEFAULT_MAX_FUTURE_SKEW_SECONDS, futureSkewIssue } from '../common/future-skew';

/** The clock-dependent rule grading applies on receipt, checked here too so a file's bad lines are named before anything is sent. */
export interface LineRules {
  now: () => number;
  maxFutureSkewSeconds: number;
}
const DEFAULT_RULES: LineRules = { now: Date.now, maxFutureSkewSeconds: DEFAULT_MAX_FUTURE_SKEW_SECONDS };

/** No valid ScoreReady comes near this; a longer line is reported, not parsed. */
export const MAX_LINE_CHARS = 64 * 1024;

export type ScoreLine =
  | { lineNumber: number; kind: 'valid'; data: ScoreReadyData }
  | { lineNumber: number; kind: 'invalid'; reason: string }
  | { lineNumber: number; kind: 'blank' };

/** Why one line of the file is not a ScoreReady data object, or its data. */
export function parseScoreLine(text: string, lineNumber: number, rules: LineRules = DEFAULT_RULES): ScoreLine {
  const trimmed = (lineNumber === 1 ? text.replace(/^\uFEFF/, '') : text).trim();
  if (trimmed === '') return { lineNumber, kind: 'blank' };
  if (trimmed.length > MAX_LINE_CHARS) return { lineNumber, kind: 'invalid', reason: `line is longer than ${MAX_LINE_CHARS} characters` };
  let raw: unknown;
  try {
    raw = JSON.parse(trimmed);
  } catch (error) {
    return { lineNumber, kind: 'invalid', reason: `not valid JSON (${(error as Error).message})` };
  }
  const parsed = scoreReadyData.safeParse(raw);
  if (parsed.success) {
    const issue = futureSkewIssue(parsed.data, rules.now(), rules.maxFutureSkewSeconds);
    return issue ? { lineNumber, kind: 'invalid', reason: issue } : { lineNumber, kind: 'valid', data: parsed.data };
  }
  const reason = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
  return { lineNumber, kind: 'invalid', reason };
}

/**
 * Reads the file one line at a time. Only the current chunk and line are held,
 * whatever the file's size: the iterator pauses the stream while the caller
 * awaits (a publish, say). `onChunk` sees every raw byte, for hashing and
 * byte progress.
 */
export async function* readScoreLines(path: string, onChunk?: (chunk: Buffer) => void): AsyncGenerator<ScoreLine> {
  const input = createReadStream(path, { highWaterMark: 64 * 1024 });
  if (onChunk) input.on('data', (chunk) => onChunk(chunk as Buffer));
  const lines = createInterface({ input, crlfDelay: Infinity });
  let lineNumber = 0;
  try {
    for await (const text of lines) {
      lineNumber += 1;
      yield parseScoreLine(text, lineNumber);
    }
  } finally {
    lines.close();
    input.destroy();
  }
}
