// Roster refresh throughput: 20,000 members over 40 courses, read page by
// page from the built emulator in its own process (no injected latency),
// through the vault's serviceKeys, into grading.roster_members. Prints one
// JSON line per figure: the first refresh (every member new) and a repeat
// (every member already known).
//   built:       node dist/bench/roster.bench.js   (after `node scripts/build.mjs`)
// BENCH_CONTEXTS and BENCH_MEMBERS_PER_CONTEXT override the defaults;
// KAFKA_BROKERS and DATABASE_URL as everywhere.
import { Client } from 'pg';
import { spawnEmulator, type EmulatorHandle } from '../test/support/emulator';
import { GradingClient, gradingEnv, Launcher, startGrading, startVault, type GradingHandle, type VaultHandle } from '../test/support/grading';
import { createTestDatabase, dropTestDatabase, eventually, kafkaBrokers, testKafka, testTopicPrefix } from '../test/support/infra';

// Stdout carries the figures only: the apps in this process log errors alone.
process.env.TEST_LOG_LEVEL ??= 'error';

const CONTEXTS = Number(process.env.BENCH_CONTEXTS ?? 40);
const PER_CONTEXT = Number(process.env.BENCH_MEMBERS_PER_CONTEXT ?? 500);
const PLATFORM = 'https://bench.roster.test';

interface Run {
  id: string;
  status: string;
  startedAt: string;
  finishedAt: string | null;
  membersSeen: number;
  contextsDone: number;
  contextsTotal: number;
  error: string | null;
}

async function refresh(client: GradingClient): Promise<Run> {
  const started = await client.request('POST', '/v1/sync/rosters', {});
  if (started.status !== 202) throw new Error(`POST /v1/sync/rosters: ${started.status} ${JSON.stringify(started.body)}`);
  return eventually(
    async () => {
      const run = (await client.request('GET', `/v1/sync/runs/${started.body.id}`)).body as Run;
      return run.status === 'running' ? undefined : run;
    },
    { timeoutMs: 600_000, intervalMs: 50, what: 'the roster refresh to finish' },
  );
}

function figure(label: string, run: Run): Record<string, unknown> {
  if (run.status !== 'succeeded' || run.contextsDone !== CONTEXTS) throw new Error(`refresh did not succeed: ${JSON.stringify(run)}`);
  const seconds = (Date.parse(run.finishedAt!) - Date.parse(run.startedAt)) / 1000;
  return {
    bench: 'roster-refresh',
    run: label,
    contexts: run.contextsDone,
    members: run.membersSeen,
    seconds: Number(seconds.toFixed(3)),
    membersPerSecond: Math.round(run.membersSeen / seconds),
    target: 5000,
  };
}

async function main(): Promise<void> {
  const brokers = kafkaBrokers();
  const databaseUrl = await createTestDatabase('roster_bench');
  const topicPrefix = testTopicPrefix();
  let emulator: EmulatorHandle | undefined;
  let vault: VaultHandle | undefined;
  let grading: GradingHandle | undefined;
  const producer = testKafka(brokers).producer({ idempotent: true, maxInFlightRequests: 1 });
  const db = new Client({ connectionString: databaseUrl });
  try {
    emulator = await spawnEmulator();
    vault = await startVault({ databaseUrl, brokers, topicPrefix });
    const gradingApiKey = await vault.issueKey('grading-bench', ['credentials:resolve', 'revocations:read']);
    const adminKey = await vault.issueKey('ops-bench', ['admin']);
    grading = await startGrading(
      gradingEnv({ databaseUrl, brokers, topicPrefix, ltiaasUrl: emulator.url, ltiaasApiKey: emulator.apiKey, vaultUrl: vault.url, gradingApiKey, overrides: { JOBS_ENABLED: 'false' } }),
    );
    const client = new GradingClient(() => grading!.url, vault.url, adminKey);
    await producer.connect();
    await db.connect();

    const launcher = new Launcher(emulator, producer, topicPrefix, vault.sealPublicJwk);
    for (let c = 0; c < CONTEXTS; c++) {
      const contextId = `course-${c}`;
      await emulator.admin.enroll(
        PLATFORM,
        contextId,
        // The instructor who launches makes one more: PER_CONTEXT - 1 learners.
        Array.from({ length: PER_CONTEXT - 1 }, (_, i) => ({ userId: `c${c}-learner-${i}`, roles: ['Learner'], name: `Learner ${i}`, email: `c${c}.l${i}@bench.test` })),
      );
      await launcher.launch({ platformId: PLATFORM, contextId, resourceLinkId: `activity-${c}` });
    }
    await eventually(async () => Number((await db.query(`SELECT count(*) AS n FROM grading.contexts WHERE nrps_available`)).rows[0].n) === CONTEXTS, {
      timeoutMs: 120_000,
      what: 'grading to record every launch',
    });
    // The vault stores keys from the same events; a key missing here would be skipped, not benchmarked.
    await eventually(async () => Number((await db.query(`SELECT count(*) AS n FROM vault.service_keys`).catch(() => ({ rows: [{ n: CONTEXTS }] }))).rows[0].n) >= CONTEXTS, {
      timeoutMs: 120_000,
      what: 'the vault to store every serviceKey',
    });

    console.log(JSON.stringify(figure('first', await refresh(client))));
    console.log(JSON.stringify(figure('repeat', await refresh(client))));
  } finally {
    await producer.disconnect().catch(() => undefined);
    await db.end().catch(() => undefined);
    await grading?.close().catch(() => undefined);
    await vault?.close().catch(() => undefined);
    await emulator?.close().catch(() => undefined);
    await dropTestDatabase(databaseUrl).catch(() => undefined);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`roster bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
