// Grading as several replicas (built, each its own process) over one broker
// and one database, against the emulator (its own process):
// - the same fault storm (500s, 429s, slow answers, seeded) delivered by one
//   replica and by three, in turn, several times: seconds until every newest
//   score is delivered, and until 99 % of them are. Three must not be slower
//   than one. The last rows of a storm are the ones whose retries drew 500s
//   and 429s several times in a row: their backoff (jittered, doubling) sets
//   the full time more than the replicas do, so each side is run more than
//   once and the medians compared;
// - recovery after kill -9 of one of two replicas under load: seconds from
//   the kill until a restarted replica is ready, until records on every
//   partition reach the ledger again (the group took the dead member's
//   partitions), and until the rows the dead replica had claimed are
//   claimed again and the first of them is delivered.
// One JSON line per figure. Run after the build: node dist/bench/delivery-replicas.bench.js
import type { Producer } from 'kafkajs';
import { Client } from 'pg';
import { spawnEmulator, type EmulatorHandle } from '../test/support/emulator';
import {
  buildScenario,
  enrollScenario,
  gradingEnv,
  Launcher,
  publishScores,
  randomId,
  sleep,
  spawnGrading,
  startVault,
  type GradingProcess,
  type Scenario,
  type VaultHandle,
} from '../test/support/grading';
import { createTestDatabase, dropTestDatabase, kafkaBrokers, testKafka, testTopicPrefix } from '../test/support/infra';

const SCORES = Number(process.env.BENCH_STORM_SCORES ?? 10_000);
const USERS = Number(process.env.BENCH_STORM_USERS ?? 200);
const ACTIVITIES = Number(process.env.BENCH_STORM_ACTIVITIES ?? 20);
const PLATFORMS = Number(process.env.BENCH_STORM_PLATFORMS ?? 3);
const REPLICAS = Number(process.env.BENCH_REPLICAS ?? 3);
/**
 * Storms per side (1 replica, REPLICAS replicas), run in turn. A storm's full time is set by its
 * unluckiest row: with 15 % of requests failing, most storms have a row that fails five times in a
 * row and some one that fails six or seven, each failure doubling its wait. So the median is taken over five.
 */
const STORM_RUNS = Number(process.env.BENCH_STORM_RUNS ?? 5);
const RECOVERY_SCORES = Number(process.env.BENCH_RECOVERY_SCORES ?? 4_000);
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS ?? 900_000);

/** As shipped, but posts last at most 2 × 3 s + 2 s, so the turn of a post cut off by a kill frees up within 8 s. */
const REPLICA_ENV = { LOG_LEVEL: 'error', LTIAAS_TIMEOUT_MS: '3000' };
/** DELIVERY_LEASE_MS as shipped. */
const LEASE_MS = 8_000;

async function main(): Promise<void> {
  const databaseUrl = await createTestDatabase('bench_replicas');
  const prefix = testTopicPrefix();
  const brokers = kafkaBrokers();
  const db = new Client({ connectionString: databaseUrl });
  let emulator: EmulatorHandle | undefined;
  let vault: VaultHandle | undefined;
  let producer: Producer | undefined;
  const running: GradingProcess[] = [];
  try {
    await db.connect();
    emulator = await spawnEmulator({ env: { LOG_LEVEL: 'warn', EMULATOR_REQUEST_LOG_SIZE: '10' } });
    vault = await startVault({ databaseUrl, brokers, topicPrefix: prefix, logLevel: 'error' });
    const gradingKey = await vault.issueKey('grading-service', ['credentials:resolve']);
    const env = gradingEnv({ databaseUrl, brokers, topicPrefix: prefix, ltiaasUrl: emulator.url, ltiaasApiKey: emulator.apiKey, vaultUrl: vault.url, gradingApiKey: gradingKey, overrides: REPLICA_ENV });
    producer = testKafka(brokers).producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const launcher = new Launcher(emulator, producer, prefix, vault.sealPublicJwk);
    const scale = async (n: number) => {
      while (running.length > n) await running.pop()!.close();
      while (running.length < n) running.push(await spawnGrading(env, { readyTimeoutMs: 120_000 }));
    };

    const storms: Record<number, StormTimes[]> = { 1: [], [REPLICAS]: [] };
    for (let run = 0; run < STORM_RUNS; run++) {
      for (const replicas of [1, REPLICAS]) {
        await scale(replicas);
        storms[replicas].push(await faultStorm(emulator, launcher, producer, prefix, db, run));
      }
    }
    const medians: Record<number, StormTimes> = {};
    for (const replicas of [1, REPLICAS]) {
      const runs = storms[replicas];
      medians[replicas] = { all: median(runs.map((r) => r.all)), p99: median(runs.map((r) => r.p99)) };
      print({
        bench: 'delivery-replicas',
        mode: 'fault-storm',
        replicas,
        scores: SCORES,
        runs: runs.length,
        seconds: round(medians[replicas].all, 2),
        seconds_to_99_percent: round(medians[replicas].p99, 2),
        seconds_each: runs.map((r) => round(r.all, 2)),
      });
    }
    print({
      bench: 'delivery-replicas',
      mode: 'fault-storm-ratio',
      replicas: REPLICAS,
      seconds_n_over_1: round(medians[REPLICAS].all / medians[1].all, 3),
      seconds_to_99_percent_n_over_1: round(medians[REPLICAS].p99 / medians[1].p99, 3),
    });

    await scale(2);
    await recovery(emulator, launcher, producer, prefix, db, running, env);
  } finally {
    await producer?.disconnect().catch(() => undefined);
    await Promise.all(running.map((r) => r.close()));
    await vault?.close();
    await emulator?.close();
    await db.end().catch(() => undefined);
    await dropTestDatabase(databaseUrl);
  }
}

interface StormTimes {
  /** Seconds until every row of the run is delivered. */
  all: number;
  /** Seconds until 99 % of them are. */
  p99: number;
}

/**
 * The delivery e2e's storm, seeded (run `run` draws the same faults whatever
 * the replicas): seconds from the first publish until 99 % and until all of
 * the run's rows are delivered. The clock starts once the vault and grading
 * both hold every activity's launch, so no score waits for a launch that is
 * still on its way: that race is not what this measures.
 */
async function faultStorm(emulator: EmulatorHandle, launcher: Launcher, producer: Producer, prefix: string, db: Client, run: number): Promise<StormTimes> {
  const scenario = buildScenario({ platforms: PLATFORMS, activities: ACTIVITIES, users: USERS, scores: SCORES, seed: 2, runId: randomId() });
  const platformIds = [...new Set(scenario.activities.map((a) => a.platformId))];
  await enrollScenario(emulator, scenario);
  await Promise.all(scenario.activities.map((a) => launcher.launch(a)));
  await until(async () => (await launchesHeld(db, platformIds)) >= scenario.activities.length, 'every launch in the vault and in grading');
  await emulator.admin.setFaults({
    seed: 7 + run,
    rules: [
      { id: 'errors', kind: 'http-error', status: 500, probability: 0.1, endpoints: ['scores.post', 'lineitems.*'], platforms: platformIds },
      { id: 'throttle', kind: 'too-many-requests', probability: 0.05, retryAfterSeconds: 1, endpoints: ['scores.post', 'lineitems.*'], platforms: platformIds },
      { id: 'slow', kind: 'latency', ms: 200, probability: 0.1, endpoints: ['scores.post', 'lineitems.*'], platforms: platformIds },
    ],
  });
  try {
    const started = Date.now();
    await publish(producer, prefix, scenario.scores);
    await until(async () => (await settledCount(db, platformIds)) >= scenario.expected.size * 0.99, `99 % of ${scenario.expected.size} rows delivered`, 100);
    const p99 = (Date.now() - started) / 1000;
    await until(async () => (await settledCount(db, platformIds)) >= scenario.expected.size, `${scenario.expected.size} rows delivered`, 100);
    const all = (Date.now() - started) / 1000;
    // The run's last row and its attempts, for the reader of a long tail.
    process.stderr.write(`[storm] run ${run}: ${JSON.stringify({ all, p99, lastRow: await lastDelivered(db, platformIds, new Date(started)) })}\n`);
    return { all, p99 };
  } finally {
    await emulator.admin.clearFaults();
  }
}

async function recovery(emulator: EmulatorHandle, launcher: Launcher, producer: Producer, prefix: string, db: Client, running: GradingProcess[], env: Record<string, string>): Promise<void> {
  const scenario = buildScenario({ platforms: PLATFORMS, activities: ACTIVITIES, users: USERS, scores: RECOVERY_SCORES, seed: 5, runId: randomId() });
  const platformIds = [...new Set(scenario.activities.map((a) => a.platformId))];
  await enrollScenario(emulator, scenario);
  await Promise.all(scenario.activities.map((a) => launcher.launch(a)));
  // Slow answers keep rows claimed and posts open when the kill comes.
  await emulator.admin.setFaults({ seed: 3, rules: [{ id: 'slow', kind: 'latency', ms: 150, probability: 1, endpoints: ['scores.post'], platforms: platformIds }] });
  try {
    await publish(producer, prefix, scenario.scores);
    await until(async () => (await settledCount(db, platformIds)) > scenario.expected.size / 5, 'deliveries under way');
    const killedAt = Date.now();
    await running[0].kill();
    const killedAtDb = new Date(killedAt);
    // One record per activity: together they land on every partition the dead replica may have held.
    const probes = scenario.activities.map((a) => ({
      id: `probe-${randomId()}`,
      data: { ...scenario.scores.find((s) => s.activity === a.index)!.data, timestamp: '2026-06-01T00:00:00.000000Z' },
    }));
    let claimsOrphaned = 0;
    const restarted = spawnGrading(env, { readyTimeoutMs: 120_000 });
    const ready = restarted.then(async (r) => {
      await until(async () => (await fetch(`${r.url}/health/ready`).then((res) => res.status, () => 0)) === 200, 'restarted replica ready', 50);
      return (Date.now() - killedAt) / 1000;
    });
    const partitions = (async () => {
      await publish(producer, prefix, probes);
      await until(async () => (await probesIn(db, probes.map((p) => p.data))) === probes.length, 'probes in the ledger', 100);
      return (Date.now() - killedAt) / 1000;
    })();
    const claims = (async () => {
      // Half a lease after the kill the survivor has renewed its claims (every quarter lease) and the
      // dead replica's still hold: those with less than half a lease left are the dead replica's.
      await sleep(LEASE_MS / 2 + 500 - (Date.now() - killedAt));
      const orphaned = (await leased(db, platformIds)).filter((r) => r.leftMs < LEASE_MS * 0.55);
      claimsOrphaned = orphaned.length;
      if (orphaned.length === 0) return { reclaimed: null, delivered: null };
      const ids = orphaned.map((r) => r.id);
      const owners = orphaned.map((r) => r.owner);
      // Reclaimed: no orphaned row still carries the dead replica's claim.
      await until(async () => (await stillHeld(db, ids, owners)) === 0, 'orphaned claims taken over', 100);
      const reclaimed = (Date.now() - killedAt) / 1000;
      const first = await until(async () => firstDeliveredAfter(db, ids, killedAtDb), 'an orphaned row delivered', 100);
      return { reclaimed, delivered: (first.getTime() - killedAt) / 1000 };
    })();
    const [readyS, partitionsS, claimsS] = await Promise.all([ready, partitions, claims]);
    running[0] = await restarted;
    print({
      bench: 'delivery-replicas',
      mode: 'kill-9-recovery',
      replicas: 2,
      claims_orphaned: claimsOrphaned,
      kill_to_ready_s: round(readyS, 2),
      kill_to_partitions_s: round(partitionsS, 2),
      kill_to_claims_taken_over_s: claimsS.reclaimed === null ? null : round(claimsS.reclaimed, 2),
      kill_to_next_delivery_s: claimsS.delivered === null ? null : round(claimsS.delivered, 2),
    });
  } finally {
    await emulator.admin.clearFaults();
  }
}

async function publish(producer: Producer, prefix: string, scores: Array<{ eventId?: string; id?: string; data: Scenario['scores'][number]['data'] }>): Promise<void> {
  await publishScores(producer, prefix, scores.map((s) => ({ id: s.eventId ?? s.id, data: s.data })));
}

/** Activities whose launch both the vault (its serviceKey) and grading (its context) have applied. */
async function launchesHeld(db: Client, platformIds: string[]): Promise<number> {
  const { rows } = await db.query(
    `SELECT count(*)::int AS n FROM vault.service_keys k
     JOIN grading.contexts c USING (platform_id, context_id, resource_link_id)
     WHERE k.platform_id = ANY($1) AND c.last_launch_at IS NOT NULL`,
    [platformIds],
  );
  return rows[0].n;
}

async function lastDelivered(db: Client, platformIds: string[], since: Date): Promise<unknown> {
  const { rows } = await db.query(
    `SELECT a.outcome, a.status_code AS status, round(EXTRACT(EPOCH FROM a.attempted_at - $2)::numeric, 2)::float8 AS at, a.version
     FROM grading.score_attempts a
     WHERE a.score_id = (SELECT id FROM grading.scores WHERE platform_id = ANY($1) ORDER BY delivered_at DESC NULLS LAST LIMIT 1)
     ORDER BY a.id`,
    [platformIds, since],
  );
  return rows;
}

async function settledCount(db: Client, platformIds: string[]): Promise<number> {
  const { rows } = await db.query(`SELECT count(*)::int AS n FROM grading.scores WHERE platform_id = ANY($1) AND status IN ('delivered', 'superseded') AND lease_owner IS NULL`, [platformIds]);
  return rows[0].n;
}

async function leased(db: Client, platformIds: string[]): Promise<Array<{ id: string; owner: string; leftMs: number }>> {
  const { rows } = await db.query(
    `SELECT id::text, lease_owner::text AS owner, (EXTRACT(EPOCH FROM lease_until - now()) * 1000)::float8 AS "leftMs"
     FROM grading.scores WHERE platform_id = ANY($1) AND lease_owner IS NOT NULL`,
    [platformIds],
  );
  return rows;
}

async function stillHeld(db: Client, ids: string[], owners: string[]): Promise<number> {
  const { rows } = await db.query(
    `SELECT count(*)::int AS n FROM grading.scores s JOIN unnest($1::bigint[], $2::uuid[]) AS o(id, owner) ON s.id = o.id WHERE s.lease_owner = o.owner`,
    [ids, owners],
  );
  return rows[0].n;
}

async function firstDeliveredAfter(db: Client, ids: string[], after: Date): Promise<Date | undefined> {
  const { rows } = await db.query(`SELECT min(delivered_at) AS at FROM grading.scores WHERE id = ANY($1::bigint[]) AND delivered_at > $2`, [ids, after]);
  return rows[0].at ?? undefined;
}

async function probesIn(db: Client, probes: Array<{ platformId: string; resourceLinkId: string; userId: string; timestamp: string }>): Promise<number> {
  const { rows } = await db.query(
    `SELECT count(*)::int AS n FROM grading.scores s JOIN unnest($1::text[], $2::text[], $3::text[]) AS p(platform_id, resource_link_id, user_id)
       ON s.platform_id = p.platform_id AND s.resource_link_id = p.resource_link_id AND s.user_id = p.user_id
     WHERE s."timestamp" LIKE $4`,
    [probes.map((p) => p.platformId), probes.map((p) => p.resourceLinkId), probes.map((p) => p.userId), `${probes[0].timestamp.slice(0, 10)}%`],
  );
  return rows[0].n;
}

async function until<T>(probe: () => Promise<T>, what: string, intervalMs = 250): Promise<NonNullable<T>> {
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
}

function print(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
