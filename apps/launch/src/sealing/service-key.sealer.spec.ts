import { compactDecrypt, importJWK } from 'jose';
import { loadConfig } from '@app/config';
import { z } from 'zod';
import { sealKeyPair, type SealCurve, type SealKeyPair } from '../../../../test/support/vault-env';
import { ServiceKeySealer } from './service-key.sealer';
import { sealPublicJwkSchema } from '@app/contracts';

const schema = z.object({ VAULT_SEAL_PUBLIC_JWK: sealPublicJwkSchema });
const ctx = { platformId: 'https://lms.example.edu', contextId: 'course "42"', resourceLinkId: 'quiz-1' };

async function joseOpen(pair: SealKeyPair, jwe: string) {
  const { plaintext, protectedHeader } = await compactDecrypt(jwe, await importJWK(pair.privateJwk, 'ECDH-ES'));
  return { plaintext: new TextDecoder().decode(plaintext), header: protectedHeader };
}

describe.each<SealCurve>(['P-256', 'X25519'])('ServiceKeySealer (%s)', (curve) => {
  let pair: SealKeyPair;
  let sealer: ServiceKeySealer;
  let kid: string;

  beforeAll(async () => {
    pair = await sealKeyPair(curve);
    const { VAULT_SEAL_PUBLIC_JWK: recipient } = loadConfig(schema, { VAULT_SEAL_PUBLIC_JWK: JSON.stringify(pair.publicJwk) });
    sealer = new ServiceKeySealer(recipient);
    kid = recipient.kid;
  });

  it('makes a compact JWE that jose opens with the private key, ctx in the protected header', async () => {
    const jwe = await sealer.seal('svc-key-123', ctx);
    expect(jwe.split('.')).toHaveLength(5);
    expect(jwe).not.toContain('svc-key-123');
    const opened = await joseOpen(pair, jwe);
    expect(opened.plaintext).toBe('svc-key-123');
    expect(opened.header).toMatchObject({ alg: 'ECDH-ES', enc: 'A256GCM', kid, ctx });
  });

  it('uses a fresh ephemeral key and IV every time', async () => {
    const a = (await sealer.seal('same', ctx)).split('.');
    const b = (await sealer.seal('same', ctx)).split('.');
    expect(a[0]).not.toBe(b[0]);
    expect(a[2]).not.toBe(b[2]);
  });

  it('cannot be opened by jose once ctx is rewritten', async () => {
    const [, ...rest] = (await sealer.seal('svc-key-123', ctx)).split('.');
    const header = JSON.parse(Buffer.from((await sealer.seal('x', ctx)).split('.')[0], 'base64url').toString());
    header.ctx = { ...ctx, contextId: 'another course' };
    const forged = [Buffer.from(JSON.stringify(header)).toString('base64url'), ...rest].join('.');
    await expect(joseOpen(pair, forged)).rejects.toThrow(/decryption operation failed/);
  });
});

describe('VAULT_SEAL_PUBLIC_JWK', () => {
  const parse = (value: string) => loadConfig(schema, { VAULT_SEAL_PUBLIC_JWK: value });

  it('refuses a private key, an unsupported curve and non-JSON, naming the variable', async () => {
    const pair = await sealKeyPair('P-256');
    expect(() => parse(JSON.stringify(pair.privateJwk))).toThrow(/VAULT_SEAL_PUBLIC_JWK: is a private key/);
    expect(() => parse(JSON.stringify({ ...pair.publicJwk, crv: 'P-384' }))).toThrow(/VAULT_SEAL_PUBLIC_JWK: must be a P-256/);
    expect(() => parse('not json')).toThrow(/VAULT_SEAL_PUBLIC_JWK: must be a JSON Web Key/);
    expect(() => parse(JSON.stringify({ ...pair.publicJwk, x: 'AAAA' }))).toThrow(/not a valid public key/);
  });
});
