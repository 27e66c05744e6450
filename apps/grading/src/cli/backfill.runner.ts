import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { backfillEventId } from './event-id';
import type { Progress } from './progress';
import { readScoreLines } from './score-lines';
import type { BackfillRecord, RecordFailure, ScoreSink } from './score-sink';

export type BackfillStatus = 'published' | 'validated' | 'rejected' | 'partial' | 'failed' | 'interrupted';

export interface BackfillSummary {
  status: BackfillStatus;
  file: string;
  sha256: string;
  /** Every line read, blank ones included. */
  lines: number;
  blank: number;
  valid: number;
  invalid: number;
  published: number;
  /** Records the target refused one by one (HTTP ingest only). */
  failed: number;
  dryRun: boolean;
  target?: string;
  seconds: number;
  /** Peak resident memory of this process, in MiB. */
  maxRssMb: number;
  error?: string;
}

/** Where problems with single lines are told as they are found. */
export interface BackfillReporter {
  invalidLine(lineNumber: number, reason: string): void;
  failedRecord(failure: RecordFailure): void;
}

export interface BackfillRun {
  file: string;
  dryRun: boolean;
  skipInvalid: boolean;
  batchSize: number;
}

export interface BackfillDependencies {
  /** Called only when something is to be published, so a dry run needs no broker. */
  openSink: (file: { sha256: string }) => Promise<ScoreSink>;
  reporter: BackfillReporter;
  progress: Progress;
  /** Aborting stops after the batch in flight; what was published stays published. */
  signal?: AbortSignal;
  now?: () => number;
}

export const EXIT_CODES: Record<BackfillStatus, number> = { published: 0, validated: 0, rejected: 1, partial: 1, failed: 1, interrupted: 130 };

/**
 * Two passes over the file, each streaming it line by line: the first
 * validates every line and hashes the file, the second publishes the valid
 * lines in batches with ids derived from that hash. Nothing is published
 * while any line is invalid unless asked to skip them, so a half-imported
 * file is never the result of a typo on line 90,000.
 */
export class BackfillRunner {
  constructor(private readonly deps: BackfillDependencies) {}

  async run(run: BackfillRun): Promise<BackfillSummary> {
    const now = this.deps.now ?? Date.now;
    const started = now();
    const summary: Omit<BackfillSummary, 'seconds' | 'maxRssMb'> = {
      status: 'validated',
      file: run.file,
      sha256: '',
      lines: 0,
      blank: 0,
      valid: 0,
      invalid: 0,
      published: 0,
      failed: 0,
      dryRun: run.dryRun,
    };
    const finish = (): BackfillSummary => ({
      ...summary,
      seconds: Math.round(now() - started) / 1000,
      maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    });

    summary.sha256 = await this.validate(run.file, summary);
    if (summary.invalid > 0 && !run.skipInvalid) {
      summary.status = 'rejected';
      return finish();
    }
    if (run.dryRun || summary.valid === 0) return finish();

    await this.publish(run, summary);
    return finish();
  }

  private async validate(file: string, summary: Omit<BackfillSummary, 'seconds' | 'maxRssMb'>): Promise<string> {
    const { size } = await stat(file);
    const hash = createHash('sha256');
    const { progress, reporter } = this.deps;
    progress.start('validating', size);
    try {
      for await (const line of readScoreLines(file, (chunk) => {
        hash.update(chunk);
        progress.advance(chunk.length);
      })) {
        summary.lines = line.lineNumber;
        if (line.kind === 'valid') summary.valid += 1;
        else if (line.kind === 'blank') summary.blank += 1;
        else {
          summary.invalid += 1;
          reporter.invalidLine(line.lineNumber, line.reason);
        }
      }
    } finally {
      progress.stop();
    }
    return hash.digest('hex');
  }

  private async publish(run: BackfillRun, summary: Omit<BackfillSummary, 'seconds' | 'maxRssMb'>): Promise<void> {
    const { progress, reporter, signal } = this.deps;
    let sink: ScoreSink | undefined;
    try {
      sink = await this.deps.openSink({ sha256: summary.sha256 });
      summary.target = sink.target;
      const hash = createHash('sha256');
      let batch: BackfillRecord[] = [];
      const flush = async (): Promise<void> => {
        if (batch.length === 0) return;
        const sending = batch;
        batch = [];
        const { failed } = await sink!.send(sending);
        for (const failure of failed) reporter.failedRecord(failure);
        summary.failed += failed.length;
        summary.published += sending.length - failed.length;
        progress.advance(sending.length);
      };

      progress.start('publishing', summary.valid);
      summary.status = 'published';
      for await (const line of readScoreLines(run.file, (chunk) => hash.update(chunk))) {
        if (line.kind !== 'valid') continue;
        batch.push({ lineNumber: line.lineNumber, id: backfillEventId(summary.sha256, line.lineNumber), data: line.data });
        if (batch.length >= run.batchSize) {
          await flush();
          if (signal?.aborted) {
            summary.status = 'interrupted';
            return;
          }
        }
      }
      await flush();
      if (hash.digest('hex') !== summary.sha256) {
        // The ids were derived from the first pass's hash; they no longer describe these lines.
        throw new Error('the file changed while it was being published; fix it and run again');
      }
      if (summary.failed > 0) summary.status = 'partial';
    } catch (error) {
      summary.status = 'failed';
      summary.error = (error as Error).message;
    } finally {
      progress.stop();
      await sink?.close().catch(() => undefined);
    }
  }
}
