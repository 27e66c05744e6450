// GET /launch under load, against the emulator running as its own process,
// with real Kafka and PostgreSQL behind launch. Each launch is one ID-token
// call, one JWE seal, one (batched) Kafka publish and a 302.
// The load comes from a worker thread, so the client does not share launch's
// event loop. Two figures, one JSON line each:
//   closed-loop: 5,000 launches, always 50 in flight (throughput at saturation)
//   paced:       5,000 launches offered at 500/s, at most 50 in flight
//                (latency at the target rate, timed from each launch's
//                scheduled start so a stall is not hidden)
// Run after the build: node dist/bench/launch.bench.js
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { Pool } from 'undici';
import { TOPICS } from '@app/contracts';
import { ensureTopics } from '@app/messaging';
import { createLaunchApp } from '../apps/launch/src/main';
import { spawnEmulator } from '../test/support/emulator';
import { createTestDatabase, dropTestDatabase, kafkaBrokers, kafkaSecurityVariables, testKafka, testTopicPrefix } from '../test/support/infra';
import { vaultSecretsEnv } from '../test/support/vault-env';

const LAUNCHES = Number(process.env.BENCH_LAUNCHES ?? 5_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const RATE = Number(process.env.BENCH_RATE ?? 500);
const WARMUP = 1_000;
const CONTEXTS = 200;

interface LoadOrder {
  port: number;
  ltiks: string[];
  concurrency: number;
  /** Launches per second to offer; 0: as fast as `concurrency` allows. */
  rate: number;
}

interface LoadResult {
  seconds: number;
  latencies: Float64Array;
}

async function main(): Promise<void> {
  const emulator = await spawnEmulator({ env: { LOG_LEVEL: 'warn' } });
  const databaseUrl = await createTestDatabase('bench_launch');
  const prefix = testTopicPrefix();
  const brokers = kafkaBrokers();
  const topic = `${prefix}${TOPICS.launchCaptured}`;
  // TLS and SASL, if any, from the same variables the apps read.
  const kafka = testKafka(brokers);
  await ensureTopics(kafka, { brokers: brokers.split(','), clientId: 'bench-launch', topicPrefix: prefix, partitions: 6, replicationFactor: 1 }, [TOPICS.launchCaptured]);
  const secrets = await vaultSecretsEnv({ curve: 'X25519' });
  const { app } = await createLaunchApp({
    DATABASE_URL: databaseUrl,
    KAFKA_BROKERS: brokers,
    ...kafkaSecurityVariables(),
    KAFKA_TOPIC_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    LTIAAS_URL: emulator.url,
    LTIAAS_API_KEY: emulator.apiKey,
    VAULT_SEAL_PUBLIC_JWK: secrets.VAULT_SEAL_PUBLIC_JWK,
    // Every event is signed, as in production (Ed25519, EdDSA).
    LAUNCH_SIGNING_PRIVATE_JWK: secrets.LAUNCH_SIGNING_PRIVATE_JWK,
    // All load comes from one address (127.0.0.1): the per-address limit would refuse
    // almost all of it, so the benchmark lifts it; the in-flight cap stays at its default.
    LAUNCH_RATE_LIMIT: process.env.LAUNCH_RATE_LIMIT ?? '1000000',
    // LAUNCH_PUBLISH_LINGER_MS and friends may be set to compare settings.
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('LAUNCH_PUBLISH_'))),
  });
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as { port: number }).port;
  try {
    const ltiks = await issueLtiks((input) => emulator.admin.launch(input), WARMUP + 2 * LAUNCHES);
    await load({ port, ltiks: ltiks.slice(0, WARMUP), concurrency: CONCURRENCY, rate: 0 });
    const closed = await load({ port, ltiks: ltiks.slice(WARMUP, WARMUP + LAUNCHES), concurrency: CONCURRENCY, rate: 0 });
    const paced = await load({ port, ltiks: ltiks.slice(WARMUP + LAUNCHES), concurrency: CONCURRENCY, rate: RATE });

    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const routed = (result: string) => Number(new RegExp(`launch_captures_total\\{[^}]*result="${result}"[^}]*\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
    const admin = kafka.admin();
    await admin.connect();
    const onKafka = (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
    await admin.deleteTopics({ topics: [topic, `${topic}.dlq`] }).catch(() => undefined);
    await admin.disconnect();
    const common = { to_kafka: routed('kafka'), to_outbox: routed('outbox'), events_on_kafka: onKafka, seal: 'X25519', signature: 'EdDSA', linger_ms: Number(process.env.LAUNCH_PUBLISH_LINGER_MS ?? 1) };
    print({ bench: 'launch', mode: 'closed-loop', launches: LAUNCHES, concurrency: CONCURRENCY, ...figures(closed), ...common });
    print({ bench: 'launch', mode: 'paced', offered_per_s: RATE, launches: LAUNCHES, max_in_flight: CONCURRENCY, ...figures(paced), ...common });
  } finally {
    await app.close();
    await emulator.close();
    await dropTestDatabase(databaseUrl);
  }
}

/** One LMS launch per ltik, over many courses and users, made before any clock starts. */
async function issueLtiks(launch: (input: { platformId: string; contextId: string; resourceLinkId: string; userId: string }) => Promise<{ ltik: string }>, count: number): Promise<string[]> {
  const ltiks = new Array<string>(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      ltiks[i] = (await launch({ platformId: 'bench-platform', contextId: `course-${i % CONTEXTS}`, resourceLinkId: `activity-${i % CONTEXTS}`, userId: `learner-${i}` })).ltik;
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return ltiks;
}

function load(order: LoadOrder): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(__filename, { workerData: order });
    worker.once('message', (result: LoadResult) => resolve(result));
    worker.once('error', reject);
    worker.once('exit', (code) => code !== 0 && reject(new Error(`load worker exited with ${code}`)));
  });
}

/** The worker: GET /launch for every ltik; any answer but 302 fails the run. */
async function generateLoad(order: LoadOrder): Promise<LoadResult> {
  const pool = new Pool(`http://127.0.0.1:${order.port}`, { connections: order.concurrency, pipelining: 1 });
  const latencies = new Float64Array(order.ltiks.length);
  const started = performance.now();
  let next = 0;
  const client = async (): Promise<void> => {
    while (next < order.ltiks.length) {
      const i = next++;
      const due = order.rate > 0 ? started + (i * 1000) / order.rate : performance.now();
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const res = await pool.request({ method: 'GET', path: `/launch?ltik=${encodeURIComponent(order.ltiks[i])}` });
      await res.body.dump();
      if (res.statusCode !== 302) throw new Error(`GET /launch answered ${res.statusCode}`);
      latencies[i] = performance.now() - due;
    }
  };
  await Promise.all(Array.from({ length: Math.min(order.concurrency, order.ltiks.length) }, client));
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  return { seconds, latencies };
}

function figures({ seconds, latencies }: LoadResult): Record<string, number> {
  const sorted = Float64Array.from(latencies).sort();
  const at = (p: number) => round(sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)], 2);
  return { seconds: round(seconds, 3), launches_per_s: Math.round(sorted.length / seconds), p50_ms: at(0.5), p99_ms: at(0.99), max_ms: at(1) };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function print(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

if (isMainThread) {
  main().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
} else {
  generateLoad(workerData as LoadOrder).then(
    (result) => parentPort!.postMessage(result, [result.latencies.buffer as ArrayBuffer]),
    (error: unknown) => {
      throw error;
    },
  );
}
