// What a database writer without the master key cannot do, and the keys'
// reach: over the real vault (in-process, its own database, real migrations).
// - an api_keys row written by hand never authenticates; a key stored as a
//   plain SHA-256 before the upgrade is peppered by the vault that applies the
//   migration, or else by `npm run rewrap`;
//   a key peppered under an older master key works and moves to the active one;
// - a signing key written by hand is never published nor trusted;
// - keys limited to platforms: stored, shown, carried in the token; bad lists refused;
// - the keys CLI on the database alone; the bootstrap key disabled for good.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { runKeysCli } from '../../apps/credential-vault/src/cli/keys';
import { runRewrap } from '../../apps/credential-vault/src/cli/rewrap';
import { EnvelopeCipher, LocalKeyring, masterKeysSchema } from '../../apps/credential-vault/src/crypto';
import { createVaultApp } from '../../apps/credential-vault/src/main';
import { generateApiKey, displayPrefix } from '../../apps/credential-vault/src/api-keys/api-key-format';
import { exchangeApiKey, listeningUrl } from '../support/auth';
import { masterKeys } from '../support/vault-env';
import { Client } from 'pg';
import { prepareDatabase } from '@app/database';
import { vaultDatabase } from '../../apps/credential-vault/src/vault.database';
import { createTestDatabase, dropTestDatabase } from '../support/infra';
import { call, startTestVault, type TestVault } from './harness';

jest.setTimeout(120_000);

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest();
const quietIo = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => void out.push(l), err: (l: string) => void err.push(l) } };
};

describe('API keys and signing keys a database writer cannot mint', () => {
  let vault: TestVault;
  let admin: string;

  beforeAll(async () => {
    vault = await startTestVault('auth_hardening');
    admin = (await exchangeApiKey(vault.url, vault.env.BOOTSTRAP_ADMIN_API_KEY)).access_token;
  });

  afterAll(async () => {
    await vault?.close();
  });

  const insertKeyRow = async (handle: string, apiKey: string, hashKeyId: string | null) => {
    await vault.db.query(
      `INSERT INTO vault.api_keys (handle, scopes, key_hash, key_prefix, hash_key_id, key_digest) VALUES ($1, $2, $3, $4, $5, $6)`,
      [handle, ['admin'], sha256(apiKey), displayPrefix(apiKey), hashKeyId, hashKeyId ? JSON.stringify({ v: 1, keyId: hashKeyId, wrappedKey: 'AA', ciphertext: 'AA' }) : null],
    );
  };

  it('never authenticates a row inserted by hand with the plain SHA-256 of a key, whatever master key id it names', async () => {
    const apiKey = generateApiKey();
    await insertKeyRow('forged-admin', apiKey, 'k1');
    const answer = await call(`${vault.url}/v1/token`, { method: 'POST', apiKey });
    expect(answer).toMatchObject({ status: 401, body: { message: 'invalid API key' } });
    // What a created key is stored as: a keyed hash, not the SHA-256 of its secret.
    const created = await call(`${vault.url}/v1/keys`, { method: 'POST', token: admin, body: { handle: 'real-grader', scopes: ['scores:write'] } });
    const { rows } = await vault.db.query<{ key_hash: Buffer; hash_key_id: string }>(`SELECT key_hash, hash_key_id FROM vault.api_keys WHERE handle = 'real-grader'`);
    expect(rows[0].hash_key_id).toBe('k1');
    expect(rows[0].key_hash.equals(sha256(created.body.apiKey))).toBe(false);
    await expect(exchangeApiKey(vault.url, created.body.apiKey)).resolves.toMatchObject({ scope: 'scores:write' });
  });

  it('refuses a key stored as a plain SHA-256 before keyed hashing until `npm run rewrap` peppers it; then it works and stays peppered', async () => {
    const apiKey = generateApiKey();
    await insertKeyRow('legacy-grader', apiKey, null);
    await expect(call(`${vault.url}/v1/token`, { method: 'POST', apiKey })).resolves.toMatchObject({ status: 401 });

    const { io, out } = quietIo();
    await expect(runRewrap([], { DATABASE_URL: vault.databaseUrl, VAULT_MASTER_KEYS: vault.env.VAULT_MASTER_KEYS }, io)).resolves.toBe(0);
    expect(out.join('\n')).toMatch(/API key hashes: [1-9]\d* re-wrapped under "k1"/);
    const { rows } = await vault.db.query<{ key_hash: Buffer; hash_key_id: string; key_digest: unknown }>(`SELECT key_hash, hash_key_id, key_digest FROM vault.api_keys WHERE handle = 'legacy-grader'`);
    expect(rows[0].hash_key_id).toBe('k1');
    expect(rows[0].key_digest).toMatchObject({ v: 1, keyId: 'k1' });
    expect(rows[0].key_hash.equals(sha256(apiKey))).toBe(false);
    await expect(exchangeApiKey(vault.url, apiKey)).resolves.toMatchObject({ scope: 'admin' });
    await expect(exchangeApiKey(vault.url, apiKey)).resolves.toMatchObject({ scope: 'admin' });
    const audit = await vault.db.query(`SELECT 1 FROM vault.audit_log WHERE action = 'api-key.pepper-legacy-hash' AND subject_id = 'legacy-grader'`);
    expect(audit.rowCount).toBe(1);
  });

  it('keeps a key stored before keyed hashing working across the upgrade: the vault that applies the migration peppers it', async () => {
    const databaseUrl = await createTestDatabase('auth_upgrade');
    const options = vaultDatabase({ DATABASE_URL: databaseUrl });
    const before = (options.migrations as Array<{ name: string }>).filter((m) => !/^(KeyedApiKeyHashesAndPlatforms|CreateBootstrapKeyState|SigningKeysKeepPrivateHalf)/.test(m.name));
    await prepareDatabase({ ...options, migrations: before as unknown as typeof options.migrations });
    const apiKey = generateApiKey();
    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    // As the previous version stored it: the plain SHA-256.
    await db.query(`INSERT INTO vault.api_keys (handle, scopes, key_hash, key_prefix) VALUES ('old-grader', $1, $2, $3)`, [['scores:read'], sha256(apiKey), displayPrefix(apiKey)]);
    const { app } = await createVaultApp({ ...vault.env, DATABASE_URL: databaseUrl });
    await app.listen(0, '127.0.0.1');
    try {
      await expect(exchangeApiKey(listeningUrl(app), apiKey)).resolves.toMatchObject({ scope: 'scores:read' });
      const { rows } = await db.query<{ key_hash: Buffer; hash_key_id: string }>(`SELECT key_hash, hash_key_id FROM vault.api_keys WHERE handle = 'old-grader'`);
      expect(rows[0].hash_key_id).toBe('k1');
      expect(rows[0].key_hash.equals(sha256(apiKey))).toBe(false);
      // A row written the old way after the upgrade is not peppered by anyone: refused.
      const later = generateApiKey();
      await db.query(`INSERT INTO vault.api_keys (handle, scopes, key_hash, key_prefix) VALUES ('late-forgery', $1, $2, $3)`, [['admin'], sha256(later), displayPrefix(later)]);
      await expect(call(`${listeningUrl(app)}/v1/token`, { method: 'POST', apiKey: later })).resolves.toMatchObject({ status: 401 });
    } finally {
      await app.close();
      await db.end();
      await dropTestDatabase(databaseUrl);
    }
  });

  it('publishes and trusts only signing keys whose sealed private half opens under the master key and matches', async () => {
    const forged = await generateKeyPair('ES256', { extractable: true });
    const forgedPublic = { ...(await exportJWK(forged.publicKey)), kid: 'forged-kid', alg: 'ES256', use: 'sig' };
    // A retired-looking row with no private half, and one whose private half is sealed under another master key.
    await vault.db.query(
      `INSERT INTO vault.signing_keys (kid, alg, public_jwk, private_key, activated_at, retired_at, publish_until) VALUES ($1, 'ES256', $2, NULL, now(), now(), now() + interval '1 hour')`,
      ['forged-kid', JSON.stringify(forgedPublic)],
    );
    const otherCipher = new EnvelopeCipher(new LocalKeyring(masterKeysSchema.parse(masterKeys(['k1']))));
    const forgedPublic2 = { ...forgedPublic, kid: 'forged-kid-2' };
    const sealed = await otherCipher.encrypt(JSON.stringify(await exportJWK(forged.privateKey)), 'vault.signing_keys:forged-kid-2');
    await vault.db.query(
      `INSERT INTO vault.signing_keys (kid, alg, public_jwk, private_key, activated_at, retired_at, publish_until) VALUES ($1, 'ES256', $2, $3, now(), now(), now() + interval '1 hour')`,
      ['forged-kid-2', JSON.stringify(forgedPublic2), JSON.stringify(sealed)],
    );
    // A rotation empties the vault's 5 s JWKS cache, so what follows is read from the table as it is now.
    const rotated = await call(`${vault.url}/v1/signing-keys/rotate`, { method: 'POST', token: admin });
    expect(rotated.status).toBe(200);
    const jwks = await call(`${vault.url}/.well-known/jwks.json`);
    const kids = (jwks.body.keys as Array<{ kid: string }>).map((k) => k.kid);
    expect(kids).toEqual(expect.arrayContaining([rotated.body.activeKid, rotated.body.retiredKid]));
    expect(kids).toHaveLength(3);
    expect(kids).not.toContain('forged-kid');
    expect(kids).not.toContain('forged-kid-2');

    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ scope: 'admin' })
      .setProtectedHeader({ alg: 'ES256', kid: 'forged-kid', typ: 'at+jwt' })
      .setIssuer('credential-vault')
      .setAudience('lti-grading')
      .setSubject('forger')
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(forged.privateKey);
    await expect(call(`${vault.url}/v1/keys`, { token })).resolves.toMatchObject({ status: 401, body: { message: 'unknown signing key' } });

    // A genuine key stays published after it retires (above), so the tokens it signed still work.
    await expect(call(`${vault.url}/v1/keys`, { token: admin })).resolves.toMatchObject({ status: 200 });

    // Once it is no longer published, its private half is erased at the next rotation (tokens it signed are refused: a new one is taken).
    admin = (await exchangeApiKey(vault.url, vault.env.BOOTSTRAP_ADMIN_API_KEY)).access_token;
    await vault.db.query(`UPDATE vault.signing_keys SET publish_until = now() - interval '1 second' WHERE kid = $1`, [rotated.body.retiredKid]);
    await expect(call(`${vault.url}/v1/signing-keys/rotate`, { method: 'POST', token: admin })).resolves.toMatchObject({ status: 200 });
    const { rows } = await vault.db.query(`SELECT private_key FROM vault.signing_keys WHERE kid = $1`, [rotated.body.retiredKid]);
    expect(rows[0].private_key).toBeNull();
  });

  it('limits a key to platforms: stored, listed, in its token and /v1/me; a bad list or an unknown scope is a 400 naming it, counted', async () => {
    const created = await call(`${vault.url}/v1/keys`, { method: 'POST', token: admin, body: { handle: 'canvas-grader', scopes: ['scores:write'], platforms: ['https://canvas.example', 'moodle-7'] } });
    expect(created).toMatchObject({ status: 201, body: { platforms: ['https://canvas.example', 'moodle-7'] } });
    await expect(call(`${vault.url}/v1/keys/canvas-grader`, { token: admin })).resolves.toMatchObject({ body: { platforms: ['https://canvas.example', 'moodle-7'] } });
    const listed = await call(`${vault.url}/v1/keys`, { token: admin });
    expect(listed.body.keys.find((k: { handle: string }) => k.handle === 'real-grader')).toMatchObject({ platforms: null });
    const token = (await exchangeApiKey(vault.url, created.body.apiKey)).access_token;
    expect(decodeJwt(token).platforms).toEqual(['https://canvas.example', 'moodle-7']);
    await expect(call(`${vault.url}/v1/me`, { token })).resolves.toMatchObject({ status: 200, body: { handle: 'canvas-grader', platforms: ['https://canvas.example', 'moodle-7'] } });
    expect(decodeJwt(admin).platforms).toBeUndefined();

    const refused = async (body: Record<string, unknown>) => {
      const answer = await call(`${vault.url}/v1/keys`, { method: 'POST', token: admin, body: { handle: `bad-${randomBytes(3).toString('hex')}`, ...body } });
      expect(answer.status).toBe(400);
      return (answer.body.message as string[]).join('; ');
    };
    await expect(refused({ scopes: ['scores:write'], platforms: [] })).resolves.toMatch(/^platforms: must list at least one platform id/);
    await expect(refused({ scopes: ['scores:write'], platforms: ['ok', ''] })).resolves.toMatch(/^platforms\.1: must not be empty/);
    await expect(refused({ scopes: ['scores:write'], platforms: ['bad\u0007id'] })).resolves.toMatch(/^platforms\.0: must not contain control characters/);
    await expect(refused({ scopes: ['scores:write'], platforms: 'canvas' })).resolves.toMatch(/^platforms: /);
    await expect(refused({ scopes: ['scores:fly'] })).resolves.toMatch(/^scopes\.0: unknown scope "scores:fly"; known scopes: /);
    const metrics = await (await fetch(`${vault.url}/metrics`)).text();
    expect(metrics).toMatch(/vault_api_key_requests_refused_total\{reason="platforms"[^}]*\} 4/);
    expect(metrics).toMatch(/vault_api_key_requests_refused_total\{reason="scopes"[^}]*\} 1/);
    // Nothing half-applied: none of the refused keys exists.
    const { rows } = await vault.db.query(`SELECT 1 FROM vault.api_keys WHERE handle LIKE 'bad-%'`);
    expect(rows).toHaveLength(0);
  });

  it('the keys CLI creates a working admin key with the database and master key alone, and names what is wrong', async () => {
    const env = { DATABASE_URL: vault.databaseUrl, VAULT_MASTER_KEYS: vault.env.VAULT_MASTER_KEYS, VAULT_URL: 'http://127.0.0.1:1' };
    const { io, out, err } = quietIo();
    await expect(runKeysCli(['create', 'root-admin', '--scopes', 'admin', '--json'], env, io)).resolves.toBe(0);
    const created = JSON.parse(out.pop()!) as { apiKey: string; platforms: null };
    expect(created.platforms).toBeNull();
    await expect(exchangeApiKey(vault.url, created.apiKey)).resolves.toMatchObject({ scope: 'admin' });

    await expect(runKeysCli(['create', 'cli-scoped', '--scopes', 'scores:write', '--platforms', 'lms-a,lms-b'], env, io)).resolves.toBe(0);
    expect(out.join('\n')).toContain('platforms: lms-a lms-b');
    await expect(runKeysCli(['create', 'cli-bad', '--scopes', 'scores:write', '--platforms', 'lms-a,,lms-b'], env, io)).resolves.toBe(1);
    expect(err.pop()).toMatch(/^refused: platforms\.1: must not be empty/);
    await expect(runKeysCli(['create', 'cli-bad', '--scopes', 'scores:fly'], env, io)).resolves.toBe(1);
    expect(err.pop()).toMatch(/^refused: scopes\.0: unknown scope "scores:fly"/);
    await expect(runKeysCli(['list'], { VAULT_URL: vault.url }, io)).resolves.toBe(78);
  });

  it('moves a key peppered under an older master key to the active one when it is next used', async () => {
    const created = await call(`${vault.url}/v1/keys`, { method: 'POST', token: admin, body: { handle: 'rotating-grader', scopes: ['scores:read'] } });
    // The vault restarted with a new master key first, the old one after it (a rotation).
    const rotatedKeys = `${masterKeys(['k2'])},${vault.env.VAULT_MASTER_KEYS}`;
    const { app } = await createVaultApp({ ...vault.env, VAULT_MASTER_KEYS: rotatedKeys });
    await app.listen(0, '127.0.0.1');
    try {
      const url = listeningUrl(app);
      await expect(exchangeApiKey(url, created.body.apiKey)).resolves.toMatchObject({ scope: 'scores:read' });
      const { rows } = await vault.db.query<{ hash_key_id: string }>(`SELECT hash_key_id FROM vault.api_keys WHERE handle = 'rotating-grader' AND revoked_at IS NULL`);
      expect(rows[0].hash_key_id).toBe('k2');
      await expect(exchangeApiKey(url, created.body.apiKey)).resolves.toMatchObject({ scope: 'scores:read' });
    } finally {
      await app.close();
    }
  });

  it('disables the bootstrap key for good: refused with its reason, its tokens too, counted, and still after a restart', async () => {
    const before = await call(`${vault.url}/v1/token`, { method: 'POST', apiKey: vault.env.BOOTSTRAP_ADMIN_API_KEY });
    const bootstrapToken = before.body.access_token as string;
    const disabled = await call(`${vault.url}/v1/bootstrap-key`, { method: 'DELETE', token: bootstrapToken });
    expect(disabled).toMatchObject({ status: 200, body: { disabled: true, disabledBy: 'bootstrap:admin' } });

    const after = await call(`${vault.url}/v1/token`, { method: 'POST', apiKey: vault.env.BOOTSTRAP_ADMIN_API_KEY });
    expect(after).toMatchObject({ status: 401, body: { message: 'the bootstrap admin key is disabled: use an admin API key of your own' } });
    await expect(call(`${vault.url}/v1/keys`, { token: bootstrapToken })).resolves.toMatchObject({ status: 401, body: { message: 'token revoked' } });
    const metrics = await (await fetch(`${vault.url}/metrics`)).text();
    expect(metrics).toMatch(/vault_token_exchanges_total\{outcome="bootstrap_disabled"[^}]*\} 1/);
    // Every bootstrap token is refused, those issued long before the disable too.
    await expect(call(`${vault.url}/v1/keys`, { token: admin })).resolves.toMatchObject({ status: 401, body: { message: 'token revoked' } });

    const { app } = await createVaultApp(vault.env);
    await app.listen(0, '127.0.0.1');
    try {
      await expect(call(`${listeningUrl(app)}/v1/token`, { method: 'POST', apiKey: vault.env.BOOTSTRAP_ADMIN_API_KEY })).resolves.toMatchObject({ status: 401 });
    } finally {
      await app.close();
    }
    // A vault without any bootstrap key starts, and the CLI's admin key runs it.
    const { BOOTSTRAP_ADMIN_API_KEY: _unused, ...withoutBootstrap } = vault.env;
    const bare = await createVaultApp(withoutBootstrap);
    await bare.app.listen(0, '127.0.0.1');
    try {
      const { io, out } = quietIo();
      await expect(runKeysCli(['create', `admin-${randomUUID().slice(0, 8)}`, '--scopes', 'admin', '--json'], { DATABASE_URL: vault.databaseUrl, VAULT_MASTER_KEYS: vault.env.VAULT_MASTER_KEYS }, io)).resolves.toBe(0);
      const key = (JSON.parse(out.pop()!) as { apiKey: string }).apiKey;
      const token = (await exchangeApiKey(listeningUrl(bare.app), key)).access_token;
      await expect(call(`${listeningUrl(bare.app)}/v1/keys`, { token })).resolves.toMatchObject({ status: 200 });
    } finally {
      await bare.app.close();
    }
  });
});
