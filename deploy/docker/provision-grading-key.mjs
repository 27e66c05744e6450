#!/usr/bin/env node
// docker compose only: gives grading an API key (scopes credentials:resolve, revocations:read)
// once the vault is up. API keys are made by the vault and shown once, so the
// key is created through its admin API with the bootstrap admin key and kept
// in $GRADING_KEY_PATH for grading to read through GRADING_API_KEY_FILE. A key
// already there that the vault still accepts is kept; GRADING_API_KEY set in
// the environment (.env) is written as given.
import fs from 'node:fs';

const vault = (process.env.VAULT_URL ?? 'http://credential-vault:3002').replace(/\/+$/, '');
const keyFile = process.env.GRADING_KEY_PATH ?? '/run/lti-secrets/GRADING_API_KEY';
const adminKey = process.env.BOOTSTRAP_ADMIN_API_KEY;
const log = (msg, fields = {}) => console.log(JSON.stringify({ msg, ...fields }));

const SCOPES = ['credentials:resolve', 'revocations:read'];

async function exchangeForScope(apiKey) {
  const res = await fetch(`${vault}/v1/token`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}` } });
  if (!res.ok) return undefined;
  return res.json();
}

async function exchange(apiKey) {
  return (await exchangeForScope(apiKey))?.access_token;
}

async function main() {
  if (process.env.GRADING_API_KEY) {
    fs.writeFileSync(keyFile, process.env.GRADING_API_KEY, { mode: 0o600 });
    return log('grading API key from the environment');
  }
  const existing = fs.existsSync(keyFile) ? fs.readFileSync(keyFile, 'utf8').trim() : '';
  // A key from before revocations:read existed is replaced, so grading can poll the revocation list.
  const held = existing ? await exchangeForScope(existing) : undefined;
  if (held && SCOPES.every((s) => held.scope.split(' ').includes(s))) return log('grading API key kept');

  if (!adminKey) throw new Error('BOOTSTRAP_ADMIN_API_KEY is needed to create grading\'s API key');
  const token = await exchange(adminKey);
  if (!token) throw new Error('the vault refused BOOTSTRAP_ADMIN_API_KEY');
  const auth = { authorization: `Bearer ${token}` };
  // A key of that handle from an earlier volume would block the new one; revoking it is what rotation means here.
  await fetch(`${vault}/v1/keys/grading`, { method: 'DELETE', headers: auth });
  const res = await fetch(`${vault}/v1/keys`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ handle: 'grading', alias: 'grading service (docker compose)', scopes: SCOPES }),
  });
  if (res.status !== 201) throw new Error(`the vault did not create grading's key: HTTP ${res.status} ${await res.text()}`);
  const created = await res.json();
  const apiKey = created.apiKey ?? created.secret;
  if (typeof apiKey !== 'string') throw new Error('the vault answered without the key');
  fs.writeFileSync(keyFile, apiKey, { mode: 0o600 });
  log('grading API key created', { handle: 'grading' });
}

main().catch((error) => {
  console.error(`provision-grading-key: ${error.message}`);
  process.exit(1);
});
