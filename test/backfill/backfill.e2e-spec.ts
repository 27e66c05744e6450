import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { contextKey, scoreReadyEvent, TOPICS } from '@app/contracts';
import { backfillEventId } from '../../apps/grading/src/cli/event-id';
import { kafkaBrokers, readTopic, testKafka, testTopicPrefix } from '../support/infra';
import { runBackfill, scoreLine, writeScoreFile } from './backfill-cli';

/** Records on a topic, from its offsets: exact, no waiting. 0 when the topic does not exist. */
async function recordCount(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic)) return 0;
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

describe('backfill command (real Kafka)', () => {
  const prefix = testTopicPrefix();
  const topic = `${prefix}${TOPICS.scoreReady}`;
  const env = { KAFKA_BROKERS: kafkaBrokers(), KAFKA_TOPIC_PREFIX: prefix };
  let kafka: Kafka;
  let dir: string;
  let mixed: string;

  // Lines 2, 4 and 6 are wrong in three different ways; line 5 is blank.
  const mixedLines = [
    scoreLine(1),
    scoreLine(2, { scoreMaximum: undefined }),
    scoreLine(3),
    '{"platformId": "p", ',
    '',
    scoreLine(6, { gradingProgress: 'Graded' }),
    scoreLine(7, { comment: 'regraded after the key fix' }),
  ];
  const goodLines = [1, 3, 7];

  beforeAll(() => {
    kafka = testKafka();
    dir = mkdtempSync(join(tmpdir(), 'backfill-e2e-'));
    mixed = join(dir, 'mixed.ndjson');
    writeFileSync(mixed, mixedLines.map((l) => `${l}\n`).join(''));
  });

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    const admin = kafka.admin();
    await admin.connect();
    const ours = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (ours.length) await admin.deleteTopics({ topics: ours }).catch(() => undefined);
    await admin.disconnect();
  });

  it('names every bad line by number and publishes nothing on a dry run', async () => {
    const result = await runBackfill(['--file', mixed, '--dry-run'], env);

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^line 2: invalid: scoreMaximum: scoreMaximum is required when scoreGiven is present$/m);
    expect(result.stderr).toMatch(/^line 4: invalid: not valid JSON/m);
    expect(result.stderr).toMatch(/^line 6: invalid: gradingProgress: /m);
    expect(result.stderr).not.toMatch(/^line (1|3|5|7):/m);
    expect(result.summary).toMatchObject({ status: 'rejected', lines: 7, blank: 1, valid: 3, invalid: 3, published: 0, dryRun: true });
    await expect(recordCount(kafka, topic)).resolves.toBe(0);
  });

  it('publishes nothing on a dry run that skips the bad lines either', async () => {
    const result = await runBackfill(['--file', mixed, '--dry-run', '--skip-invalid'], env);

    expect(result.code).toBe(0);
    expect(result.summary).toMatchObject({ status: 'validated', valid: 3, invalid: 3, published: 0 });
    await expect(recordCount(kafka, topic)).resolves.toBe(0);
  });

  it('refuses to publish a file with bad lines unless told to skip them', async () => {
    const result = await runBackfill(['--file', mixed], env);

    expect(result.code).toBe(1);
    expect(result.summary).toMatchObject({ status: 'rejected', published: 0, dryRun: false });
    await expect(recordCount(kafka, topic)).resolves.toBe(0);
  });

  it('publishes exactly the good lines, keyed by context, with ids from the file and line', async () => {
    const result = await runBackfill(['--file', mixed, '--skip-invalid', '--batch-size', '2'], env);

    expect(result.code).toBe(0);
    expect(result.summary).toMatchObject({ status: 'published', valid: 3, invalid: 3, published: 3, target: topic });
    await expect(recordCount(kafka, topic)).resolves.toBe(goodLines.length);

    const messages = await readTopic(kafka, topic, goodLines.length);
    const events = messages.map((m) => ({ key: m.key!.toString(), event: scoreReadyEvent.parse(JSON.parse(m.value!.toString())) }));
    const byUser = new Map(events.map((e) => [e.event.data.userId, e]));
    expect([...byUser.keys()].sort()).toEqual(goodLines.map((i) => `user-${i}`).sort());
    for (const line of goodLines) {
      const { key, event } = byUser.get(`user-${line}`)!;
      expect(event.id).toBe(backfillEventId(result.summary!.sha256, line));
      expect(key).toBe(contextKey(event.data));
      expect(event.data).toEqual(JSON.parse(mixedLines[line - 1]));
    }
    expect(byUser.get('user-7')!.event.data.comment).toBe('regraded after the key fix');
  });

  it('repeats the same event ids when the same file is run again, so consumers drop the duplicates', async () => {
    const first = (await readTopic(kafka, topic, goodLines.length)).map((m) => JSON.parse(m.value!.toString()).id as string);

    const result = await runBackfill(['--file', mixed, '--skip-invalid'], env);

    expect(result.code).toBe(0);
    await expect(recordCount(kafka, topic)).resolves.toBe(goodLines.length * 2);
    const all = (await readTopic(kafka, topic, goodLines.length * 2)).map((m) => JSON.parse(m.value!.toString()).id as string);
    expect(new Set(all)).toEqual(new Set(first));
  });

  it('streams a 100,000-line file in bounded memory', async () => {
    // Its own topics, so the counts above stay exact.
    const bigEnv = { ...env, KAFKA_TOPIC_PREFIX: `${prefix}big.` };
    const half = join(dir, 'half.ndjson');
    const big = join(dir, 'big.ndjson');
    const comment = 'c'.repeat(300);
    await writeScoreFile(half, 50_000, { comment });
    await writeScoreFile(big, 100_000, { comment });
    const bigBytes = statSync(big).size;
    const addedMb = (bigBytes - statSync(half).size) / 1024 / 1024;
    expect(bigBytes).toBeGreaterThan(50 * 1024 * 1024);

    // A heap smaller than the file's parsed contents: holding the file would not fit at all.
    const heapMb = 96;
    const halfRun = await runBackfill(['--file', half], bigEnv, { maxOldSpaceMb: heapMb });
    const streamed = await runBackfill(['--file', big], bigEnv, { maxOldSpaceMb: heapMb });

    expect(halfRun.summary).toMatchObject({ status: 'published', published: 50_000 });
    expect(streamed.code).toBe(0);
    expect(streamed.summary).toMatchObject({ status: 'published', lines: 100_000, valid: 100_000, published: 100_000 });
    await expect(recordCount(kafka, `${prefix}big.${TOPICS.scoreReady}`)).resolves.toBe(150_000);
    // Twice the lines (~27 MB more file) must not mean more memory: the peak is set by the runtime and
    // the producer's window, not by the file. Compared with a run already past warm-up, so what the
    // runtime reserves while warming up (which differs between Node.js releases) is not counted.
    // Holding the added lines, even as raw text, would add at least addedMb; the peak itself moves by
    // up to ~10 MB between runs as the runtime sizes its young generation, hence half of it.
    const growthMb = streamed.summary!.maxRssMb - halfRun.summary!.maxRssMb;
    expect(growthMb).toBeLessThan(addedMb / 2);
  });
});
