// Posts 10,000 scores through LtiaasClient to the emulator running as its own
// process, 64 at a time, and prints one JSON line.
// Run after the build: node dist/bench/ltiaas-client.bench.js
import { performance } from 'node:perf_hooks';
import { LtiaasClient, type Score } from '@app/ltiaas';
import pino from 'pino';
import { spawnEmulator } from '../test/support/emulator';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 10_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const WARMUP = 1_000;
const LEARNERS = 1_000;

async function main(): Promise<void> {
  const emulator = await spawnEmulator({ env: { LOG_LEVEL: 'warn' } });
  const client = new LtiaasClient({ baseUrl: emulator.url, apiKey: emulator.apiKey, logger: pino({ level: 'warn' }) });
  try {
    const platformId = 'bench-platform';
    const contextId = 'bench-course';
    const members = Array.from({ length: LEARNERS }, (_, i) => ({ userId: `learner-${i}`, roles: ['Learner'] }));
    await emulator.admin.enroll(platformId, contextId, members);
    const launch = await emulator.admin.launch({
      platformId,
      contextId,
      resourceLinkId: 'bench-activity',
      userId: 'learner-0',
      services: { ags: true, nrps: true },
      lineItem: { label: 'Bench quiz', scoreMaximum: 100 },
    });
    if (!launch.serviceKey || !launch.lineItemId) throw new Error('the bench launch returned no serviceKey or line item');
    const cred = { serviceKey: launch.serviceKey };
    const lineItemId = launch.lineItemId;

    let sequence = 0;
    const post = (): Promise<unknown> => {
      const n = sequence++;
      const score: Score = {
        userId: `learner-${n % LEARNERS}`,
        scoreGiven: n % 101,
        scoreMaximum: 100,
        activityProgress: 'Completed',
        gradingProgress: 'FullyGraded',
        timestamp: new Date().toISOString(),
      };
      return client.postScore(cred, lineItemId, score);
    };

    await run(WARMUP, CONCURRENCY, post);
    const latencies = new Float64Array(REQUESTS);
    const started = performance.now();
    await run(REQUESTS, CONCURRENCY, post, latencies);
    const seconds = (performance.now() - started) / 1000;
    latencies.sort();
    const line = {
      bench: 'ltiaas-client-post-score',
      requests: REQUESTS,
      concurrency: CONCURRENCY,
      seconds: round(seconds, 3),
      rps: Math.round(REQUESTS / seconds),
      p50_ms: round(percentile(latencies, 0.5), 2),
      p99_ms: round(percentile(latencies, 0.99), 2),
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  } finally {
    await client.close();
    await emulator.close();
  }
}

/** `total` calls, `concurrency` in flight; any failure stops the run. */
async function run(total: number, concurrency: number, call: () => Promise<unknown>, latencies?: Float64Array): Promise<void> {
  let issued = 0;
  const worker = async (): Promise<void> => {
    while (issued < total) {
      const index = issued++;
      const t0 = performance.now();
      await call();
      if (latencies) latencies[index] = performance.now() - t0;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
