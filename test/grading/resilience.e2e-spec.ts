// Grading as its own OS process, on a Kafka broker and a PostgreSQL of this
// suite's own: kill -9 of grading mid-run, a broker restart and a database
// restart each end with the exact gradebook, nothing lost, nothing older
// sent after something newer.
import type { Producer } from 'kafkajs';
import { OwnBroker } from '../support/broker';
import { startEmulator, type EmulatorHandle } from '../support/emulator';
import {
  buildScenario,
  checkGradebook,
  enrollScenario,
  gradingEnv,
  GradingClient,
  Launcher,
  lineItemsOf,
  newestValuesDelivered,
  publishScores,
  randomId,
  sleep,
  spawnGrading,
  startOwnPostgres,
  startVault,
  type GradingProcess,
  type LaunchedActivity,
  type OwnPostgres,
  type Scenario,
  type VaultHandle,
} from '../support/grading';
import { createTestDatabase, dropTestDatabase, envNumber, eventually, testKafka, testPort, testTopicPrefix } from '../support/infra';

const SCORES = envNumber('GRADING_E2E_SCORES', 10_000);
const USERS = envNumber('GRADING_E2E_USERS', 200);
const ACTIVITIES = envNumber('GRADING_E2E_ACTIVITIES', 20);
const PLATFORMS = envNumber('GRADING_E2E_PLATFORMS', 3);
const DELIVERY_TIMEOUT_MS = envNumber('GRADING_E2E_TIMEOUT_MS', 600_000);
const BROKER_PORT = envNumber('GRADING_E2E_BROKER_PORT', testPort(19_592));

jest.setTimeout(DELIVERY_TIMEOUT_MS * 2 + 300_000);

describe('grading resilience', () => {
  const broker = new OwnBroker(BROKER_PORT);
  let postgres: OwnPostgres;
  let vaultDatabaseUrl: string;
  let prefix: string;
  let emulator: EmulatorHandle;
  let vault: VaultHandle;
  let grading: GradingProcess;
  let env: Record<string, string>;
  let producer: Producer;
  let launcher: Launcher;
  let client: GradingClient;

  beforeAll(async () => {
    await broker.start();
    postgres = await startOwnPostgres();
    vaultDatabaseUrl = await createTestDatabase('grading_resilience_vault');
    prefix = testTopicPrefix();
    // A long request log, so a wrong gradebook entry can be shown with the posts that reached the LMS.
    emulator = await startEmulator({ env: { EMULATOR_REQUEST_LOG_SIZE: '100000' } });
    vault = await startVault({ databaseUrl: vaultDatabaseUrl, brokers: broker.brokers, topicPrefix: prefix });
    const gradingKey = await vault.issueKey('grading-service', ['credentials:resolve', 'revocations:read']);
    client = new GradingClient(() => grading.url, vault.url, await vault.issueKey('grader', ['scores:write', 'scores:read']));
    env = gradingEnv({
      databaseUrl: postgres.url('grading_resilience'),
      brokers: broker.brokers,
      topicPrefix: prefix,
      ltiaasUrl: emulator.url,
      ltiaasApiKey: emulator.apiKey,
      vaultUrl: vault.url,
      gradingApiKey: gradingKey,
      // A killed process's rows come back after the lease; a short one keeps the suite quick.
      overrides: { DELIVERY_LEASE_MS: '20000', LTIAAS_TIMEOUT_MS: '4000' },
    });
    grading = await spawnGrading(env);
    producer = testKafka(broker.brokers).producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 30, maxRetryTime: 5000 } });
    await producer.connect();
    launcher = new Launcher(emulator, producer, prefix, vault.sealPublicJwk);
  });

  afterAll(async () => {
    // A test that failed mid-outage must not leave the broker or the database down for the clean-up.
    await broker.start().catch(() => undefined);
    await postgres?.start().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
    await grading?.close();
    await vault?.close();
    await emulator?.close();
    await postgres?.destroy();
    await broker.stop();
    if (vaultDatabaseUrl) await dropTestDatabase(vaultDatabaseUrl);
  });

  function newScenario(seed: number): Scenario {
    return buildScenario({ platforms: PLATFORMS, activities: ACTIVITIES, users: USERS, scores: SCORES, seed, runId: randomId() });
  }

  async function prepare(scenario: Scenario): Promise<LaunchedActivity[]> {
    await enrollScenario(emulator, scenario);
    return Promise.all(scenario.activities.map((a) => launcher.launch(a)));
  }

  /** Half over Kafka, half over HTTP (retrying 503s and a grading that is not there). */
  async function send(scores: Scenario['scores']): Promise<void> {
    const viaKafka = scores.filter((_, i) => i % 2 === 0);
    const viaHttp = scores.filter((_, i) => i % 2 === 1);
    const batches: Array<Promise<unknown>> = [];
    for (let i = 0; i < viaHttp.length; i += 250) {
      const batch = viaHttp.slice(i, i + 250);
      batches.push(client.postBatchUntilAccepted(batch.map((s) => s.data), `http-${batch[0].eventId}`, DELIVERY_TIMEOUT_MS));
    }
    await Promise.all([publishScores(producer, prefix, viaKafka.map((s) => ({ id: s.eventId, data: s.data }))), ...batches]);
  }

  async function countDelivered(scenario: Scenario): Promise<number> {
    const platformIds = [...new Set(scenario.activities.map((a) => a.platformId))];
    const rows = (await Promise.all(platformIds.map((platformId) => client.allScores({ platformId, status: 'delivered' })))).flat();
    return rows.length;
  }

  async function expectExactGradebook(scenario: Scenario, launched: LaunchedActivity[]): Promise<void> {
    const platformIds = [...new Set(scenario.activities.map((a) => a.platformId))];
    let summary = '';
    await eventually(
      async () => {
        const rows = (await Promise.all(platformIds.map((platformId) => client.allScores({ platformId })))).flat();
        const { holding, delivered } = newestValuesDelivered(scenario, rows);
        summary = `${delivered} of ${scenario.expected.size} newest values delivered (${rows.length} rows, ${holding} holding their newest value)`;
        return rows.length === scenario.expected.size && delivered === rows.length;
      },
      { timeoutMs: DELIVERY_TIMEOUT_MS, intervalMs: 2000, what: 'every newest value in the ledger and delivered' },
    ).catch((error: Error) => {
      throw new Error(`${error.message.split(';')[0]}: ${summary}`);
    });
    const gradebook = await checkGradebook(emulator, scenario, await lineItemsOf(emulator, launched.map((l, i) => ({ ...scenario.activities[i], ...l }))));
    expect(await explainWrong(scenario, gradebook.wrong.slice(0, 5))).toEqual([]);
    expect(gradebook.strays).toBe(0);
  }

  /**
   * What the ledger holds for each wrong gradebook entry, what the LMS holds
   * now and which posts reached it around the last recorded delivery: tells
   * a score never recorded from one sent and lost, or sent out of order.
   */
  async function explainWrong(scenario: Scenario, wrong: Array<{ key: string }>): Promise<unknown[]> {
    if (wrong.length === 0) return [];
    const { scoreRegressions, overlappingScorePosts } = await emulator.admin.counters();
    const requests = await emulator.admin.requests();
    return Promise.all(
      wrong.map(async (w) => {
        const [index, userId] = w.key.split('|');
        const a = scenario.activities[Number(index)];
        const qs = new URLSearchParams({ platformId: a.platformId, contextId: a.contextId, userId, attempts: '10' });
        const res = await client.request('GET', `/v1/scores?${qs}`);
        const row = (res.body.scores as any[]).find((r) => r.resourceLinkId === a.resourceLinkId);
        if (!row) return { ...w, ledger: 'no ledger row' };
        const lineItemId: string | undefined = row.history[0]?.lineItemId ?? row.lineItemId ?? undefined;
        const [now] = lineItemId ? await emulator.admin.gradebook({ lineItemId, userId }) : [];
        const lastAt = row.delivered ? Date.parse(row.delivered.at) : 0;
        const posts = requests
          .filter((r) => r.endpoint === 'scores.post' && lineItemId && r.path.includes(encodeURIComponent(lineItemId)) && Math.abs(Date.parse(r.at) - lastAt) < 3000)
          .map((r) => `${r.at} ${r.status}`);
        return {
          ...w,
          ledger: { score: row.score, status: row.status, delivered: row.delivered, attempts: row.history },
          lms: { now: now && { scoreGiven: now.scoreGiven, timestamp: now.timestamp, writes: now.writes }, scoreRegressions, overlappingScorePosts, postsToLineItemNearLastDelivery: posts },
        };
      }),
    );
  }

  it('loses nothing when grading is killed with SIGKILL mid-run and restarted', async () => {
    const scenario = newScenario(11);
    const launched = await prepare(scenario);
    const third = Math.floor(scenario.scores.length / 3);
    await send(scenario.scores.slice(0, third));
    await eventually(async () => (await countDelivered(scenario)) > 100, { timeoutMs: DELIVERY_TIMEOUT_MS, what: 'deliveries under way' });
    await grading.kill();
    // While grading is gone: Kafka still takes scores; HTTP waits for the restart.
    const whileDown = send(scenario.scores.slice(third, 2 * third));
    await sleep(2000);
    grading = await spawnGrading(env);
    await whileDown;
    await send(scenario.scores.slice(2 * third));
    await expectExactGradebook(scenario, launched);
  });

  it('loses nothing across a restart of the Kafka broker', async () => {
    const scenario = newScenario(12);
    const launched = await prepare(scenario);
    const half = Math.floor(scenario.scores.length / 2);
    await send(scenario.scores.slice(0, half));
    await broker.stop();
    // HTTP ingest answers 503 with Retry-After while the broker is away; a client retries until it is back.
    const refused = await client.request('POST', '/v1/scores', scenario.scores[half].data);
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    const httpOnly = scenario.scores.slice(half, half + 500).map((s) => s.data);
    const duringOutage = client.postBatchUntilAccepted(httpOnly.slice(0, 250), `outage-${scenario.scores[half].eventId}`, DELIVERY_TIMEOUT_MS);
    await sleep(5000);
    await broker.start();
    await duringOutage;
    await client.postBatchUntilAccepted(httpOnly.slice(250), `outage-2-${scenario.scores[half].eventId}`, DELIVERY_TIMEOUT_MS);
    await send(scenario.scores.slice(half + 500));
    await expectExactGradebook(scenario, launched);
  });

  it('loses nothing across a restart of PostgreSQL', async () => {
    const scenario = newScenario(13);
    const launched = await prepare(scenario);
    const half = Math.floor(scenario.scores.length / 2);
    await send(scenario.scores.slice(0, half));
    await eventually(async () => (await countDelivered(scenario)) > 100, { timeoutMs: DELIVERY_TIMEOUT_MS, what: 'deliveries under way' });
    await postgres.stop();
    // Kafka keeps taking scores while the ledger is away; the consumer waits and catches up.
    const whileDown = publishScores(producer, prefix, scenario.scores.slice(half, half + 1000).map((s) => ({ id: s.eventId, data: s.data })));
    await sleep(5000);
    await postgres.start();
    await whileDown;
    await send(scenario.scores.slice(half + 1000));
    await expectExactGradebook(scenario, launched);
  });
});
