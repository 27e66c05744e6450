import { compactDecrypt, importJWK } from 'jose';
import { LaunchSignatureVerifier, LaunchSigner, launchSigningPrivateJwkSchema, launchSigningPublicJwksSchema } from '@app/auth';
import { loadConfig } from '@app/config';
import { envelope, EVENT_SOURCES, LAUNCH_CAPTURED_V1, sealPublicJwkSchema, type SealKey } from '@app/contracts';
import { z } from 'zod';
import { sealKeyPair, type SealKeyPair } from '../../../../test/support/vault-env';
import { launchSigningPair } from '../../../../test/support/launch-signing';
import { ServiceKeySealer } from '../sealing/service-key.sealer';
import { JoseThread } from './jose-thread';

const ctx = { platformId: 'https://lms.example.edu', contextId: 'course-1', resourceLinkId: 'quiz-1' };
const signing = launchSigningPair();
const signingKey = loadConfig(z.object({ K: launchSigningPrivateJwkSchema }), { K: signing.env.LAUNCH_SIGNING_PRIVATE_JWK }).K;
const verifier = new LaunchSignatureVerifier(loadConfig(z.object({ K: launchSigningPublicJwksSchema }), { K: signing.env.LAUNCH_SIGNING_PUBLIC_JWKS }).K);

describe('JoseThread', () => {
  let pair: SealKeyPair;
  let sealKey: SealKey;
  let thread: JoseThread;
  let sealer: ServiceKeySealer;
  let signer: LaunchSigner;

  const open = async (jwe: string) => {
    const { plaintext, protectedHeader } = await compactDecrypt(jwe, await importJWK(pair.privateJwk, 'ECDH-ES'));
    return { plaintext: new TextDecoder().decode(plaintext), header: protectedHeader };
  };

  beforeAll(async () => {
    pair = await sealKeyPair('X25519');
    sealKey = loadConfig(z.object({ K: sealPublicJwkSchema }), { K: JSON.stringify(pair.publicJwk) }).K;
    thread = new JoseThread({ seal: sealKey.key, sign: signingKey.key });
    sealer = new ServiceKeySealer(sealKey, (plaintext, header) => thread.encrypt(plaintext, header));
    signer = new LaunchSigner(signingKey, (payload, header) => thread.sign(payload, header));
  });

  afterAll(() => thread.onModuleDestroy());

  it('seals on its thread what the vault opens, with the triple in the protected header', async () => {
    const opened = await open(await sealer.seal('svc-key-123', ctx));
    expect(opened.plaintext).toBe('svc-key-123');
    expect(opened.header).toMatchObject({ alg: 'ECDH-ES', enc: 'A256GCM', ctx });
  });

  it('signs on its thread what the vault and grading verify', async () => {
    const unsigned = envelope(LAUNCH_CAPTURED_V1, EVENT_SOURCES.launch, {
      ...ctx,
      userId: 'learner-1',
      roles: [],
      launchedAt: '2026-12-01T10:00:00.000Z',
      sealedServiceKey: await sealer.seal('svc-key-123', ctx),
      services: { assignmentAndGrades: { available: true }, namesAndRoles: { available: false } },
    });
    const event = { ...unsigned, launchsignature: await signer.sign(unsigned) };
    expect(await verifier.verify(event)).toEqual({ ok: true, kid: signingKey.kid });
    expect(await verifier.verify({ ...event, data: { ...event.data, userId: 'someone-else' } })).toMatchObject({ ok: false });
  });

  it('answers every caller of a burst with its own result', async () => {
    const keys = Array.from({ length: 200 }, (_, i) => `svc-key-${i}`);
    const sealed = await Promise.all(keys.map((key) => sealer.seal(key, ctx)));
    expect(await Promise.all(sealed.map(async (jwe) => (await open(jwe)).plaintext))).toEqual(keys);
  });

  it("passes jose's refusal to the caller and goes on serving", async () => {
    // The wording is jose's and differs between runtimes; what matters is that the caller hears of it.
    await expect(thread.sign('{}', { alg: 'ES384' })).rejects.toThrow(Error);
    expect((await open(await sealer.seal('after-a-refusal', ctx))).plaintext).toBe('after-a-refusal');
  });

  it('fails the calls waiting on a thread that dies, and starts a new one for the next call', async () => {
    const own = new JoseThread({ seal: sealKey.key, sign: signingKey.key });
    const waiting = own.sign('{}', { alg: signingKey.alg });
    // The thread is still loading jose: the call cannot have been answered yet.
    await (own as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    await expect(waiting).rejects.toThrow(/JOSE thread stopped/);
    await expect(own.sign('{}', { alg: signingKey.alg })).resolves.toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    await own.onModuleDestroy();
    await expect(own.sign('{}', { alg: signingKey.alg })).rejects.toThrow(/closed/);
  });
});
