import { createCipheriv, createECDH, createHash, diffieHellman, generateKeyPairSync, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { ContextTriple } from '@app/contracts';
import type { SealPublicKey } from './seal-public-key';

export const SEAL_PUBLIC_KEY = Symbol('SEAL_PUBLIC_KEY');

const ENC = 'A256GCM';

/**
 * Seals a serviceKey for the vault as a compact JWE (RFC 7516): `alg`
 * ECDH-ES (direct key agreement with an ephemeral key, Concat KDF, RFC 7518
 * §4.6), `enc` A256GCM, the context triple in the protected header's `ctx`.
 * The protected header is the GCM AAD, so the vault can check the triple and
 * know it was not altered. Interoperable with jose's `compactDecrypt`.
 * The recipient key was imported once, at boot.
 */
@Injectable()
export class ServiceKeySealer {
  private readonly recipientPoint?: Buffer;

  constructor(@Inject(SEAL_PUBLIC_KEY) private readonly recipient: SealPublicKey) {
    if (recipient.jwk.kty === 'EC') {
      this.recipientPoint = Buffer.concat([Buffer.from([4]), Buffer.from(recipient.jwk.x, 'base64url'), Buffer.from(recipient.jwk.y, 'base64url')]);
    }
  }

  seal(plaintext: string, ctx: ContextTriple): string {
    const { epk, sharedSecret } = this.agree();
    const header = { alg: 'ECDH-ES', enc: ENC, kid: this.recipient.kid, epk, ctx: { platformId: ctx.platformId, contextId: ctx.contextId, resourceLinkId: ctx.resourceLinkId } };
    const protectedB64 = Buffer.from(JSON.stringify(header), 'utf8').toString('base64url');
    const cek = concatKdf(sharedSecret, ENC, 256);
    try {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', cek, iv, { authTagLength: 16 });
      cipher.setAAD(Buffer.from(protectedB64, 'ascii'));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return `${protectedB64}..${iv.toString('base64url')}.${ciphertext.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}`;
    } finally {
      cek.fill(0);
      sharedSecret.fill(0);
    }
  }

  /** A fresh ephemeral key pair per seal, and the secret it shares with the vault's key. */
  private agree(): { epk: Record<string, string>; sharedSecret: Buffer } {
    if (this.recipientPoint) {
      const ecdh = createECDH('prime256v1');
      const point = ecdh.generateKeys();
      const epk = { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33, 65).toString('base64url') };
      return { epk, sharedSecret: ecdh.computeSecret(this.recipientPoint) };
    }
    const { publicKey, privateKey } = generateKeyPairSync('x25519');
    const { x } = publicKey.export({ format: 'jwk' });
    return { epk: { kty: 'OKP', crv: 'X25519', x: x! }, sharedSecret: diffieHellman({ privateKey, publicKey: this.recipient.key }) };
  }
}

/** NIST SP 800-56A Concat KDF with SHA-256, as RFC 7518 §4.6.2 uses it (no apu/apv). */
function concatKdf(z: Buffer, enc: string, keyBits: number): Buffer {
  const otherInfo = Buffer.concat([lengthPrefixed(Buffer.from(enc, 'ascii')), lengthPrefixed(Buffer.alloc(0)), lengthPrefixed(Buffer.alloc(0)), uint32(keyBits)]);
  const rounds = Math.ceil(keyBits / 256);
  const out = Buffer.concat(Array.from({ length: rounds }, (_, i) => createHash('sha256').update(uint32(i + 1)).update(z).update(otherInfo).digest()));
  return out.subarray(0, keyBits / 8);
}

function lengthPrefixed(data: Buffer): Buffer {
  return Buffer.concat([uint32(data.length), data]);
}

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
