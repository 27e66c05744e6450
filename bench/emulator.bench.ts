// Score-post throughput of the emulator alone: the built emulator in its own
// process, 20,000 POST /api/lineitems/:id/scores over 64 keep-alive
// connections. Prints one JSON line.
//   built:       node dist/bench/emulator.bench.js
//   development: npx ts-node -r tsconfig-paths/register bench/emulator.bench.ts  (still runs the built emulator)
// BENCH_REQUESTS and BENCH_CONCURRENCY override the defaults.
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { spawnEmulator } from '../test/support/emulator';
import { cpuPerUnit, readCpu } from './process-cpu';

const TOTAL = Number(process.env.BENCH_REQUESTS ?? 20_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const LEARNERS = 500;

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
  const emulator = await spawnEmulator();
  const pool = new Pool(emulator.url, { connections: CONCURRENCY, pipelining: 1 });
  try {
    const platformId = 'bench-platform';
    const contextId = 'bench-course';
    const learners = Array.from({ length: LEARNERS }, (_, i) => ({ userId: `learner-${i}`, roles: ['Learner'] }));
    await emulator.admin.enroll(platformId, contextId, learners);
    const launch = await emulator.admin.launch({
      platformId,
      contextId,
      resourceLinkId: 'bench-activity',
      userId: 'bench-instructor',
      roles: ['Instructor'],
      lineItem: { label: 'Bench', scoreMaximum: 100 },
    });
    if (!launch.serviceKey || !launch.lineItemId) throw new Error('launch gave no serviceKey or line item');
    const path = `/api/lineitems/${encodeURIComponent(launch.lineItemId)}/scores`;
    const headers = {
      authorization: `SERVICE-AUTH-V1 ${emulator.apiKey}:${launch.serviceKey}`,
      'content-type': 'application/json',
    };

    const latencies = new Float64Array(TOTAL);
    let issued = 0;
    let failures = 0;
    const worker = async (): Promise<void> => {
      while (issued < TOTAL) {
        const i = issued++;
        const body = JSON.stringify({
          userId: `learner-${i % LEARNERS}`,
          scoreGiven: i % 101,
          scoreMaximum: 100,
          activityProgress: 'Completed',
          gradingProgress: 'FullyGraded',
          timestamp: new Date().toISOString(),
        });
        const t0 = performance.now();
        const res = await pool.request({ method: 'POST', path, headers, body });
        await res.body.dump();
        latencies[i] = performance.now() - t0;
        if (res.statusCode !== 204) failures++;
      }
    };
    const cpuBefore = (await emulator.admin.counters()).processCpuMs;
    const machineBefore = readCpu();
    const started = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const seconds = (performance.now() - started) / 1000;
    const machine = cpuPerUnit(machineBefore, readCpu(), TOTAL, seconds);
    // The load generator shares the machine; the emulator's own CPU time gives its rate per core.
    const emulatorCpuSeconds = ((await emulator.admin.counters()).processCpuMs - cpuBefore) / 1000;
    latencies.sort();
    const round = (n: number) => Math.round(n * 100) / 100;
    const line: Record<string, number | string> = {
      bench: 'emulator-score-posts',
      requests: TOTAL,
      seconds: round(seconds),
      rps: Math.round(TOTAL / seconds),
      p50_ms: round(percentile(latencies, 50)),
      p99_ms: round(percentile(latencies, 99)),
      emulator_cpu_seconds: round(emulatorCpuSeconds),
      rps_per_emulator_core: Math.round(TOTAL / emulatorCpuSeconds),
    };
    if (failures > 0) line.failures = failures;
    process.stdout.write(`${JSON.stringify(line)}\n`);
    // The load generator (this process) beside the emulator: the machine's whole cost of a post.
    if (machine) process.stdout.write(`${JSON.stringify({ bench: 'emulator-score-posts-cpu', cpu_ms_per_post: machine })}\n`);
    if (failures > 0) process.exitCode = 1;
  } finally {
    await pool.close();
    await emulator.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`emulator bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
