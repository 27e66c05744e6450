// The stack the job, roster, sync-status and shutdown suites drive: the
// emulator, the vault and grading (in this process or as OS processes), a
// Launcher that puts serviceKeys in the vault and launch facts in grading,
// an admin client for grading's API, and direct reads of grading's tables.
import type { Producer } from 'kafkajs';
import { Client } from 'pg';
import type { RunCounts } from '../../apps/grading/src/jobs/sync-run';
import { startEmulator, type EmulatorHandle } from './emulator';
import { GradingClient, gradingEnv, Launcher, startGrading, startVault, type GradingHandle, type VaultHandle } from './grading';
import { createTestDatabase, dropTestDatabase, eventually, kafkaBrokers, testKafka, testTopicPrefix } from './infra';

export interface SyncStack {
  databaseUrl: string;
  brokers: string;
  topicPrefix: string;
  emulator: EmulatorHandle;
  vault: VaultHandle;
  producer: Producer;
  launcher: Launcher;
  /** The environment grading runs with (add overrides per process). */
  env(overrides?: Record<string, string>): Record<string, string>;
  /** A client with admin, scores:write and scores:read, pointed at `url()`. */
  client(url: () => string): GradingClient;
  /** Plain SQL against the suite's database. */
  sql<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export interface SyncStackOptions {
  brokers?: string;
  /** Grading settings every process of the suite shares. */
  gradingOverrides?: Record<string, string>;
  emulatorEnv?: Record<string, string>;
}

export async function startSyncStack(suite: string, options: SyncStackOptions = {}): Promise<SyncStack> {
  const brokers = options.brokers ?? kafkaBrokers();
  const databaseUrl = await createTestDatabase(suite);
  const topicPrefix = testTopicPrefix();
  const closers: Array<() => Promise<unknown>> = [() => dropTestDatabase(databaseUrl)];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };
  try {
    const emulator = await startEmulator({ env: options.emulatorEnv });
    closers.push(() => emulator.close());
    const vault = await startVault({ databaseUrl, brokers, topicPrefix });
    closers.push(() => vault.close());
    const gradingApiKey = await vault.issueKey(`grading-${suite}`.slice(0, 60), ['credentials:resolve', 'revocations:read']);
    const adminApiKey = await vault.issueKey(`ops-${suite}`.slice(0, 60), ['admin', 'scores:write', 'scores:read']);
    const kafka = testKafka(brokers);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    closers.push(() => producer.disconnect());
    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    closers.push(() => db.end());
    const env = (overrides: Record<string, string> = {}) =>
      gradingEnv({
        databaseUrl,
        brokers,
        topicPrefix,
        ltiaasUrl: emulator.url,
        ltiaasApiKey: emulator.apiKey,
        vaultUrl: vault.url,
        gradingApiKey,
        overrides: { JOBS_ENABLED: 'false', ...options.gradingOverrides, ...overrides },
      });
    return {
      databaseUrl,
      brokers,
      topicPrefix,
      emulator,
      vault,
      producer,
      launcher: new Launcher(emulator, producer, topicPrefix, vault.sealPublicJwk),
      env,
      client: (url) => new GradingClient(url, vault.url, adminApiKey),
      sql: async <T>(text: string, params: unknown[] = []) => (await db.query(text, params)).rows as T[],
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Grading in this process with the stack's environment. */
export function startStackGrading(stack: SyncStack, overrides: Record<string, string> = {}): Promise<GradingHandle & { app: import('@nestjs/platform-fastify').NestFastifyApplication }> {
  return startGrading(stack.env(overrides));
}

/** A run as GET /v1/sync/runs/:id answers it. */
export type RunView = RunCounts & {
  id: string;
  job: string;
  trigger: string;
  slot: string | null;
  status: string;
  resumedFrom: string | null;
  details: Record<string, unknown>;
  error: string | null;
  contexts?: Array<{ platformId: string; contextId: string; outcome: string; members: number; reason?: string; carriedOver: boolean }>;
};

/** Waits until a run is no longer running and answers it. */
export async function finishedRun(client: GradingClient, id: string, timeoutMs = 120_000): Promise<RunView> {
  return eventually(
    async () => {
      const res = await client.request('GET', `/v1/sync/runs/${id}`);
      if (res.status !== 200) throw new Error(`GET /v1/sync/runs/${id}: ${res.status} ${JSON.stringify(res.body)}`);
      const run = res.body as RunView;
      return run.status === 'running' ? undefined : run;
    },
    { timeoutMs, intervalMs: 250, what: `run ${id} to finish` },
  );
}

/** Waits until grading's contexts table knows the activity (its LaunchCaptured was consumed). */
export function launchRecorded(stack: SyncStack, triple: { platformId: string; contextId: string; resourceLinkId: string }): Promise<unknown> {
  return eventually(
    async () =>
      (
        await stack.sql(`SELECT 1 FROM grading.contexts WHERE platform_id = $1 AND context_id = $2 AND resource_link_id = $3 AND last_launch_at IS NOT NULL`, [
          triple.platformId,
          triple.contextId,
          triple.resourceLinkId,
        ])
      ).length > 0,
    { timeoutMs: 60_000, what: 'grading to record the launch' },
  );
}

export interface BuiltGrading {
  url: string;
  child: import('node:child_process').ChildProcess;
  /** Everything the process wrote to stdout (its JSON log lines). */
  stdout(): string;
  stderr(): string;
  /** Sends the signal and waits for the process to end (SIGKILL after `killAfterMs`). */
  stop(signal?: NodeJS.Signals, killAfterMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; killed: boolean }>;
}

/** The built grading (dist/apps/grading/src/main.js, from `node scripts/build.mjs`) as its own OS process. */
export async function spawnBuiltGrading(env: Record<string, string>, options: { readyTimeoutMs?: number } = {}): Promise<BuiltGrading> {
  const { spawn } = await import('node:child_process');
  const { existsSync } = await import('node:fs');
  const { resolve } = await import('node:path');
  const { freePort, sleep } = await import('./grading');
  const root = resolve(__dirname, '..', '..');
  const entry = resolve(root, 'dist/apps/grading/src/main.js');
  if (!existsSync(entry)) throw new Error(`${entry} not found: run \`node scripts/build.mjs\` first`);
  const port = Number(env.GRADING_PORT) || (await freePort());
  const child = spawn(process.execPath, [entry], { cwd: root, env: { ...process.env, ...env, GRADING_PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout = (stdout + chunk.toString()).slice(-2_000_000)));
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-50_000)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((ok) => child.once('exit', (code, signal) => ok({ code, signal })));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`grading exited with ${child.exitCode}: ${stderr}${stdout.slice(-5000)}`);
    if (await fetch(`${url}/health/live`).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`grading not ready at ${url}: ${stderr}${stdout.slice(-5000)}`);
    }
    await sleep(200);
  }
  return {
    url,
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    async stop(signal = 'SIGTERM', killAfterMs = 60_000) {
      if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, signal: child.signalCode, killed: false };
      let killed = false;
      const timer = setTimeout(() => {
        killed = true;
        child.kill('SIGKILL');
      }, killAfterMs);
      child.kill(signal);
      const result = await exited;
      clearTimeout(timer);
      return { ...result, killed };
    },
  };
}

/** The JSON log lines of a process's stdout. */
export function logLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return {};
      }
    });
}
