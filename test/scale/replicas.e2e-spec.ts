// Three grading replicas (OS processes) and two vault replicas over one
// broker and one database, under the emulator's seeded fault storm, with one
// grading replica killed (kill -9) mid-run and restarted. The gradebook ends
// exact; the emulator saw no score applied older than the one on record and
// never two posts open at once for one (LMS line item, user). One activity is
// scored through two selectors that name the same LMS line item (none, and
// its label): order and one-in-flight hold per LMS line item, not per selector.
// The replicas run from the build: node scripts/build.mjs first.
import type { Producer } from 'kafkajs';
import { spawnEmulator, type EmulatorHandle } from '../support/emulator';
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
  spawnGrading,
  startVault,
  type GradingProcess,
  type LaunchedActivity,
  type Scenario,
  type VaultHandle,
} from '../support/grading';
import { createTestDatabase, dropTestDatabase, envNumber, eventually, kafkaBrokers, testKafka, testTopicPrefix } from '../support/infra';

const SCORES = envNumber('SCALE_E2E_SCORES', 3_000);
const USERS = envNumber('SCALE_E2E_USERS', 40);
const ACTIVITIES = envNumber('SCALE_E2E_ACTIVITIES', 10);
const PLATFORMS = envNumber('SCALE_E2E_PLATFORMS', 2);
const REPLICAS = envNumber('SCALE_E2E_REPLICAS', 3);
const TIMEOUT_MS = envNumber('SCALE_E2E_TIMEOUT_MS', 240_000);

jest.setTimeout(TIMEOUT_MS + 120_000);

describe('grading replicas', () => {
  let databaseUrl: string;
  let prefix: string;
  let emulator: EmulatorHandle;
  const vaults: VaultHandle[] = [];
  const replicas: GradingProcess[] = [];
  let envOf: (i: number) => Record<string, string>;
  let producer: Producer;
  let launcher: Launcher;
  let client: GradingClient;

  beforeAll(async () => {
    databaseUrl = await createTestDatabase('scale_replicas');
    prefix = testTopicPrefix();
    const brokers = kafkaBrokers();
    // Its own process: an LMS slowed by this test's own load would hold posts longer than any timeout allows for.
    emulator = await spawnEmulator({ env: { LOG_LEVEL: 'warn' } });
    vaults.push(await startVault({ databaseUrl, brokers, topicPrefix: prefix }));
    vaults.push(await startVault({ databaseUrl, brokers, topicPrefix: prefix, secrets: vaults[0].secrets }));
    const gradingKey = await vaults[0].issueKey('grading-service', ['credentials:resolve']);
    envOf = (i) =>
      gradingEnv({
        databaseUrl,
        brokers,
        topicPrefix: prefix,
        ltiaasUrl: emulator.url,
        ltiaasApiKey: emulator.apiKey,
        // Each replica asks its own vault replica.
        vaultUrl: vaults[i % vaults.length].url,
        gradingApiKey: gradingKey,
        // A post lasts at most 2 × 5 s + 2 s: the turn of a replica killed mid-post frees up within 12 s.
        overrides: { LTIAAS_TIMEOUT_MS: '5000', DELIVERY_LEASE_MS: '4000' },
      });
    // From the build (node scripts/build.mjs first): three replicas compiling TypeScript at once take minutes here.
    for (let i = 0; i < REPLICAS; i++) replicas.push(await spawnGrading(envOf(i), { readyTimeoutMs: 120_000, fromBuild: true }));
    // Replica 0 is the one killed; the client talks to the last.
    client = new GradingClient(() => replicas[REPLICAS - 1].url, vaults[1].url, await vaults[0].issueKey('grader', ['scores:write', 'scores:read']));
    producer = testKafka(brokers).producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    launcher = new Launcher(emulator, producer, prefix, vaults[0].sealPublicJwk);
  });

  afterAll(async () => {
    await producer?.disconnect().catch(() => undefined);
    await Promise.all(replicas.map((r) => r.close()));
    for (const vault of vaults) await vault.close();
    await emulator?.close();
    if (databaseUrl) await dropTestDatabase(databaseUrl);
  });

  /** Activity 0's scores alternate between no selector (the launch's line item) and a selector naming that same line item by label. */
  function twoSelectorsForActivityZero(scenario: Scenario): void {
    const label = scenario.activities[0].launchLineItem!.label;
    let k = 0;
    for (const score of scenario.scores) {
      if (score.activity !== 0) continue;
      if (k++ % 2 === 1) score.data = { ...score.data, lineItem: { label } };
    }
  }

  async function settled(scenario: Scenario): Promise<void> {
    const platformIds = [...new Set(scenario.activities.map((a) => a.platformId))];
    let summary = '';
    await eventually(
      async () => {
        const rows = (await Promise.all(platformIds.map((platformId) => client.allScores({ platformId })))).flat();
        const done = rows.filter((r) => (r.status === 'delivered' || r.status === 'superseded') && !r.inFlight);
        // Rows settled is not enough: a score accepted but not yet consumed leaves its row settled with an older value.
        const { delivered } = newestValuesDelivered(scenario, rows);
        summary = `${done.length} of ${rows.length} rows settled, ${delivered} of ${scenario.expected.size} newest values delivered; ${rows.filter((r) => r.status === 'failed').length} failed`;
        return done.length === rows.length && delivered === scenario.expected.size;
      },
      { timeoutMs: TIMEOUT_MS, intervalMs: 2000, what: 'every row settled and every newest value delivered' },
    ).catch((error: Error) => {
      throw new Error(`${error.message.split(';')[0]}: ${summary}`);
    });
  }

  it('delivers a fault storm exactly across replicas, one of them killed, in order per LMS line item and one post at a time', async () => {
    const scenario = buildScenario({ platforms: PLATFORMS, activities: ACTIVITIES, users: USERS, scores: SCORES, seed: 31, runId: randomId() });
    twoSelectorsForActivityZero(scenario);
    const platformIds = [...new Set(scenario.activities.map((a) => a.platformId))];
    await enrollScenario(emulator, scenario);
    const launched: LaunchedActivity[] = await Promise.all(scenario.activities.map((a) => launcher.launch(a)));
    const before = await emulator.admin.counters();
    await emulator.admin.setFaults({
      seed: 11,
      rules: [
        { id: 'errors', kind: 'http-error', status: 500, probability: 0.1, endpoints: ['scores.post', 'lineitems.*'], platforms: platformIds },
        { id: 'throttle', kind: 'too-many-requests', probability: 0.05, retryAfterSeconds: 1, endpoints: ['scores.post', 'lineitems.*'], platforms: platformIds },
        // Slow answers keep posts open long enough for a second one to the same (line item, user) to show.
        { id: 'slow', kind: 'latency', minMs: 50, maxMs: 400, probability: 0.3, endpoints: ['scores.post'], platforms: platformIds },
      ],
    });
    try {
      const third = Math.floor(scenario.scores.length / 3);
      const publish = (scores: Scenario['scores']) => publishScores(producer, prefix, scores.map((s) => ({ id: s.eventId, data: s.data })));
      await publish(scenario.scores.slice(0, third));
      await eventually(async () => (await client.allScores({ platformId: platformIds[0], status: 'delivered' })).length > 50, { timeoutMs: TIMEOUT_MS, what: 'deliveries under way' });
      await replicas[0].kill();
      // Over HTTP as well, to a survivor, while the killed replica is away.
      const viaHttp = scenario.scores.slice(third, third + 250).map((s) => s.data);
      await client.postBatchUntilAccepted(viaHttp, `scale-${scenario.scores[third].eventId}`, TIMEOUT_MS);
      await publish(scenario.scores.slice(third + 250, 2 * third));
      replicas[0] = await spawnGrading(envOf(0), { readyTimeoutMs: 120_000, fromBuild: true });
      await publish(scenario.scores.slice(2 * third));
      await settled(scenario);
    } finally {
      await emulator.admin.clearFaults();
    }

    const after = await emulator.admin.counters();
    expect({ regressions: after.scoreRegressions - before.scoreRegressions, overlaps: after.overlappingScorePosts - before.overlappingScorePosts }).toEqual({ regressions: 0, overlaps: 0 });
    const gradebook = await checkGradebook(emulator, scenario, await lineItemsOf(emulator, launched.map((l, i) => ({ ...scenario.activities[i], ...l }))));
    expect(gradebook.wrong.slice(0, 5)).toEqual([]);
    expect(gradebook.strays).toBe(0);
    // The two selectors of activity 0 are two ledger rows per user, and both settled.
    const activityZero = await client.allScores({ platformId: scenario.activities[0].platformId, resourceLinkId: scenario.activities[0].resourceLinkId });
    expect(new Set(activityZero.map((r) => JSON.stringify(r.lineItem ?? null))).size).toBeGreaterThan(1);
  });
});
