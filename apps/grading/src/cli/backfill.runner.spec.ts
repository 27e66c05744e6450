import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackfillRunner, EXIT_CODES, type BackfillDependencies } from './backfill.runner';
import { backfillEventId } from './event-id';
import { silentProgress } from './progress';
import type { BackfillRecord, RecordFailure, ScoreSink } from './score-sink';

const score = (userId: string) =>
  JSON.stringify({
    platformId: 'p',
    contextId: 'c',
    resourceLinkId: 'r',
    userId,
    scoreGiven: 1,
    scoreMaximum: 2,
    activityProgress: 'Completed',
    gradingProgress: 'FullyGraded',
    timestamp: '2026-01-31T12:00:00Z',
  });

class RecordingSink implements ScoreSink {
  readonly target = 'test-target';
  readonly batches: BackfillRecord[][] = [];
  opened = 0;
  closed = 0;
  constructor(private readonly behaviour: (batch: BackfillRecord[], index: number) => RecordFailure[] | void = () => undefined) {}
  async send(records: BackfillRecord[]) {
    this.batches.push(records);
    return { failed: this.behaviour(records, this.batches.length - 1) ?? [] };
  }
  async close() {
    this.closed++;
  }
}

describe('BackfillRunner', () => {
  let dir: string;
  let n = 0;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'backfill-runner-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const file = (lines: string[]) => {
    const path = join(dir, `scores-${++n}.ndjson`);
    writeFileSync(path, lines.map((l) => `${l}\n`).join(''));
    return path;
  };

  const runner = (sink: RecordingSink, extra: Partial<BackfillDependencies> = {}) => {
    const invalid: [number, string][] = [];
    const refused: RecordFailure[] = [];
    const deps: BackfillDependencies = {
      openSink: async () => {
        sink.opened++;
        return sink;
      },
      reporter: { invalidLine: (line, reason) => invalid.push([line, reason]), failedRecord: (f) => refused.push(f) },
      progress: silentProgress,
      ...extra,
    };
    return { runner: new BackfillRunner(deps), invalid, refused };
  };

  it('reports every invalid line by number and publishes nothing', async () => {
    const sink = new RecordingSink();
    const { runner: r, invalid } = runner(sink);
    const summary = await r.run({ file: file([score('a'), '{oops', score('b'), '', '{"userId":"x"}']), dryRun: false, skipInvalid: false, batchSize: 10 });
    expect(invalid.map(([line]) => line)).toEqual([2, 5]);
    expect(summary).toMatchObject({ status: 'rejected', lines: 5, blank: 1, valid: 2, invalid: 2, published: 0 });
    expect(sink.opened).toBe(0);
    expect(EXIT_CODES[summary.status]).toBe(1);
  });

  it('validates only on a dry run, without opening the target', async () => {
    const sink = new RecordingSink();
    const summary = await runner(sink).runner.run({ file: file([score('a'), score('b')]), dryRun: true, skipInvalid: false, batchSize: 10 });
    expect(summary).toMatchObject({ status: 'validated', valid: 2, published: 0, dryRun: true });
    expect(summary.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(sink.opened).toBe(0);
  });

  it('publishes the valid lines in batches, with ids from the file hash and line number', async () => {
    const sink = new RecordingSink();
    const path = file([score('a'), 'bad', score('b'), score('c'), score('d'), score('e')]);
    const summary = await runner(sink).runner.run({ file: path, dryRun: false, skipInvalid: true, batchSize: 2 });
    expect(summary).toMatchObject({ status: 'published', valid: 5, invalid: 1, published: 5, target: 'test-target' });
    expect(sink.batches.map((b) => b.map((r) => r.lineNumber))).toEqual([[1, 3], [4, 5], [6]]);
    expect(sink.batches.flat().map((r) => r.id)).toEqual([1, 3, 4, 5, 6].map((line) => backfillEventId(summary.sha256, line)));
    expect(sink.batches[0][1].data.userId).toBe('b');
    expect(sink.closed).toBe(1);
    expect(EXIT_CODES[summary.status]).toBe(0);
  });

  it('gives a re-run of the same file the same ids', async () => {
    const path = file([score('a'), score('b')]);
    const first = new RecordingSink();
    const second = new RecordingSink();
    await runner(first).runner.run({ file: path, dryRun: false, skipInvalid: false, batchSize: 10 });
    await runner(second).runner.run({ file: path, dryRun: false, skipInvalid: false, batchSize: 10 });
    expect(second.batches.flat().map((r) => r.id)).toEqual(first.batches.flat().map((r) => r.id));
  });

  it('stops at a failed batch and says how far it got', async () => {
    const sink = new RecordingSink((_batch, index) => {
      if (index === 1) throw new Error('broker unavailable');
    });
    const summary = await runner(sink).runner.run({ file: file([score('a'), score('b'), score('c')]), dryRun: false, skipInvalid: false, batchSize: 1 });
    expect(summary).toMatchObject({ status: 'failed', published: 1, error: 'broker unavailable' });
    expect(sink.closed).toBe(1);
  });

  it('counts records the target refuses one by one', async () => {
    const sink = new RecordingSink((batch) => [{ lineNumber: batch[0].lineNumber, reason: 'grading answered 400: no' }]);
    const { runner: r, refused } = runner(sink);
    const summary = await r.run({ file: file([score('a'), score('b')]), dryRun: false, skipInvalid: false, batchSize: 10 });
    expect(summary).toMatchObject({ status: 'partial', published: 1, failed: 1 });
    expect(refused).toEqual([{ lineNumber: 1, reason: 'grading answered 400: no' }]);
  });

  it('stops after the batch in flight when aborted', async () => {
    const controller = new AbortController();
    const sink = new RecordingSink(() => controller.abort());
    const summary = await runner(sink, { signal: controller.signal }).runner.run({ file: file([score('a'), score('b'), score('c')]), dryRun: false, skipInvalid: false, batchSize: 1 });
    expect(summary).toMatchObject({ status: 'interrupted', published: 1 });
    expect(EXIT_CODES[summary.status]).toBe(130);
  });

  it('fails when the file changes between the passes', async () => {
    // Longer than one read-ahead chunk, so the second pass reads the end after the change.
    const path = file(Array.from({ length: 1000 }, (_, i) => score(`u${i}`)));
    const sink = new RecordingSink((_batch, index) => {
      if (index === 0) appendFileSync(path, `${score('late')}\n`);
    });
    const summary = await runner(sink).runner.run({ file: path, dryRun: false, skipInvalid: false, batchSize: 100 });
    expect(summary).toMatchObject({ status: 'failed', error: expect.stringMatching(/file changed/) });
  });

  it('reports its peak memory and duration', async () => {
    const summary = await runner(new RecordingSink()).runner.run({ file: file([score('a')]), dryRun: true, skipInvalid: false, batchSize: 1 });
    expect(summary.maxRssMb).toBeGreaterThan(0);
    expect(summary.seconds).toBeGreaterThanOrEqual(0);
  });
});
