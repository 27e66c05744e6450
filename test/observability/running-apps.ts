// Starts each built app as production does (node dist/.../main.js, configured
// by environment) just long enough to read what it serves about itself.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { freePort, sleep } from '../support/grading';
import { createTestDatabase, dropTestDatabase, kafkaBrokers, testTopicPrefix } from '../support/infra';
import { testLaunchSigning } from '../support/launch-signing';
import { vaultSecretsEnv } from '../support/vault-env';

const ROOT = resolve(__dirname, '..', '..');

export type AppName = 'launch' | 'credential-vault' | 'grading';

export interface AppSelfDescription {
  /** The /metrics text, as Prometheus would scrape it. */
  metrics: string;
  /** The OpenAPI document served at /docs/openapi.json. */
  openapi: Record<string, unknown>;
}

async function get(url: string): Promise<string> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
  return response.text();
}

async function describeApp(entry: string, env: Record<string, string>, port: number): Promise<AppSelfDescription> {
  const path = resolve(ROOT, entry);
  if (!existsSync(path)) throw new Error(`${path} not found: run \`node scripts/build.mjs\` first`);
  const child = spawn(process.execPath, [path], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  child.stderr!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  try {
    const deadline = Date.now() + 60_000;
    while (!(await fetch(`http://127.0.0.1:${port}/health/live`).then((r) => r.ok, () => false))) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${entry} did not come up: ${output}`);
      await sleep(200);
    }
    const base = `http://127.0.0.1:${port}`;
    // One request first, so the HTTP series have been observed at least once.
    await get(`${base}/health/live`);
    return { metrics: await get(`${base}/metrics`), openapi: JSON.parse(await get(`${base}/docs/openapi.json`)) as Record<string, unknown> };
  } finally {
    const killer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.kill('SIGTERM');
    await exited;
    clearTimeout(killer);
  }
}

/** Boots launch, credential-vault and grading one after the other, each on its own database and topic prefix. */
export async function describeApps(): Promise<Record<AppName, AppSelfDescription>> {
  const secrets = await vaultSecretsEnv();
  const common = { KAFKA_BROKERS: kafkaBrokers(), KAFKA_TOPIC_PREFIX: testTopicPrefix(), HOST: '127.0.0.1', LOG_LEVEL: 'warn', DOCS_ENABLED: 'true' };
  const databases: string[] = [];
  const database = async (suite: string) => {
    const url = await createTestDatabase(suite);
    databases.push(url);
    return url;
  };
  try {
    const vaultPort = await freePort();
    const vault = await describeApp('dist/apps/credential-vault/src/main.js', { ...common, ...secrets, DATABASE_URL: await database('describe_vault'), VAULT_PORT: String(vaultPort) }, vaultPort);
    const launchPort = await freePort();
    const launch = await describeApp(
      'dist/apps/launch/src/main.js',
      { ...common, DATABASE_URL: await database('describe_launch'), LAUNCH_PORT: String(launchPort), LTIAAS_URL: 'http://127.0.0.1:9', LTIAAS_API_KEY: 'k', VAULT_SEAL_PUBLIC_JWK: secrets.VAULT_SEAL_PUBLIC_JWK, ...testLaunchSigning.env },
      launchPort,
    );
    const gradingPort = await freePort();
    const grading = await describeApp(
      'dist/apps/grading/src/main.js',
      { ...common, DATABASE_URL: await database('describe_grading'), GRADING_PORT: String(gradingPort), LTIAAS_URL: 'http://127.0.0.1:9', LTIAAS_API_KEY: 'k', GRADING_API_KEY: 'k', VAULT_URL: 'http://127.0.0.1:9', ...testLaunchSigning.env },
      gradingPort,
    );
    return { launch, 'credential-vault': vault, grading };
  } finally {
    for (const url of databases) await dropTestDatabase(url).catch(() => undefined);
  }
}
