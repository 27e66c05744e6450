// Scores from Kafka to the LMS gradebook through grading (its own process,
// built), against the emulator (its own process), the vault beside them:
// throughput from the first publish to the last gradebook write, and each
// score's publish-to-gradebook latency. Then the same scores sent the way a
// naive client does: per activity, look the line item up, then post each
// score one after the other. Once with no injected latency, once with 100 ms
// on every score POST. Then the steady state: scores offered at a constant
// half of the measured maximum for a minute, publish-to-gradebook p50/p99.
// One JSON line per figure.
// Run after the build: node dist/bench/delivery.bench.js
import { LtiaasClient } from '@app/ltiaas';
import type { Producer } from 'kafkajs';
import pino from 'pino';
import { spawnEmulator, type EmulatorHandle } from '../test/support/emulator';
import {
  buildScenario,
  enrollScenario,
  gradingEnv,
  Launcher,
  lineItemsOf,
  publishScores,
  randomId,
  sleep,
  spawnGrading,
  startVault,
  type GradingProcess,
  type LaunchedActivity,
  type Scenario,
  type VaultHandle,
} from '../test/support/grading';
import { createTestDatabase, dropTestDatabase, kafkaBrokers, testKafka, testTopicPrefix } from '../test/support/infra';
import { cpuPerUnit, readCpu } from './process-cpu';

const SCORES = Number(process.env.BENCH_SCORES ?? 10_000);
const ACTIVITIES = Number(process.env.BENCH_ACTIVITIES ?? 20);
const PLATFORMS = Number(process.env.BENCH_PLATFORMS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
/** The naive client is slow by design; it sends fewer scores and its rate is what compares. */
const NAIVE_SCORES = Number(process.env.BENCH_NAIVE_SCORES ?? 1_000);
const NAIVE_SCORES_SLOW = Number(process.env.BENCH_NAIVE_SCORES_SLOW ?? 200);
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS ?? 600_000);
/** A Canvas-like platform limit (leaky bucket answering 403 "Rate Limit Exceeded"), and how many scores to send against it. */
const CANVAS_LIMIT = Number(process.env.BENCH_CANVAS_PER_SECOND ?? 40);
const CANVAS_SCORES = Number(process.env.BENCH_CANVAS_SCORES ?? 1_200);
/** How long scores are offered at a constant rate (half the measured maximum), seconds. */
const STEADY_SECONDS = Number(process.env.BENCH_STEADY_SECONDS ?? 60);
/** Injected LTIAAS latency per run, ms. */
const LATENCIES = (process.env.BENCH_LATENCIES ?? '0,100').split(',').filter((v) => v.trim() !== '').map(Number);

/** What an operator sets for an LMS known to take this load; the emulator has no rate limit of its own. */
const DELIVERY_ENV = {
  DELIVERY_CONCURRENCY: String(CONCURRENCY),
  DELIVERY_PLATFORM_RATE: process.env.BENCH_PLATFORM_RATE ?? '2000',
  DELIVERY_PLATFORM_BURST: process.env.BENCH_PLATFORM_BURST ?? '500',
  DELIVERY_BATCH_SIZE: '512',
  DELIVERY_POLL_MS: '50',
};

interface Figures {
  scores: number;
  seconds: number;
  scoresPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU milliseconds per score of each kind of process, from the first publish until the last post was accepted. */
  cpuMsPerScore?: Record<string, number>;
}

async function main(): Promise<void> {
  const databaseUrl = await createTestDatabase('bench_delivery');
  const prefix = testTopicPrefix();
  const brokers = kafkaBrokers();
  let emulator: EmulatorHandle | undefined;
  let vault: VaultHandle | undefined;
  let grading: GradingProcess | undefined;
  let producer: Producer | undefined;
  try {
    emulator = await spawnEmulator({ env: { LOG_LEVEL: 'warn', EMULATOR_REQUEST_LOG_SIZE: '10' } });
    // Only the JSON lines go to stdout: the in-process vault logs errors alone.
    vault = await startVault({ databaseUrl, brokers, topicPrefix: prefix, logLevel: 'error' });
    const gradingKey = await vault.issueKey('grading-service', ['credentials:resolve', 'revocations:read']);
    const env = (overrides: Record<string, string>) =>
      gradingEnv({ databaseUrl, brokers, topicPrefix: prefix, ltiaasUrl: emulator!.url, ltiaasApiKey: emulator!.apiKey, vaultUrl: vault!.url, gradingApiKey: gradingKey, overrides });
    grading = await spawnGrading(env({ ...DELIVERY_ENV, LOG_LEVEL: 'warn' }));
    producer = testKafka(brokers).producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const launcher = new Launcher(emulator, producer, prefix, vault.sealPublicJwk);

    for (const latencyMs of LATENCIES) {
      if (latencyMs) {
        await emulator.admin.setFaults({ seed: 1, rules: [{ id: 'latency', kind: 'latency', ms: latencyMs, probability: 1, endpoints: ['scores.post'] }] });
      }
      const viaGrading = await throughGrading(emulator, launcher, producer, prefix);
      print('grading', latencyMs, viaGrading);
      if (viaGrading.cpuMsPerScore) {
        // Where the machine's CPU went: which process would have to get cheaper for the rate to rise.
        process.stdout.write(`${JSON.stringify({ bench: 'delivery', mode: 'grading-cpu', latency_ms: latencyMs, cpu_ms_per_score: viaGrading.cpuMsPerScore })}\n`);
      }
      if (latencyMs === 0 && STEADY_SECONDS > 0) await steadyState(emulator, launcher, producer, prefix, viaGrading.scoresPerSecond / 2);
      const naive = await naiveClient(emulator, launcher, latencyMs ? NAIVE_SCORES_SLOW : NAIVE_SCORES);
      print('naive-sequential', latencyMs, naive);
      if (latencyMs) {
        const ceiling = (CONCURRENCY * 1000) / latencyMs;
        process.stdout.write(
          `${JSON.stringify({ bench: 'delivery', mode: 'grading', latency_ms: latencyMs, concurrency: CONCURRENCY, ceiling_scores_per_s: ceiling, share_of_ceiling: round(viaGrading.scoresPerSecond / ceiling, 3) })}\n`,
        );
      }
      await emulator.admin.clearFaults();
    }
    if (CANVAS_SCORES > 0) {
      // Against a limited LMS, grading runs as shipped: default delivery settings, learning the limit itself.
      await grading.close();
      grading = await spawnGrading(env({ LOG_LEVEL: 'warn' }));
      await againstCanvasLikeLimit(emulator, launcher, producer, prefix);
    }
  } finally {
    await producer?.disconnect().catch(() => undefined);
    await grading?.close();
    await vault?.close();
    await emulator?.close();
    await dropTestDatabase(databaseUrl);
  }
}

/** One score per (activity, user), all published to Kafka at once; timed until the gradebook holds them all. */
async function throughGrading(emulator: EmulatorHandle, launcher: Launcher, producer: Producer, prefix: string): Promise<Figures> {
  const scenario = buildScenario({ platforms: PLATFORMS, activities: ACTIVITIES, users: Math.ceil(SCORES / ACTIVITIES), scores: SCORES, runId: randomId() });
  const launched = await prepare(emulator, launcher, scenario);
  await warmUp(emulator, producer, prefix, scenario);

  const publishedAt = new Map<string, number>();
  const acceptedBefore = await scoresAccepted(emulator);
  const cpuBefore = readCpu();
  const started = Date.now();
  for (let i = 0; i < scenario.scores.length; i += 500) {
    const chunk = scenario.scores.slice(i, i + 500);
    const at = Date.now();
    for (const s of chunk) publishedAt.set(`${s.data.platformId}|${s.data.contextId}|${s.data.userId}|${s.activity}`, at);
    await publishChunk(producer, prefix, chunk);
  }
  await waitForAccepted(emulator, acceptedBefore + scenario.expected.size);
  const cpuAfter = readCpu();
  const windowSeconds = (Date.now() - started) / 1000;
  const lineItems = await lineItemsOf(emulator, launched.map((l, i) => ({ ...scenario.activities[i], ...l })));
  const activityOf = new Map([...lineItems.entries()].map(([activity, lineItemId]) => [lineItemId, activity]));
  const written = await waitForGradebook(emulator, scenario, (e) => activityOf.has(e.lineItemId) && e.timestamp !== WARMUP_TIMESTAMP);
  const latencies = written.map((e) => Date.parse(e.stampedAt) - publishedAt.get(`${e.platformId}|${e.contextId}|${e.userId}|${activityOf.get(e.lineItemId)}`)!);
  const last = Math.max(...written.map((e) => Date.parse(e.stampedAt)));
  return { ...figures(written.length, (last - started) / 1000, latencies), cpuMsPerScore: cpuPerUnit(cpuBefore, cpuAfter, written.length, windowSeconds) };
}

/**
 * Scores offered at a constant rate, one per (activity, user), in ticks of
 * 100 ms: how long each takes from its publish to the gradebook when the
 * pipeline is not saturated (the goal is a p99 under a second).
 */
async function steadyState(emulator: EmulatorHandle, launcher: Launcher, producer: Producer, prefix: string, perSecond: number): Promise<void> {
  const rate = Math.max(1, Math.round(perSecond));
  const total = rate * STEADY_SECONDS;
  const scenario = buildScenario({ platforms: PLATFORMS, activities: ACTIVITIES, users: Math.ceil(total / ACTIVITIES), scores: total, runId: randomId() });
  const launched = await prepare(emulator, launcher, scenario);
  await warmUp(emulator, producer, prefix, scenario);
  const publishedAt = new Map<string, number>();
  const started = Date.now();
  let sent = 0;
  for (let tick = 1; sent < scenario.scores.length; tick++) {
    const due = Math.min(scenario.scores.length, Math.round((rate * tick) / 10));
    const chunk = scenario.scores.slice(sent, due);
    sent = due;
    const at = Date.now();
    for (const s of chunk) publishedAt.set(`${s.data.platformId}|${s.data.contextId}|${s.data.userId}|${s.activity}`, at);
    if (chunk.length) await publishChunk(producer, prefix, chunk);
    await sleep(Math.max(0, started + tick * 100 - Date.now()));
  }
  const lineItems = await lineItemsOf(emulator, launched.map((l, i) => ({ ...scenario.activities[i], ...l })));
  const activityOf = new Map([...lineItems.entries()].map(([activity, lineItemId]) => [lineItemId, activity]));
  const written = await waitForGradebook(emulator, scenario, (e) => activityOf.has(e.lineItemId) && e.timestamp !== WARMUP_TIMESTAMP);
  const latencies = written.map((e) => Date.parse(e.stampedAt) - publishedAt.get(`${e.platformId}|${e.contextId}|${e.userId}|${activityOf.get(e.lineItemId)}`)!);
  const f = figures(written.length, (Date.now() - started) / 1000, latencies);
  process.stdout.write(`${JSON.stringify({ bench: 'delivery-steady', offered_per_s: rate, seconds: STEADY_SECONDS, scores: f.scores, p50_ms: f.p50Ms, p99_ms: f.p99Ms })}\n`);
}

/**
 * One platform with a leaky-bucket limit: how many answers are throttled
 * overall (grading starts above the limit and must learn it) and in the
 * second half of the run (steady state, where AIMD and the quota header
 * should keep it near zero).
 */
async function againstCanvasLikeLimit(emulator: EmulatorHandle, launcher: Launcher, producer: Producer, prefix: string): Promise<void> {
  const activities = 4;
  const scenario = buildScenario({ platforms: 1, activities, users: Math.ceil(CANVAS_SCORES / activities), scores: CANVAS_SCORES, runId: randomId() });
  const platformId = scenario.activities[0].platformId;
  await prepare(emulator, launcher, scenario);
  await emulator.admin.configurePlatform(platformId, { rateLimit: { perSecond: CANVAS_LIMIT, burst: CANVAS_LIMIT, style: '403' } });
  const throttled = async () => {
    const c = await emulator.admin.counters();
    return { requests: c.requests, throttled: c.faults['platform-rate-limit'] ?? 0 };
  };
  const before = await throttled();
  const started = Date.now();
  await publishChunk(producer, prefix, scenario.scores);
  const half = { ...scenario, expected: new Map([...scenario.expected].slice(0, Math.floor(scenario.expected.size / 2))) };
  await waitForGradebook(emulator, half, () => true);
  const middle = await throttled();
  const written = await waitForGradebook(emulator, scenario, () => true);
  const after = await throttled();
  const seconds = (Math.max(...written.map((e) => Date.parse(e.stampedAt))) - started) / 1000;
  const share = (a: { requests: number; throttled: number }, b: { requests: number; throttled: number }) => round((b.throttled - a.throttled) / Math.max(1, b.requests - a.requests), 4);
  process.stdout.write(
    `${JSON.stringify({
      bench: 'delivery',
      mode: 'grading-against-canvas-like-limit',
      limit_per_s: CANVAS_LIMIT,
      scores: written.length,
      seconds: round(seconds, 2),
      scores_per_s: round(written.length / seconds, 1),
      throttled_share_overall: share(before, after),
      throttled_share_second_half: share(middle, after),
    })}\n`,
  );
}

/** The same kind of scores, sent as a grader without grading would: sequentially, one request at a time. */
async function naiveClient(emulator: EmulatorHandle, launcher: Launcher, count: number): Promise<Figures> {
  const scenario = buildScenario({ platforms: PLATFORMS, activities: ACTIVITIES, users: Math.max(1, Math.ceil(count / ACTIVITIES)), scores: count, runId: randomId() });
  const launched = await prepare(emulator, launcher, scenario);
  const client = new LtiaasClient({ baseUrl: emulator.url, apiKey: emulator.apiKey, logger: pino({ level: 'warn' }) });
  const latencies: number[] = [];
  const started = Date.now();
  try {
    for (const activity of scenario.activities) {
      const cred = { serviceKey: launched[activity.index].serviceKey };
      const label = activity.launchLineItem?.label ?? activity.selector!.label;
      let [item] = (await client.listLineItems(cred, { resourceLinkId: activity.resourceLinkId })).filter((i) => i.label === label);
      item ??= await client.createLineItem(cred, { label, scoreMaximum: 100, resourceLinkId: activity.resourceLinkId });
      for (const s of scenario.scores.filter((x) => x.activity === activity.index)) {
        const { lineItem: _selector, platformId: _p, contextId: _c, resourceLinkId: _r, ...score } = s.data;
        await client.postScore(cred, item.id, score);
        latencies.push(Date.now() - started);
      }
    }
  } finally {
    await client.close();
  }
  return figures(latencies.length, (Date.now() - started) / 1000, latencies);
}

const WARMUP_TIMESTAMP = '2025-12-31T00:00:00.000000Z';

/** One score per activity first, so line items exist and keys are resolved before the clock starts. */
async function warmUp(emulator: EmulatorHandle, producer: Producer, prefix: string, scenario: Scenario): Promise<void> {
  const warm = scenario.activities.map((a) => ({
    eventId: `warm-${randomId()}`,
    activity: a.index,
    data: { ...scenario.scores.find((s) => s.activity === a.index)!.data, timestamp: WARMUP_TIMESTAMP },
  }));
  await publishChunk(producer, prefix, warm);
  await waitForGradebook(emulator, { ...scenario, expected: new Map(warm.map((w) => [`${w.activity}|${w.data.userId}`, w.data])) }, (e) => e.timestamp === WARMUP_TIMESTAMP);
}

async function prepare(emulator: EmulatorHandle, launcher: Launcher, scenario: Scenario): Promise<LaunchedActivity[]> {
  await enrollScenario(emulator, scenario);
  return Promise.all(scenario.activities.map((a) => launcher.launch(a)));
}

async function publishChunk(producer: Producer, prefix: string, scores: Scenario['scores']): Promise<void> {
  await publishScores(producer, prefix, scores.map((s) => ({ id: s.eventId, data: s.data })));
}

type Entry = Awaited<ReturnType<EmulatorHandle['admin']['gradebook']>>[number];

/**
 * Waits until the emulator's count of accepted scores reaches `count` (or the timeout), watching
 * the counter only: reading thousands of gradebook entries every few hundred milliseconds
 * stalls the emulator, and with it every post in flight.
 */
async function waitForAccepted(emulator: EmulatorHandle, count: number): Promise<void> {
  const deadline = Date.now() + TIMEOUT_MS;
  while ((await scoresAccepted(emulator)) < count && Date.now() < deadline) await sleep(100);
}

/** Waits until the gradebook holds the scenario's scores. */
async function waitForGradebook(emulator: EmulatorHandle, scenario: Scenario, counts: (e: Entry) => boolean): Promise<Entry[]> {
  const platforms = [...new Set(scenario.activities.map((a) => a.platformId))];
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    const entries = (await Promise.all(platforms.map((platformId) => emulator.admin.gradebook({ platformId })))).flat().filter(counts);
    if (entries.length >= scenario.expected.size) return entries;
    if (Date.now() > deadline) throw new Error(`gradebook holds ${entries.length} of ${scenario.expected.size} scores after ${TIMEOUT_MS} ms`);
    await sleep(250);
  }
}

async function scoresAccepted(emulator: EmulatorHandle): Promise<number> {
  return (await emulator.admin.counters()).scoresAccepted;
}

function figures(scores: number, seconds: number, latencies: number[]): Figures {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { scores, seconds: round(seconds, 2), scoresPerSecond: Math.round(scores / seconds), p50Ms: Math.round(at(0.5)), p99Ms: Math.round(at(0.99)) };
}

function print(mode: string, latencyMs: number, f: Figures): void {
  process.stdout.write(
    `${JSON.stringify({
      bench: 'delivery',
      mode,
      latency_ms: latencyMs,
      concurrency: mode === 'grading' ? CONCURRENCY : 1,
      scores: f.scores,
      seconds: f.seconds,
      scores_per_s: f.scoresPerSecond,
      p50_ms: f.p50Ms,
      p99_ms: f.p99Ms,
    })}\n`,
  );
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
