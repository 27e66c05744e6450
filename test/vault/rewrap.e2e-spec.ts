// Master key rotation: the vault restarts with a new key first, `npm run
// rewrap` re-wraps every stored key under it while launches keep arriving,
// and afterwards the old master key is no longer needed.
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type { ContextTriple } from '@app/contracts';
import { runRewrap } from '../../apps/credential-vault/src/cli/rewrap';
import { EnvelopeCipher, LocalKeyring, masterKeysSchema } from '../../apps/credential-vault/src/crypto';
import { serviceKeyAad } from '../../apps/credential-vault/src/credentials/service-key.aad';
import { exchangeApiKey } from '../support/auth';
import { eventually } from '../support/infra';
import { CaptureStack } from './capture-stack';

const triple = (n: number): ContextTriple => ({ platformId: 'https://d2l.example.com', contextId: 'course-rotation', resourceLinkId: `unit-${n}` });

describe('re-wrapping under a new master key', () => {
  let stack: CaptureStack;
  let rotatedKeys: string;
  const latest = new Map<string, string>();
  const output: string[] = [];
  const io = { out: (l: string) => output.push(l), err: (l: string) => output.push(l), progress: new PassThrough() };

  beforeAll(async () => {
    stack = await CaptureStack.start('rewrap');
    rotatedKeys = `k2:${randomBytes(32).toString('base64')},${stack.secrets.VAULT_MASTER_KEYS}`;
  });

  afterAll(async () => {
    await stack?.close();
  });

  async function launch(t: ContextTriple): Promise<void> {
    const result = await stack.lmsLaunch(t);
    latest.set(t.resourceLinkId, result.serviceKey!);
    expect((await stack.visit(result.ltik)).status).toBe(302);
  }

  async function vaultHolds(t: ContextTriple): Promise<boolean> {
    const res = await stack.resolve(t);
    return res.status === 200 && ((await res.json()) as { serviceKey: string }).serviceKey === latest.get(t.resourceLinkId);
  }

  const rows = async () =>
    (await stack.db.query(`SELECT * FROM vault.service_keys WHERE context_id = 'course-rotation' ORDER BY resource_link_id`)).rows as Array<Record<string, string | number>>;

  const swapCiphertexts = async (a: string, b: string) => {
    await stack.db.query(
      `UPDATE vault.service_keys k SET ciphertext = o.ciphertext FROM vault.service_keys o
        WHERE k.context_id = 'course-rotation' AND o.context_id = 'course-rotation'
          AND ((k.resource_link_id = $1 AND o.resource_link_id = $2) OR (k.resource_link_id = $2 AND o.resource_link_id = $1))`,
      [a, b],
    );
  };

  it('re-wraps every key it can open, reports those it cannot, and is safe to run while launches arrive', async () => {
    for (let n = 1; n <= 7; n++) await launch(triple(n));
    await eventually(async () => (await Promise.all([1, 2, 3, 4, 5, 6, 7].map((n) => vaultHolds(triple(n))))).every(Boolean), { what: 'seven keys in the vault' });
    expect((await rows()).every((r) => r.master_key_id === 'k1')).toBe(true);

    // Rotation step 1: the vault now encrypts under k2 and still reads k1.
    await stack.vaultApp.app.close();
    stack.vaultApp = await stack.startVault({ VAULT_MASTER_KEYS: rotatedKeys });
    await swapCiphertexts('unit-6', 'unit-7');

    const env = { DATABASE_URL: stack.databaseUrl, VAULT_MASTER_KEYS: rotatedKeys, USER: 'operator' };
    const [code] = await Promise.all([runRewrap(['--batch-size', '2'], env, io), launch(triple(1)), launch(triple(8))]);
    expect(code).toBe(1);
    expect(output.join('\n')).toMatch(/service keys: \d+ re-wrapped under "k2", 2 failed, 2 still under an older key/);
    expect(output.join('\n')).toMatch(/unit-6.*integrity check/);
    expect(output.join('\n')).toMatch(/signing keys: [1-9]\d* re-wrapped under "k2", 0 failed, 0 still under an older key/);
    const after = await rows();
    expect(after.filter((r) => r.master_key_id === 'k1').map((r) => r.resource_link_id)).toEqual(['unit-6', 'unit-7']);

    const audit = await stack.db.query(`SELECT actor, detail FROM vault.audit_log WHERE action = 'service-key.rewrap'`);
    expect(audit.rows.length).toBeGreaterThanOrEqual(4);
    expect(audit.rows[0]).toMatchObject({ actor: 'cli:rewrap@operator', detail: { fromMasterKeyId: 'k1', toMasterKeyId: 'k2' } });
  });

  it('resumes where it stopped once the broken records are repaired, and then k1 is no longer needed', async () => {
    await swapCiphertexts('unit-6', 'unit-7');
    output.length = 0;
    expect(await runRewrap([], { DATABASE_URL: stack.databaseUrl, VAULT_MASTER_KEYS: rotatedKeys }, io)).toBe(0);
    expect(output.join('\n')).toMatch(/service keys: 2 re-wrapped under "k2", 0 failed, 0 still under an older key/);

    await eventually(async () => (await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map((n) => vaultHolds(triple(n))))).every(Boolean), { what: 'every key resolvable' });
    const onlyK2 = new EnvelopeCipher(new LocalKeyring(masterKeysSchema.parse(rotatedKeys.split(',')[0])));
    for (const r of await rows()) {
      expect(r.master_key_id).toBe('k2');
      const t = { platformId: String(r.platform_id), contextId: String(r.context_id), resourceLinkId: String(r.resource_link_id) };
      const sealed = { v: 1 as const, keyId: String(r.master_key_id), wrappedKey: String(r.wrapped_data_key), ciphertext: String(r.ciphertext) };
      expect(await onlyK2.decrypt(sealed, serviceKeyAad(t))).toBe(latest.get(t.resourceLinkId));
    }
    output.length = 0;
    expect(await runRewrap([], { DATABASE_URL: stack.databaseUrl, VAULT_MASTER_KEYS: rotatedKeys }, io)).toBe(0);
    expect(output.join('\n')).toMatch(/0 re-wrapped/);

    // Rotation step 3: k1 is gone. The vault still signs tokens (its signing keys moved too) and opens every serviceKey.
    await stack.vaultApp.app.close();
    stack.vaultApp = await stack.startVault({ VAULT_MASTER_KEYS: rotatedKeys.split(',')[0] });
    const { access_token: token } = await exchangeApiKey(stack.vaultApp.url, stack.resolver.apiKey);
    const resolved = await stack.vaultCall('POST', '/v1/credentials/resolve', triple(8), token);
    expect(resolved.status).toBe(200);
    expect(((await resolved.json()) as { serviceKey: string }).serviceKey).toBe(latest.get('unit-8'));
  });

  it('stops with one line naming a bad variable', async () => {
    output.length = 0;
    expect(await runRewrap([], { DATABASE_URL: stack.databaseUrl, VAULT_MASTER_KEYS: 'k1:short' }, io)).toBe(78);
    expect(output).toEqual([expect.stringMatching(/^Invalid configuration: VAULT_MASTER_KEYS: entry 1 \("k1"\): key must be base64 that decodes to 32 bytes/)]);
    expect(await runRewrap(['--batch-size', '0'], {}, io)).toBe(64);
  });
});
