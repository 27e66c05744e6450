import { randomBytes } from 'node:crypto';
import { CompactEncrypt, importJWK } from 'jose';
import type { DataSource } from 'typeorm';
import { loadConfig } from '@app/config';
import { envelope, LAUNCH_CAPTURED_V1, type ContextTriple, type LaunchCapturedData, type LaunchCapturedEvent, sealPrivateKeysSchema } from '@app/contracts';
import { z } from 'zod';
import { LaunchSignatureVerifier, launchSigningPublicJwksSchema } from '@app/auth';
import { launchSigningPair } from '../../../../test/support/launch-signing';
import { sealKeyPair, type SealKeyPair } from '../../../../test/support/vault-env';
import type { AppliedLaunchEventsRepository } from './applied-launch-events.repository';
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

  const launchKeys = launchSigningPair();
  const verifier = new LaunchSignatureVerifier(loadConfig(z.object({ K: launchSigningPublicJwksSchema }), { K: launchKeys.env.LAUNCH_SIGNING_PUBLIC_JWKS }).K);

  const unsigned = (t: ContextTriple, sealedServiceKey?: string, launchedAt = '2026-01-01T00:00:00.000001Z'): LaunchCapturedEvent =>
    envelope(LAUNCH_CAPTURED_V1, 'launch', {
      ...t,
      userId: 'u',
      roles: [],
      launchedAt,
      ...(sealedServiceKey ? { sealedServiceKey } : {}),
      services: { assignmentAndGrades: { available: true }, namesAndRoles: { available: false } },
    } satisfies LaunchCapturedData);
  const event = (t: ContextTriple, sealedServiceKey?: string, launchedAt?: string): Promise<LaunchCapturedEvent> => launchKeys.sign(unsigned(t, sealedServiceKey, launchedAt));

  function setup(outcome: StoreOutcome = 'stored') {
    const stored: Array<{ triple: ContextTriple; sealed: SealedSecret; capturedAt: string }> = [];
    const contexts: string[] = [];
    const audits: AuditEntry[] = [];
    const applied = new Set<string>();
    const service = new LaunchCaptureService(
      { transaction: async (fn: (m: unknown) => Promise<unknown>) => fn({}) } as unknown as DataSource,
      opener,
      verifier,
      { claim: async (id: string) => (applied.has(id) ? { appliedAt: '2026-01-01T00:00:00.000000Z' } : void applied.add(id)) } as unknown as AppliedLaunchEventsRepository,
      cipher,
      { upsert: async (triple: ContextTriple, sealed: SealedSecret, at: { capturedAt: string }) => (stored.push({ triple, sealed, capturedAt: at.capturedAt }), { outcome, version: 1 }) } as unknown as ServiceKeyRepository,
      { upsert: async (data: LaunchCapturedData) => (contexts.push(data.resourceLinkId), true) } as unknown as LaunchContextRepository,
      { record: async (entry: AuditEntry) => void audits.push(entry) } as unknown as AuditLog,
    );
    return { service, stored, contexts, audits };
  }

  it('re-encrypts the key at rest for its triple, stores the context, and audits', async () => {
    const { service, stored, contexts, audits } = setup();
    const result = await service.captureBatch([{ ref: '0', event: await event(t1, await seal(t1, 'svc-1')) }]);
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
      { ref: '1', event: await event(t2, await seal(t1, 'svc-for-t1')) },
      { ref: '2', event: await event(t1, broken.join('.')) },
      { ref: '3', event: await event(t2, await seal(t2, 'svc-2')) },
      { ref: '4', event: await event(t1) },
    ]);
    expect(result.rejected).toEqual([
      { ref: '1', reason: 'sealed serviceKey is bound to context ["p","c","r1"], not to the event\'s ["p","c","r2"]' },
      { ref: '2', reason: expect.stringContaining('sealed serviceKey does not open') },
    ]);
    expect(stored.map((s) => s.triple.resourceLinkId)).toEqual(['r2']);
    expect(contexts).toEqual(['r2', 'r1']);
  });

  it('refuses, storing nothing, an unsigned event, one signed with a key it does not trust, one whose signed context is not its own, and a replay', async () => {
    const { service, stored, contexts } = setup();
    const genuine = await event(t1, await seal(t1, 'svc-real'));
    expect((await service.captureBatch([{ ref: '0', event: genuine }])).rejected).toEqual([]);
    const forged = unsigned(t1, await seal(t1, 'svc-forged'), '2026-06-01T00:00:00.000001Z');
    const otherContext = await event(t2, await seal(t1, 'svc-moved'));
    const result = await service.captureBatch([
      { ref: '1', event: forged },
      { ref: '2', event: await launchSigningPair().sign(forged) },
      { ref: '3', event: { ...otherContext, data: { ...otherContext.data, ...t1 } } },
      { ref: '4', event: genuine },
    ]);
    expect(result.rejected).toEqual([
      { ref: '1', reason: 'unsigned: the event carries no launchsignature' },
      { ref: '2', reason: expect.stringMatching(/^launchsignature was made with a key that is not trusted/) },
      { ref: '3', reason: 'signed payload is for context ["p","c","r2"], not the event\'s ["p","c","r1"]' },
      { ref: '4', reason: `replayed: event ${genuine.id} was already applied at 2026-01-01T00:00:00.000000Z` },
    ]);
    expect(stored.map((s) => s.triple)).toEqual([t1]);
    expect(contexts).toEqual(['r1']);
  });

  it('audits nothing when the stored key was newer', async () => {
    const { service, audits } = setup('ignored');
    await service.captureBatch([{ ref: '0', event: await event(t1, await seal(t1, 'old')) }]);
    expect(audits).toEqual([]);
  });

  it('orders a launch stamped in the future by its own clock, so a launch replica running ahead cannot pin its key', async () => {
    const { service, stored, audits } = setup();
    const ahead = '2999-01-01T00:00:00.000001Z';
    const before = Date.now();
    await service.captureBatch([{ ref: '0', event: await event(t1, await seal(t1, 'svc-ahead'), ahead) }]);
    const storedAt = Date.parse(stored[0].capturedAt);
    expect(storedAt).toBeGreaterThanOrEqual(before);
    expect(storedAt).toBeLessThanOrEqual(Date.now());
    expect(audits[0].detail).toMatchObject({ launchedAtClaimed: ahead });

    const within = new Date(Date.now() + 30_000).toISOString();
    await service.captureBatch([{ ref: '1', event: await event(t2, await seal(t2, 'svc-skewed'), within) }]);
    expect(stored[1].capturedAt).toBe(within);
  });
});
