// GET /launch under load: 5,000 launches, 50 at a time, against the emulator
// running as its own process, with real Kafka and PostgreSQL behind launch.
// Each launch is one ID-token call, one JWE seal, one (batched) Kafka publish
// and a 302. Prints one JSON line.
// Run after the build: node dist/bench/launch.bench.js
import { performance } from 'node:perf_hooks';
import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'undici';
import { TOPICS } from '@app/contracts';
import { ensureTopics } from '@app/messaging';
import { createLaunchApp } from '../apps/launch/src/main';
import { spawnEmulator, type EmulatorHandle } from '../test/support/emulator';
import { createTestDatabase, dropTestDatabase, kafkaBrokers, testTopicPrefix } from '../test/support/infra';
import { vaultSecretsEnv } from '../test/support/vault-env';

const LAUNCHES = Number(process.env.BENCH_LAUNCHES ?? 5_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const WARMUP = 500;
const CONTEXTS = 200;

async function main(): Promise<void> {
  const emulator = await spawnEmulator({ env: { LOG_LEVEL: 'warn' } });
  const databaseUrl = await createTestDatabase('bench_launch');
  const prefix = testTopicPrefix();
  const brokers = kafkaBrokers();
  const kafka = new Kafka({ clientId: 'bench-launch', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const settings = { brokers: brokers.split(','), clientId: 'bench-launch', topicPrefix: prefix, partitions: 6, replicationFactor: 1 };
  await ensureTopics(kafka, settings, [TOPICS.launchCaptured]);
  const secrets = await vaultSecretsEnv();
  const { app } = await createLaunchApp({
    DATABASE_URL: databaseUrl,
    KAFKA_BROKERS: brokers,
    KAFKA_TOPIC_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    LTIAAS_URL: emulator.url,
    LTIAAS_API_KEY: emulator.apiKey,
    VAULT_SEAL_PUBLIC_JWK: secrets.VAULT_SEAL_PUBLIC_JWK,
  });
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as { port: number }).port;
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: CONCURRENCY, pipelining: 1 });
  try {
    const ltiks = await issueLtiks(emulator, WARMUP + LAUNCHES);
    const visit = async (ltik: string): Promise<void> => {
      const res = await pool.request({ method: 'GET', path: `/launch?ltik=${encodeURIComponent(ltik)}` });
      await res.body.dump();
      if (res.statusCode !== 302) throw new Error(`GET /launch answered ${res.statusCode}`);
    };

    await run(ltiks.slice(0, WARMUP), CONCURRENCY, visit);
    const latencies = new Float64Array(LAUNCHES);
    const started = performance.now();
    await run(ltiks.slice(WARMUP), CONCURRENCY, visit, latencies);
    const seconds = (performance.now() - started) / 1000;
    latencies.sort();

    const metrics = await (await pool.request({ method: 'GET', path: '/metrics' })).body.text();
    const routed = (result: string) => Number(new RegExp(`launch_captures_total\\{[^}]*result="${result}"[^}]*\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
    const line = {
      bench: 'launch',
      launches: LAUNCHES,
      concurrency: CONCURRENCY,
      seconds: round(seconds, 3),
      launches_per_s: Math.round(LAUNCHES / seconds),
      p50_ms: round(percentile(latencies, 0.5), 2),
      p99_ms: round(percentile(latencies, 0.99), 2),
      max_ms: round(latencies[latencies.length - 1], 2),
      to_kafka: routed('kafka'),
      to_outbox: routed('outbox'),
      events_on_kafka: await topicSize(kafka, `${prefix}${TOPICS.launchCaptured}`),
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  } finally {
    await pool.close();
    await app.close();
    await emulator.close();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [`${prefix}${TOPICS.launchCaptured}`, `${prefix}${TOPICS.launchCaptured}.dlq`] }).catch(() => undefined);
    await admin.disconnect();
    await dropTestDatabase(databaseUrl);
  }
}

/** One LMS launch per ltik, spread over many courses and users, made before the clock starts. */
async function issueLtiks(emulator: EmulatorHandle, count: number): Promise<string[]> {
  const ltiks = new Array<string>(count);
  await run(
    Array.from({ length: count }, (_, i) => i),
    16,
    async (i) => {
      const launch = await emulator.admin.launch({
        platformId: 'bench-platform',
        contextId: `course-${i % CONTEXTS}`,
        resourceLinkId: `activity-${i % CONTEXTS}`,
        userId: `learner-${i}`,
        services: { ags: true, nrps: true },
      });
      ltiks[i] = launch.ltik;
    },
  );
  return ltiks;
}

/** Every item through `call`, `concurrency` in flight; any failure stops the run. */
async function run<T>(items: T[], concurrency: number, call: (item: T) => Promise<void>, latencies?: Float64Array): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      const t0 = performance.now();
      await call(items[index]);
      if (latencies) latencies[index] = performance.now() - t0;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

async function topicSize(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
