// Runs the backfill command as its own OS process, from the sources (so the
// suite needs no build), and collects what it printed.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import type { BackfillSummary } from '../../apps/grading/src/cli/backfill.runner';

const ROOT = join(__dirname, '..', '..');
const ENTRY = join(ROOT, 'apps', 'grading', 'src', 'cli', 'backfill.ts');

/** The summary line the command prints last, as JSON. */
export type BackfillSummaryLine = BackfillSummary;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The JSON summary line on stdout, when there is one. */
  summary?: BackfillSummaryLine;
}

export async function runBackfill(args: string[], env: NodeJS.ProcessEnv, options: { maxOldSpaceMb?: number } = {}): Promise<CliResult> {
  const heapArgs = options.maxOldSpaceMb
    ? // The young generation pinned small too: V8 sizes it by release (Node.js 24's is several times
      // Node.js 20's), and a long run fills it where a short one never does, which RSS would count as ours.
      [`--max-old-space-size=${options.maxOldSpaceMb}`, '--max-semi-space-size=1']
    : [];
  const nodeArgs = [...heapArgs, '-r', 'ts-node/register', '-r', 'tsconfig-paths/register', ENTRY, ...args];
  const child = spawn(process.execPath, nodeArgs, {
    cwd: ROOT,
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const [code] = (await once(child, 'close')) as [number | null];
  const last = stdout.trim().split('\n').pop();
  let summary: BackfillSummaryLine | undefined;
  try {
    summary = last ? (JSON.parse(last) as BackfillSummaryLine) : undefined;
  } catch {
    summary = undefined;
  }
  return { code, stdout, stderr, summary };
}

export const scoreLine = (i: number, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({
    platformId: 'https://lms.example.edu',
    contextId: `course-${i % 7}`,
    resourceLinkId: 'quiz-1',
    userId: `user-${i}`,
    scoreGiven: i % 11,
    scoreMaximum: 10,
    activityProgress: 'Completed',
    gradingProgress: 'FullyGraded',
    timestamp: '2026-01-31T12:00:00.123456Z',
    ...extra,
  });

/** Writes `count` valid lines without holding them in memory. */
export async function writeScoreFile(path: string, count: number, extra: Record<string, unknown> = {}): Promise<void> {
  const out = createWriteStream(path);
  for (let i = 1; i <= count; i++) {
    if (!out.write(`${scoreLine(i, extra)}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}
