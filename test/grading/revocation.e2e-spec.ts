// Grading verifies tokens on its own (JWKS), yet refuses a revoked key's
// tokens within seconds: it polls the vault's GET /v1/revocations in the
// background (no call to the vault per request). When the vault is
// unreachable it keeps the last list and keeps serving (fail open), and says
// so in /metrics.
import { startEmulator, type EmulatorHandle } from '../support/emulator';
import { exchangeToken, gradingEnv, startGrading, startVault, type GradingHandle, type VaultHandle } from '../support/grading';
import { createTestDatabase, dropTestDatabase, eventually, kafkaBrokers, testTopicPrefix } from '../support/infra';

jest.setTimeout(180_000);

describe('revocation reaches grading', () => {
  let databaseUrl: string;
  let emulator: EmulatorHandle;
  let vault: VaultHandle;
  let grading: GradingHandle;
  let vaultClosed = false;

  beforeAll(async () => {
    databaseUrl = await createTestDatabase('grading_revocation');
    const prefix = testTopicPrefix();
    const brokers = kafkaBrokers();
    emulator = await startEmulator();
    vault = await startVault({ databaseUrl, brokers, topicPrefix: prefix });
    const gradingKey = await vault.issueKey('grading-service', ['credentials:resolve', 'revocations:read']);
    grading = await startGrading(
      gradingEnv({ databaseUrl, brokers, topicPrefix: prefix, ltiaasUrl: emulator.url, ltiaasApiKey: emulator.apiKey, vaultUrl: vault.url, gradingApiKey: gradingKey, overrides: { REVOCATION_POLL_MS: '1000' } }),
    );
  });

  afterAll(async () => {
    await grading?.close();
    if (!vaultClosed) await vault?.close();
    await emulator?.close();
    if (databaseUrl) await dropTestDatabase(databaseUrl);
  });

  const read = (token: string) =>
    fetch(`${grading.url}/v1/scores?platformId=p&userId=u`, { headers: { authorization: `Bearer ${token}` } }).then(async (r) => ({ status: r.status, body: (await r.json()) as { message?: string } }));
  const revoke = async (handle: string) => {
    const admin = await exchangeToken(vault.url, await adminKey());
    const res = await fetch(`${vault.url}/v1/keys/${handle}`, { method: 'DELETE', headers: { authorization: `Bearer ${admin}` } });
    expect(res.status).toBe(204);
  };
  let operatorKey: string | undefined;
  const adminKey = async () => (operatorKey ??= await vault.issueKey('operator', ['admin']));
  const metric = async (name: string) => {
    const text = await (await fetch(`${grading.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
    return line === undefined ? undefined : Number(line.split(' ').pop());
  };

  it("answers 401 for a revoked key's token within 5 s, while other keys' tokens go on working", async () => {
    const token = await exchangeToken(vault.url, await vault.issueKey('reader-one', ['scores:read']));
    const other = await exchangeToken(vault.url, await vault.issueKey('reader-two', ['scores:read']));
    await expect(read(token)).resolves.toMatchObject({ status: 200 });
    await revoke('reader-one');
    // Bounded: a revocation must be seen within 5 s (polled every second here, 2 s by default).
    await eventually(async () => (await read(token)).status === 401, { timeoutMs: 5_000, intervalMs: 100, what: 'the revoked token refused by grading' });
    await expect(read(token)).resolves.toMatchObject({ status: 401, body: { message: 'token revoked' } });
    await expect(read(other)).resolves.toMatchObject({ status: 200 });
    await expect(metric('grading_revoked_api_keys')).resolves.toBe(1);
  });

  it('keeps the last list and keeps serving when the vault is unreachable (fail open), and shows it in /metrics', async () => {
    const token = await exchangeToken(vault.url, await vault.issueKey('reader-three', ['scores:read']));
    const revokedToken = await exchangeToken(vault.url, await vault.issueKey('reader-four', ['scores:read']));
    await revoke('reader-four');
    await eventually(async () => (await read(revokedToken)).status === 401, { timeoutMs: 5_000, intervalMs: 100, what: 'the revoked token refused by grading' });
    await expect(metric('grading_revocation_poll_failures')).resolves.toBe(0);

    await vault.close();
    vaultClosed = true;
    await eventually(async () => ((await metric('grading_revocation_poll_failures')) ?? 0) >= 2, { timeoutMs: 15_000, what: 'failed polls counted' });
    await expect(read(token)).resolves.toMatchObject({ status: 200 });
    await expect(read(revokedToken)).resolves.toMatchObject({ status: 401, body: { message: 'token revoked' } });
    await expect(metric('grading_revocation_list_age_seconds')).resolves.toBeGreaterThan(1);
  });
});
