#!/usr/bin/env node
// docker compose only: makes the vault's and launch's secrets and the database
// roles' passwords for a local stack, once.
// Writes one file per variable into $SECRETS_DIR (a volume the apps mount and
// read through NAME_FILE). A variable set in the environment (from .env) is
// written as given; a file already there is kept, so restarts keep the keys
// that encrypt the data. Production secrets come from a secret store instead.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const dir = process.env.SECRETS_DIR ?? '/run/lti-secrets';
fs.mkdirSync(dir, { recursive: true, mode: 0o700 });

const file = (name) => path.join(dir, name);
const exists = (name) => fs.existsSync(file(name)) && fs.readFileSync(file(name), 'utf8').trim() !== '';
const write = (name, value) => fs.writeFileSync(file(name), value, { mode: 0o600 });

/** Writes NAME from the environment when set, else keeps the file, else generates it. */
function ensure(name, generate) {
  const given = process.env[name];
  if (given) return write(name, given), 'from the environment';
  if (exists(name)) return 'kept';
  write(name, generate());
  return 'generated';
}

const report = {};
report.VAULT_MASTER_KEYS = ensure('VAULT_MASTER_KEYS', () => `local-1:${randomBytes(32).toString('base64')}`);
report.BOOTSTRAP_ADMIN_API_KEY = ensure('BOOTSTRAP_ADMIN_API_KEY', () => `bootstrap-${randomBytes(24).toString('base64url')}`);

// The seal pair goes together: a new private key needs its own public key.
if (process.env.VAULT_SEAL_PRIVATE_JWK || process.env.VAULT_SEAL_PUBLIC_JWK) {
  if (!process.env.VAULT_SEAL_PRIVATE_JWK || !process.env.VAULT_SEAL_PUBLIC_JWK) {
    console.error('Invalid configuration: VAULT_SEAL_PRIVATE_JWK and VAULT_SEAL_PUBLIC_JWK are set together or not at all');
    process.exit(78);
  }
  write('VAULT_SEAL_PRIVATE_JWK', process.env.VAULT_SEAL_PRIVATE_JWK);
  write('VAULT_SEAL_PUBLIC_JWK', process.env.VAULT_SEAL_PUBLIC_JWK);
  report.VAULT_SEAL_KEYS = 'from the environment';
} else if (exists('VAULT_SEAL_PRIVATE_JWK') && exists('VAULT_SEAL_PUBLIC_JWK')) {
  report.VAULT_SEAL_KEYS = 'kept';
} else {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  write('VAULT_SEAL_PRIVATE_JWK', JSON.stringify(privateKey.export({ format: 'jwk' })));
  write('VAULT_SEAL_PUBLIC_JWK', JSON.stringify(publicKey.export({ format: 'jwk' })));
  report.VAULT_SEAL_KEYS = 'generated';
}

// launch's signing pair, likewise together: launch signs LaunchCaptured, the vault and grading verify.
if (process.env.LAUNCH_SIGNING_PRIVATE_JWK || process.env.LAUNCH_SIGNING_PUBLIC_JWKS) {
  if (!process.env.LAUNCH_SIGNING_PRIVATE_JWK || !process.env.LAUNCH_SIGNING_PUBLIC_JWKS) {
    console.error('Invalid configuration: LAUNCH_SIGNING_PRIVATE_JWK and LAUNCH_SIGNING_PUBLIC_JWKS are set together or not at all');
    process.exit(78);
  }
  write('LAUNCH_SIGNING_PRIVATE_JWK', process.env.LAUNCH_SIGNING_PRIVATE_JWK);
  write('LAUNCH_SIGNING_PUBLIC_JWKS', process.env.LAUNCH_SIGNING_PUBLIC_JWKS);
  report.LAUNCH_SIGNING_KEYS = 'from the environment';
} else if (exists('LAUNCH_SIGNING_PRIVATE_JWK') && exists('LAUNCH_SIGNING_PUBLIC_JWKS')) {
  report.LAUNCH_SIGNING_KEYS = 'kept';
} else {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  write('LAUNCH_SIGNING_PRIVATE_JWK', JSON.stringify(privateKey.export({ format: 'jwk' })));
  write('LAUNCH_SIGNING_PUBLIC_JWKS', JSON.stringify([publicKey.export({ format: 'jwk' })]));
  report.LAUNCH_SIGNING_KEYS = 'generated';
}

// A password per database role (scripts/db-roles.mjs gives them to the roles), and
// each login as the URL its reader takes: MIGRATIONS_URL and one DATABASE_URL per app.
const database = process.env.DATABASE_HOST_URL ?? 'postgres://postgres:5432/lti_grading';
const logins = [
  ['DB_MIGRATOR_PASSWORD', 'lti_migrator', 'MIGRATIONS_URL'],
  ['DB_LAUNCH_PASSWORD', 'lti_launch', 'LAUNCH_DATABASE_URL'],
  ['DB_VAULT_PASSWORD', 'lti_vault', 'VAULT_DATABASE_URL'],
  ['DB_GRADING_PASSWORD', 'lti_grading', 'GRADING_DATABASE_URL'],
];
for (const [passwordName, role, urlName] of logins) {
  report[passwordName] = ensure(passwordName, () => randomBytes(24).toString('base64url'));
  const url = new URL(database);
  url.username = role;
  url.password = encodeURIComponent(fs.readFileSync(file(passwordName), 'utf8').trim());
  write(urlName, url.toString());
}

console.log(JSON.stringify({ msg: 'local secrets ready', dir, ...report }));
