import { randomBytes } from 'node:crypto';
import { CompactEncrypt, importJWK } from 'jose';
import type { DataSource } from 'typeorm';
import { loadConfig } from '@app/config';
import { envelope, LAUNCH_CAPTURED_V1, type ContextTriple, type LaunchCapturedData, type LaunchCapturedEvent, sealPrivateKeysSchema } from '@app/contracts';
import { z } from 'zod';
import { sealKeyPair, type SealKeyPair } from '../../../../test/support/vault-env';
import type { AuditEntry, AuditLog } from '../audit/audit.log';
import type { LaunchContextRepository } from '../contexts/launch-context.repository';
import { EnvelopeCipher } from '../crypto/envelope-cipher';
import { LocalKeyring } from '../crypto/local-keyring';
import { SealOpener } from '../crypto/seal-opener';
import type { SealedSecret } from '../crypto/sealed-secret';
import { LaunchCaptureService } from './launch-capture.service';
import { serviceKeyAad } from './service-key.aad';
import type { ServiceKeyRepository, StoreOutcome } from './service-key.repository';

const t1: ContextTriple = { platformId: 'p', contextId: 'c', resourceLinkId: 'r1' };
const t2: ContextTriple = { platformId: 'p', contextId: 'c', resourceLinkId: 'r2' };

describe('LaunchCaptureService', () => {
  let pair: SealKeyPair;
  let opener: SealOpener;
  const cipher = new EnvelopeCipher(new LocalKeyring([{ id: 'k1', key: randomBytes(32) }]));

  beforeAll(async () => {
    pair = await sealKeyPair('P-256');
    opener = await SealOpener.create(loadConfig(z.object({ K: sealPrivateKeysSchema }), { K: JSON.stringify(pair.privateJwk) }).K);
  });

  const seal = async (ctx: ContextTriple, key: string) =>
    new CompactEncrypt(new TextEncoder().encode(key)).setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM', ctx } as never).encrypt(await importJWK(pair.publicJwk, 'ECDH-ES'));

  const event = (t: ContextTriple, sealedServiceKey?: string, launchedAt = '2026-01-01T00:00:00.000001Z'): LaunchCapturedEvent =>
    envelope(LAUNCH_CAPTURED_V1, 'launch', {
      ...t,
      userId: 'u',
      roles: [],
      launchedAt,
      ...(sealedServiceKey ? { sealedServiceKey } : {}),
      services: { assignmentAndGrades: { available: true }, namesAndRoles: { available: false } },
    } satisfies LaunchCapturedData);

  function setup(outcome: StoreOutcome = 'stored') {
    const stored: Array<{ triple: ContextTriple; sealed: SealedSecret; capturedAt: string }> = [];
    const contexts: string[] = [];
    const audits: AuditEntry[] = [];
    const service = new LaunchCaptureService(
      { transaction: async (fn: (m: unknown) => Promise<void>) => fn({}) } as unknown as DataSource,
      opener,
      cipher,
      { upsert: async (triple: ContextTriple, sealed: SealedSecret, at: { capturedAt: string }) => (stored.push({ triple, sealed, capturedAt: at.capturedAt }), { outcome, version: 1 }) } as unknown as ServiceKeyRepository,
      { upsert: async (data: LaunchCapturedData) => (contexts.push(data.resourceLinkId), true) } as unknown as LaunchContextRepository,
      { record: async (entry: AuditEntry) => void audits.push(entry) } as unknown as AuditLog,
    );
    return { service, stored, contexts, audits };
  }

  it('re-encrypts the key at rest for its triple, stores the context, and audits', async () => {
    const { service, stored, contexts, audits } = setup();
    const result = await service.captureBatch([{ ref: '0', event: event(t1, await seal(t1, 'svc-1')) }]);
    expect(result.rejected).toEqual([]);
    expect(contexts).toEqual(['r1']);
    expect(await cipher.decrypt(stored[0].sealed, serviceKeyAad(t1))).toBe('svc-1');
    expect(audits[0]).toMatchObject({ actor: 'consumer:credential-vault', action: 'service-key.store', subjectId: '["p","c","r1"]' });
    expect(JSON.stringify(audits)).not.toContain('svc-1');
  });

  it('refuses a seal bound to another triple and a seal that does not open, storing the rest', async () => {
    const { service, stored, contexts } = setup();
    const broken = (await seal(t1, 'x')).split('.');
    broken[3] = 'AAAA';
    const result = await service.captureBatch([
      { ref: '1', event: event(t2, await seal(t1, 'svc-for-t1')) },
      { ref: '2', event: event(t1, broken.join('.')) },
      { ref: '3', event: event(t2, await seal(t2, 'svc-2')) },
      { ref: '4', event: event(t1) },
    ]);
    expect(result.rejected).toEqual([
      { ref: '1', reason: 'sealed serviceKey is bound to context ["p","c","r1"], not to the event\'s ["p","c","r2"]' },
      { ref: '2', reason: expect.stringContaining('sealed serviceKey does not open') },
    ]);
    expect(stored.map((s) => s.triple.resourceLinkId)).toEqual(['r2']);
    expect(contexts).toEqual(['r2', 'r1']);
  });

  it('audits nothing when the stored key was newer', async () => {
    const { service, audits } = setup('ignored');
    await service.captureBatch([{ ref: '0', event: event(t1, await seal(t1, 'old')) }]);
    expect(audits).toEqual([]);
  });

  it('orders a launch stamped in the future by its own clock, so a launch replica running ahead cannot pin its key', async () => {
    const { service, stored, audits } = setup();
    const ahead = '2999-01-01T00:00:00.000001Z';
    const before = Date.now();
    await service.captureBatch([{ ref: '0', event: event(t1, await seal(t1, 'svc-ahead'), ahead) }]);
    const storedAt = Date.parse(stored[0].capturedAt);
    expect(storedAt).toBeGreaterThanOrEqual(before);
    expect(storedAt).toBeLessThanOrEqual(Date.now());
    expect(audits[0].detail).toMatchObject({ launchedAtClaimed: ahead });

    const within = new Date(Date.now() + 30_000).toISOString();
    await service.captureBatch([{ ref: '1', event: event(t2, await seal(t2, 'svc-skewed'), within) }]);
    expect(stored[1].capturedAt).toBe(within);
  });
});
