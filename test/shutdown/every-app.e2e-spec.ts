import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { freePort, sleep } from '../support/grading';
import { createTestDatabase, dropTestDatabase, kafkaBrokers, testTopicPrefix } from '../support/infra';
import { vaultSecretsEnv } from '../support/vault-env';

const ROOT = resolve(__dirname, '..', '..');

/** Starts a built app, waits for /health/live, sends SIGTERM and reports how it ended. */
async function stopWithSigterm(entry: string, env: Record<string, string>, port: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> {
  const path = resolve(ROOT, entry);
  if (!existsSync(path)) throw new Error(`${path} not found: run \`node scripts/build.mjs\` first`);
  const child = spawn(process.execPath, [path], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  child.stderr!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((ok) => child.once('exit', (code, signal) => ok({ code, signal })));
  const deadline = Date.now() + 60_000;
  while (!(await fetch(`http://127.0.0.1:${port}/health/live`).then((r) => r.ok, () => false))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${entry} did not come up: ${output}`);
    }
    await sleep(200);
  }
  const killer = setTimeout(() => child.kill('SIGKILL'), 45_000);
  child.kill('SIGTERM');
  const result = await exited;
  clearTimeout(killer);
  return { ...result, output };
}

/** Every app, built and started from the shell as in production, ends a SIGTERM with status 0. */
describe('SIGTERM ends every app with status 0', () => {
  const databases: string[] = [];
  let secrets: Awaited<ReturnType<typeof vaultSecretsEnv>>;
  const common = () => ({ KAFKA_BROKERS: kafkaBrokers(), KAFKA_TOPIC_PREFIX: testTopicPrefix(), HOST: '127.0.0.1', LOG_LEVEL: 'warn' });
  const database = async (suite: string) => {
    const url = await createTestDatabase(suite);
    databases.push(url);
    return url;
  };

  beforeAll(async () => {
    secrets = await vaultSecretsEnv();
  });

  afterAll(async () => {
    for (const url of databases) await dropTestDatabase(url).catch(() => undefined);
  });

  it('ltiaas-emulator', async () => {
    const port = await freePort();
    expect(await stopWithSigterm('dist/apps/ltiaas-emulator/src/main.js', { EMULATOR_PORT: String(port), LTIAAS_API_KEY: 'k' }, port)).toMatchObject({ code: 0, signal: null });
  });

  it('credential-vault', async () => {
    const port = await freePort();
    const env = { ...common(), ...secrets, DATABASE_URL: await database('sigterm_vault'), VAULT_PORT: String(port) };
    expect(await stopWithSigterm('dist/apps/credential-vault/src/main.js', env, port)).toMatchObject({ code: 0, signal: null });
  });

  it('launch', async () => {
    const port = await freePort();
    const env = { ...common(), DATABASE_URL: await database('sigterm_launch'), LAUNCH_PORT: String(port), LTIAAS_URL: 'http://127.0.0.1:9', LTIAAS_API_KEY: 'k', VAULT_SEAL_PUBLIC_JWK: secrets.VAULT_SEAL_PUBLIC_JWK, LAUNCH_SIGNING_PRIVATE_JWK: secrets.LAUNCH_SIGNING_PRIVATE_JWK };
    expect(await stopWithSigterm('dist/apps/launch/src/main.js', env, port)).toMatchObject({ code: 0, signal: null });
  });

  it('grading', async () => {
    const port = await freePort();
    const env = { ...common(), DATABASE_URL: await database('sigterm_grading'), GRADING_PORT: String(port), LTIAAS_URL: 'http://127.0.0.1:9', LTIAAS_API_KEY: 'k', GRADING_API_KEY: 'k', VAULT_URL: 'http://127.0.0.1:9', LAUNCH_SIGNING_PUBLIC_JWKS: secrets.LAUNCH_SIGNING_PUBLIC_JWKS };
    const result = await stopWithSigterm('dist/apps/grading/src/main.js', env, port);
    expect(result).toMatchObject({ code: 0, signal: null });
  });
});
