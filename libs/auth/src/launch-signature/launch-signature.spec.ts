import { CompactSign } from 'jose';
import { loadConfig } from '@app/config';
import { envelope, LAUNCH_CAPTURED_V1, launchCapturedEvent, type LaunchCapturedData, type LaunchCapturedEvent } from '@app/contracts';
import { z } from 'zod';
import { launchSigningPair, type LaunchSigningPair } from '../../../../test/support/launch-signing';
import { LAUNCH_SIGNATURE_TYPE, LaunchSignatureVerifier, LaunchSigner } from './launch-signature';
import { launchSigningPrivateJwkSchema, launchSigningPublicJwksSchema } from './launch-signing-keys';

const schema = z.object({ LAUNCH_SIGNING_PRIVATE_JWK: launchSigningPrivateJwkSchema, LAUNCH_SIGNING_PUBLIC_JWKS: launchSigningPublicJwksSchema });
const verifierFor = (...pairs: LaunchSigningPair[]) =>
  new LaunchSignatureVerifier(pairs.flatMap((p) => loadConfig(schema.pick({ LAUNCH_SIGNING_PUBLIC_JWKS: true }), p.env).LAUNCH_SIGNING_PUBLIC_JWKS));

const data: LaunchCapturedData = {
  platformId: 'https://lms.example.edu',
  contextId: 'c-1',
  resourceLinkId: 'r-1',
  userId: 'u-1',
  roles: ['Instructor'],
  launchedAt: '2026-03-01T10:00:00.000001Z',
  sealedServiceKey: 'aGVhZGVy..aXY.Y2lwaGVy.dGFn',
  services: { assignmentAndGrades: { available: true, lineItemId: 'https://lms.example.edu/li/1' }, namesAndRoles: { available: true } },
};
const unsigned = () => envelope(LAUNCH_CAPTURED_V1, 'launch', data);

describe.each(['Ed25519', 'P-256'] as const)('launch signatures with %s', (curve) => {
  const pair = launchSigningPair(curve);
  const verifier = verifierFor(pair);

  it('verify for the event they were made for, and pass the contract', async () => {
    const event = await pair.sign(unsigned());
    expect(launchCapturedEvent.parse(event).launchsignature).toBe(event.launchsignature);
    expect(await verifier.verify(event)).toEqual({ ok: true, kid: expect.stringMatching(/^[\w-]{43}$/) });
  });

  it.each<[string, (e: LaunchCapturedEvent) => LaunchCapturedEvent, RegExp]>([
    ['another context', (e) => ({ ...e, data: { ...e.data, contextId: 'c-2' } }), /^signed payload is for context \["https:\/\/lms.example.edu","c-1","r-1"\], not the event's .*"c-2"/],
    ['another event id', (e) => ({ ...e, id: 'another-id' }), /^signed payload is for event .*, not this event's another-id$/],
    ['another sealed serviceKey', (e) => ({ ...e, data: { ...e.data, sealedServiceKey: 'b3RoZXI..aXY.Y2lwaGVy.dGFn' } }), /sealedServiceKeySha256 differs/],
    ['no sealed serviceKey', (e) => ({ ...e, data: { ...e.data, sealedServiceKey: undefined } }), /sealedServiceKeySha256 differs/],
    ['a later launch time', (e) => ({ ...e, data: { ...e.data, launchedAt: '2026-03-01T10:00:05.000001Z' } }), /launchedAt differs/],
    ['another user', (e) => ({ ...e, data: { ...e.data, userId: 'mallory' } }), /userId differs/],
    ['another line item', (e) => ({ ...e, data: { ...e.data, services: { ...e.data.services, assignmentAndGrades: { available: true, lineItemId: 'https://evil.example/li' } } } }), /lineItemId differs/],
  ])('are refused on an event changed to %s', async (_what, change, reason) => {
    const result = await verifier.verify(change(await pair.sign(unsigned())));
    expect(result).toEqual({ ok: false, reason: expect.stringMatching(reason) });
  });
});

describe('LaunchSignatureVerifier', () => {
  const pair = launchSigningPair();

  it('refuses an unsigned event, a key it was not given, an altered signature and a JWS made for something else', async () => {
    const verifier = verifierFor(pair);
    const event = await pair.sign(unsigned());
    expect(await verifier.verify(unsigned())).toEqual({ ok: false, reason: 'unsigned: the event carries no launchsignature' });
    expect(await verifier.verify(await launchSigningPair().sign(unsigned()))).toMatchObject({ ok: false, reason: expect.stringMatching(/^launchsignature was made with a key that is not trusted \(kid [\w-]+; trusted: [\w-]+\)$/) });
    const [h, p, sig] = event.launchsignature.split('.');
    const altered = `${h}.${p}.${sig.startsWith('A') ? 'B' : 'A'}${sig.slice(1)}`;
    expect(await verifier.verify({ ...event, launchsignature: altered })).toEqual({ ok: false, reason: 'launchsignature does not verify: it was altered, or made with another key' });
    expect(await verifier.verify({ ...event, launchsignature: 'bm90.anNvbg.c2ln' })).toMatchObject({ ok: false, reason: expect.stringMatching(/not a compact JWS/) });
    const key = loadConfig(schema.pick({ LAUNCH_SIGNING_PRIVATE_JWK: true }), pair.env).LAUNCH_SIGNING_PRIVATE_JWK;
    const jwt = await new CompactSign(new TextEncoder().encode('{}')).setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: 'JWT' }).sign(key.key);
    expect(await verifier.verify({ ...event, launchsignature: jwt })).toEqual({ ok: false, reason: `launchsignature has typ JWT, not ${LAUNCH_SIGNATURE_TYPE}` });
  });

  it('believes every key it was given, so a pair can be rotated', async () => {
    const next = launchSigningPair('P-256');
    const verifier = verifierFor(next, pair);
    expect(await verifier.verify(await pair.sign(unsigned()))).toMatchObject({ ok: true });
    expect(await verifier.verify(await next.sign(unsigned()))).toMatchObject({ ok: true });
  });

  it('signs with the kid both sides compute from the key alone', async () => {
    const key = loadConfig(schema, pair.env);
    expect(key.LAUNCH_SIGNING_PUBLIC_JWKS.map((k) => k.kid)).toEqual([key.LAUNCH_SIGNING_PRIVATE_JWK.kid]);
    const jws = await new LaunchSigner(key.LAUNCH_SIGNING_PRIVATE_JWK).sign(unsigned());
    expect(JSON.parse(Buffer.from(jws.split('.')[0], 'base64url').toString())).toEqual({ alg: 'EdDSA', kid: key.LAUNCH_SIGNING_PRIVATE_JWK.kid, typ: LAUNCH_SIGNATURE_TYPE });
  });
});

describe('LAUNCH_SIGNING_PRIVATE_JWK and LAUNCH_SIGNING_PUBLIC_JWKS', () => {
  const pair = launchSigningPair();
  const privateKey = (value: string) => () => loadConfig(schema.pick({ LAUNCH_SIGNING_PRIVATE_JWK: true }), { LAUNCH_SIGNING_PRIVATE_JWK: value });
  const publicKeys = (value: string) => () => loadConfig(schema.pick({ LAUNCH_SIGNING_PUBLIC_JWKS: true }), { LAUNCH_SIGNING_PUBLIC_JWKS: value });

  it('refuse the wrong half, the wrong curve, bad JSON, an empty list and a key twice, naming the variable and never the key', () => {
    expect(privateKey(JSON.stringify(pair.publicJwk))).toThrow(/LAUNCH_SIGNING_PRIVATE_JWK: must be the private key/);
    expect(privateKey('{')).toThrow(/LAUNCH_SIGNING_PRIVATE_JWK: must be a JSON Web Key/);
    expect(privateKey(JSON.stringify({ ...pair.privateJwk, crv: 'X25519' }))).toThrow(/LAUNCH_SIGNING_PRIVATE_JWK: must be an Ed25519 \(kty OKP\) or P-256/);
    expect(publicKeys(JSON.stringify([pair.privateJwk]))).toThrow(/LAUNCH_SIGNING_PUBLIC_JWKS: entry 1: is a private key/);
    expect(publicKeys(JSON.stringify(pair.publicJwk))).toThrow(/LAUNCH_SIGNING_PUBLIC_JWKS: must be a JSON array/);
    expect(publicKeys('[]')).toThrow(/LAUNCH_SIGNING_PUBLIC_JWKS: must hold at least one key/);
    expect(publicKeys(JSON.stringify([pair.publicJwk, pair.publicJwk]))).toThrow(/holds the same key twice/);
    try {
      privateKey(JSON.stringify({ ...pair.privateJwk, x: 'AAAA' }))();
    } catch (error) {
      expect((error as Error).message).not.toContain(String(pair.privateJwk.d));
    }
  });

  it('take a JWKS object as well as an array', () => {
    expect(publicKeys(JSON.stringify({ keys: [pair.publicJwk] }))()).toMatchObject({ LAUNCH_SIGNING_PUBLIC_JWKS: [{ alg: 'EdDSA' }] });
  });
});
