import { CompactEncrypt, importJWK, type JWK } from 'jose';
import { loadConfig } from '@app/config';
import { z } from 'zod';
import { sealKeyPair, type SealCurve, type SealKeyPair } from '../../../../test/support/vault-env';
import { SealError, SealOpener } from './seal-opener';
import { sealJwkSchema } from '@app/contracts';

const schema = z.object({ VAULT_SEAL_PRIVATE_JWK: sealJwkSchema('private') });
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
