#!/usr/bin/env node
// npm start: the whole stack on this machine. Starts (or reuses) Kafka and
// PostgreSQL, builds, creates the database roles, migrates as the migration
// role, starts the emulator (unless LTIAAS_URL is set), the three apps, each
// logged in as its own role, and the operator console, prints their URLs and a
// ready-made launch link.
// Ctrl-C stops everything it started.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensureDatabase, ensureKafka, ROOT, stopKafka } from './lib/infra.mjs';
import { must } from './lib/run.mjs';
import { ensureSecrets, writeSecrets } from './lib/secrets.mjs';

const started = Date.now();
const say = (message) => process.stdout.write(`${message}\n`);
const children = [];
let stopping = false;

const kafka = await ensureKafka();
const db = await ensureDatabase();
await must('node', [path.join(ROOT, 'scripts', 'build.mjs')]);
// The same roles as in production (README, "Database roles"); local trust auth needs no passwords.
await must('node', [path.join(ROOT, 'scripts', 'db-roles.mjs')], { env: { ...process.env, DATABASE_ADMIN_URL: db.url } });
const loginAs = (role) => Object.assign(new URL(db.url), { username: role, password: '' }).toString();
await must('node', [path.join(ROOT, 'scripts', 'migrate.mjs')], { env: { ...process.env, MIGRATIONS_URL: loginAs('lti_migrator') } });
const secrets = await ensureSecrets();

const ports = {
  launch: Number(process.env.LAUNCH_PORT ?? 3001),
  vault: Number(process.env.VAULT_PORT ?? 3002),
  grading: Number(process.env.GRADING_PORT ?? 3003),
  emulator: Number(process.env.EMULATOR_PORT ?? 3100),
  console: Number(process.env.CONSOLE_PORT ?? 3004),
};
const local = (port) => `http://127.0.0.1:${port}`;
const useEmulator = !process.env.LTIAAS_URL;
const ltiaasUrl = process.env.LTIAAS_URL ?? local(ports.emulator);
const common = {
  ...process.env,
  KAFKA_BROKERS: kafka.brokers,
  LTIAAS_URL: ltiaasUrl,
  LTIAAS_API_KEY: process.env.LTIAAS_API_KEY ?? secrets.LTIAAS_API_KEY,
  VAULT_URL: process.env.VAULT_URL ?? local(ports.vault),
  MIGRATIONS_RUN: 'false',
  DOCS_ENABLED: process.env.DOCS_ENABLED ?? 'true',
};
const logDir = path.join(ROOT, '.local', 'logs');
fs.mkdirSync(logDir, { recursive: true });

process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

try {
  if (useEmulator) {
    startApp('ltiaas-emulator', { EMULATOR_PORT: String(ports.emulator), EMULATOR_ADMIN_KEY: secrets.EMULATOR_ADMIN_KEY, EMULATOR_LAUNCH_TARGET: `${local(ports.launch)}/launch` });
    await waitReady('ltiaas-emulator', ports.emulator);
  }
  startApp('credential-vault', {
    DATABASE_URL: loginAs('lti_vault'),
    VAULT_PORT: String(ports.vault),
    VAULT_MASTER_KEYS: secrets.VAULT_MASTER_KEYS,
    VAULT_SEAL_PRIVATE_JWK: secrets.VAULT_SEAL_PRIVATE_JWK,
    LAUNCH_SIGNING_PUBLIC_JWKS: secrets.LAUNCH_SIGNING_PUBLIC_JWKS,
    BOOTSTRAP_ADMIN_API_KEY: secrets.BOOTSTRAP_ADMIN_API_KEY,
  });
  await waitReady('credential-vault', ports.vault);
  const gradingKey = process.env.GRADING_API_KEY ?? (await ensureGradingKey());
  startApp('launch', { DATABASE_URL: loginAs('lti_launch'), LAUNCH_PORT: String(ports.launch), VAULT_SEAL_PUBLIC_JWK: secrets.VAULT_SEAL_PUBLIC_JWK, LAUNCH_SIGNING_PRIVATE_JWK: secrets.LAUNCH_SIGNING_PRIVATE_JWK });
  startApp('grading', { DATABASE_URL: loginAs('lti_grading'), GRADING_PORT: String(ports.grading), GRADING_API_KEY: gradingKey, LAUNCH_SIGNING_PUBLIC_JWKS: secrets.LAUNCH_SIGNING_PUBLIC_JWKS });
  await Promise.all([waitReady('launch', ports.launch), waitReady('grading', ports.grading)]);
  startApp('console', { CONSOLE_PORT: String(ports.console), GRADING_URL: local(ports.grading) });
  await waitReady('console', ports.console);

  say('');
  say(`Ready in ${((Date.now() - started) / 1000).toFixed(1)} s. Logs: ${path.relative(ROOT, logDir)}/<app>.log`);
  say(`  launch            ${local(ports.launch)}   (docs: /docs)`);
  say(`  credential-vault  ${local(ports.vault)}   (docs: /docs)`);
  say(`  grading           ${local(ports.grading)}   (docs: /docs)`);
  if (useEmulator) say(`  ltiaas-emulator   ${local(ports.emulator)}   (docs: /docs)`);
  say(`  console  ${local(ports.console)}/   (operator console: sign in with an admin API key)`);
  say(`  Kafka ${kafka.brokers}, PostgreSQL ${db.url.replace(/\/\/[^@]*@/, '//')}`);
  say(`  Admin API key: BOOTSTRAP_ADMIN_API_KEY in .local/secrets.env (exchange it at POST /v1/token)`);
  if (useEmulator) say(`\nOpen this launch link in a browser:\n  ${await demoLaunchLink()}\n`);
  say('Ctrl-C stops everything.');
} catch (error) {
  process.stderr.write(`\nnpm start failed: ${error.message}\n`);
  await shutdown(1);
}

function startApp(name, env) {
  const log = fs.openSync(path.join(logDir, `${name}.log`), 'a');
  const child = spawn('node', [path.join(ROOT, 'dist', 'apps', name, 'src', 'main.js')], { cwd: ROOT, env: { ...common, ...env }, stdio: ['ignore', log, log] });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      process.stderr.write(`${name} exited (${signal ?? code}); see .local/logs/${name}.log. Stopping the stack.\n`);
      void shutdown(1);
    }
  });
  children.push({ name, child });
}

async function waitReady(name, port, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${local(port)}/health/ready`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error(`${name} was not ready within ${timeoutMs / 1000} s (see .local/logs/${name}.log)`);
}

/**
 * grading needs an API key with credentials:resolve and revocations:read; created once through the
 * vault and kept locally. One the vault refuses (e.g. stored before keyed hashing) or without both scopes is replaced.
 */
async function ensureGradingKey() {
  const vault = local(ports.vault);
  if (secrets.GRADING_API_KEY) {
    const held = await fetch(`${vault}/v1/token`, { method: 'POST', headers: { authorization: `Bearer ${secrets.GRADING_API_KEY}` } });
    const scopes = held.ok ? (await held.json()).scope.split(' ') : [];
    if (scopes.includes('credentials:resolve') && scopes.includes('revocations:read')) return secrets.GRADING_API_KEY;
  }
  const tokenRes = await fetch(`${vault}/v1/token`, { method: 'POST', headers: { authorization: `Bearer ${secrets.BOOTSTRAP_ADMIN_API_KEY}` } });
  if (!tokenRes.ok) throw new Error(`could not exchange the bootstrap admin key: HTTP ${tokenRes.status}`);
  const { access_token: token } = await tokenRes.json();
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  await fetch(`${vault}/v1/keys/grading`, { method: 'DELETE', headers: { authorization: headers.authorization } });
  const created = await fetch(`${vault}/v1/keys`, { method: 'POST', headers, body: JSON.stringify({ handle: 'grading', alias: 'grading service', scopes: ['credentials:resolve', 'revocations:read'] }) });
  if (created.status !== 201) throw new Error(`could not create grading's API key: HTTP ${created.status} ${await created.text()}`);
  const body = await created.json();
  secrets.GRADING_API_KEY = body.secret ?? body.key ?? body.apiKey;
  writeSecrets(secrets);
  return secrets.GRADING_API_KEY;
}

async function demoLaunchLink() {
  const res = await fetch(`${local(ports.emulator)}/__admin/launches`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secrets.EMULATOR_ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      platformId: 'demo-canvas',
      contextId: 'course-101',
      resourceLinkId: 'quiz-1',
      userId: 'student-1',
      roles: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner'],
      services: { ags: true, nrps: true },
      lineItem: { label: 'Quiz 1', scoreMaximum: 100 },
    }),
  });
  if (!res.ok) return `(the emulator refused the demo launch: HTTP ${res.status})`;
  return (await res.json()).redirectUrl;
}

async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  say('\nStopping...');
  for (const { child } of children) if (child.exitCode === null) child.kill('SIGTERM');
  await Promise.all(
    children.map(({ child }) => new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => (child.kill('SIGKILL'), resolve()), 20000);
      child.on('exit', () => (clearTimeout(timer), resolve()));
    })),
  );
  if (kafka.started) await stopKafka({ log: false }).catch(() => undefined);
  await db.stop().catch(() => undefined);
  process.exit(code);
}
