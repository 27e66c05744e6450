#!/usr/bin/env node
// docker compose only: makes the vault's secrets for a local stack, once.
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

console.log(JSON.stringify({ msg: 'local secrets ready', dir, ...report }));
