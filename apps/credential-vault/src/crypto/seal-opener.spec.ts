import { CompactEncrypt, importJWK, type JWK } from 'jose';
import { loadConfig } from '@app/config';
import { z } from 'zod';
import { sealKeyPair, type SealCurve, type SealKeyPair } from '../../../../test/support/vault-env';
import { SealError, SealOpener } from './seal-opener';
import { sealPrivateKeysSchema } from '@app/contracts';

const schema = z.object({ VAULT_SEAL_PRIVATE_JWK: sealPrivateKeysSchema });
const ctx = { platformId: 'p-1', contextId: 'c-1', resourceLinkId: 'r-1' };

async function seal(publicJwk: JWK, plaintext: string, header: Record<string, unknown>): Promise<string> {
  return new CompactEncrypt(new TextEncoder().encode(plaintext))
    .setProtectedHeader(header as { alg: string; enc: string })
    .encrypt(await importJWK(publicJwk, String(header.alg)));
}

const openerFor = (pair: SealKeyPair) => SealOpener.create(loadConfig(schema, { VAULT_SEAL_PRIVATE_JWK: JSON.stringify(pair.privateJwk) }).VAULT_SEAL_PRIVATE_JWK);

describe.each<SealCurve>(['P-256', 'X25519'])('SealOpener (%s)', (curve) => {
  let pair: SealKeyPair;
  let opener: SealOpener;

  beforeAll(async () => {
    pair = await sealKeyPair(curve);
    opener = await openerFor(pair);
  });

  it('opens an ECDH-ES/A256GCM JWE and returns the bound triple', async () => {
    const jwe = await seal(pair.publicJwk, 'svc-key-Ω', { alg: 'ECDH-ES', enc: 'A256GCM', ctx });
    await expect(opener.open(jwe)).resolves.toEqual({ plaintext: 'svc-key-Ω', ctx });
  });

  it('refuses a JWE sealed to another key', async () => {
    const other = await sealKeyPair(curve);
    const jwe = await seal(other.publicJwk, 'svc', { alg: 'ECDH-ES', enc: 'A256GCM', ctx });
    await expect(opener.open(jwe)).rejects.toThrow(/does not open: it was altered, or sealed to another key/);
  });

  it('refuses a header whose ctx was rewritten', async () => {
    const jwe = await seal(pair.publicJwk, 'svc', { alg: 'ECDH-ES', enc: 'A256GCM', ctx });
    const [h, ...rest] = jwe.split('.');
    const header = JSON.parse(Buffer.from(h, 'base64url').toString());
    header.ctx.contextId = 'c-2';
    await expect(opener.open([Buffer.from(JSON.stringify(header)).toString('base64url'), ...rest].join('.'))).rejects.toThrow(SealError);
  });

  it('refuses a seal without ctx', async () => {
    const jwe = await seal(pair.publicJwk, 'svc', { alg: 'ECDH-ES', enc: 'A256GCM' });
    await expect(opener.open(jwe)).rejects.toThrow(/no context triple/);
  });
});

describe('SealOpener refusals', () => {
  let pair: SealKeyPair;
  let opener: SealOpener;
  const header = (h: Record<string, unknown>) => Buffer.from(JSON.stringify(h)).toString('base64url');

  beforeAll(async () => {
    pair = await sealKeyPair('P-256');
    opener = await openerFor(pair);
  });

  it('refuses key wrapping algorithms other than ECDH-ES', async () => {
    const jwe = await seal(pair.publicJwk, 'svc', { alg: 'ECDH-ES+A256KW', enc: 'A256GCM', ctx });
    await expect(opener.open(jwe)).rejects.toThrow(/only alg ECDH-ES with enc A256GCM/);
  });

  it('refuses other content encryption', async () => {
    const jwe = await seal(pair.publicJwk, 'svc', { alg: 'ECDH-ES', enc: 'A128GCM', ctx });
    await expect(opener.open(jwe)).rejects.toThrow(/only alg ECDH-ES with enc A256GCM/);
  });

  it.each([
    ['a.b.c', /not a compact JWE/],
    ['bm90IGpzb24..AAAA.AAAA.AAAA', /not a compact JWE/],
    [`${header({ alg: 'ECDH-ES', enc: 'A256GCM', ctx, kid: 'other' })}..AAAA.AAAA.AAAA`, /sealed to another key \(kid other/],
    [`${header({ alg: 'ECDH-ES', enc: 'A256GCM', ctx, epk: { kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA' } })}..AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA`, /does not open/],
  ])('refuses %s', async (jwe, reason) => {
    await expect(opener.open(jwe)).rejects.toThrow(reason);
  });

  it('wants the private JWK, as JSON, naming the variable', () => {
    expect(() => loadConfig(schema, { VAULT_SEAL_PRIVATE_JWK: JSON.stringify(pair.publicJwk) })).toThrow(/VAULT_SEAL_PRIVATE_JWK: must be the private key/);
    expect(() => loadConfig(schema, { VAULT_SEAL_PRIVATE_JWK: '{' })).toThrow(/VAULT_SEAL_PRIVATE_JWK: must be a JSON Web Key/);
  });
});

describe('rotating the seal pair', () => {
  const thumbprint = async (jwk: JWK) => (await import('jose')).calculateJwkThumbprint(jwk);

  it('opens seals made for either key while both are configured, and names the keys it holds when a seal is for neither', async () => {
    const [previous, next, stranger] = await Promise.all([sealKeyPair('X25519'), sealKeyPair('P-256'), sealKeyPair('X25519')]);
    const keys = loadConfig(schema, { VAULT_SEAL_PRIVATE_JWK: JSON.stringify([next.privateJwk, previous.privateJwk]) }).VAULT_SEAL_PRIVATE_JWK;
    const opener = await SealOpener.create(keys);
    for (const pair of [previous, next]) {
      const jwe = await seal(pair.publicJwk, 'svc', { alg: 'ECDH-ES', enc: 'A256GCM', kid: await thumbprint(pair.publicJwk), ctx });
      await expect(opener.open(jwe)).resolves.toEqual({ plaintext: 'svc', ctx });
    }
    const lost = await seal(stranger.publicJwk, 'svc', { alg: 'ECDH-ES', enc: 'A256GCM', kid: await thumbprint(stranger.publicJwk), ctx });
    await expect(opener.open(lost)).rejects.toThrow(new RegExp(`sealed to another key .*${keys[0].kid}, ${keys[1].kid}`));
    const unnamed = await seal(next.publicJwk, 'svc', { alg: 'ECDH-ES', enc: 'A256GCM', ctx });
    await expect(opener.open(unnamed)).rejects.toThrow(SealError);
  });

  it('refuses an empty list, the same key twice, and a public key in the list, naming the entry', async () => {
    const pair = await sealKeyPair('X25519');
    const parse = (value: unknown) => () => loadConfig(schema, { VAULT_SEAL_PRIVATE_JWK: JSON.stringify(value) });
    expect(parse([])).toThrow(/VAULT_SEAL_PRIVATE_JWK: must hold at least one key/);
    expect(parse([pair.privateJwk, pair.privateJwk])).toThrow(/holds the same key twice/);
    expect(parse([pair.privateJwk, pair.publicJwk])).toThrow(/entry 2: must be the private key/);
  });
});
