import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { gcmOpen, gcmSeal } from './aes-gcm';
import { KEY_PROVIDER, type KeyProvider } from './key-provider';
import { SecretIntegrityError, type SealedSecret } from './sealed-secret';

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Envelope encryption for secrets at rest: AES-256-GCM under a random 256-bit
 * data key per secret, the data key wrapped by the active master key. `aad`
 * names the record the secret belongs to (e.g. its primary key with a purpose
 * prefix): the same aad must be given to decrypt, so a ciphertext copied to
 * another record fails with SecretIntegrityError.
 */
@Injectable()
export class EnvelopeCipher {
  constructor(@Inject(KEY_PROVIDER) private readonly keys: KeyProvider) {}

  get activeKeyId(): string {
    return this.keys.activeKeyId;
  }

  async encrypt(plaintext: string, aad: string): Promise<SealedSecret> {
    const dataKey = randomBytes(32);
    try {
      const ciphertext = gcmSeal(dataKey, Buffer.from(plaintext, 'utf8'), contentAad(aad));
      const wrapped = await this.keys.wrap(dataKey, aad);
      return { v: 1, keyId: wrapped.keyId, wrappedKey: wrapped.wrappedKey.toString('base64url'), ciphertext: ciphertext.toString('base64url') };
    } finally {
      dataKey.fill(0);
    }
  }

  async decrypt(sealed: SealedSecret, aad: string): Promise<string> {
    const { wrappedKey, ciphertext } = decode(sealed);
    const dataKey = await this.keys.unwrap({ keyId: sealed.keyId, wrappedKey }, aad);
    try {
      const plaintext = gcmOpen(dataKey, ciphertext, contentAad(aad));
      if (!plaintext) throw new SecretIntegrityError('ciphertext');
      return plaintext.toString('utf8');
    } finally {
      dataKey.fill(0);
    }
  }

  /** Whether the secret's data key is wrapped by another master key than the active one. */
  needsRewrap(sealed: SealedSecret): boolean {
    return sealed.keyId !== this.keys.activeKeyId;
  }

  /**
   * The same ciphertext with its data key re-wrapped under the active master
   * key. The data key is checked against the ciphertext first, so a rewrap
   * never blesses a secret that no longer opens.
   */
  async rewrap(sealed: SealedSecret, aad: string): Promise<SealedSecret> {
    const { wrappedKey, ciphertext } = decode(sealed);
    const dataKey = await this.keys.unwrap({ keyId: sealed.keyId, wrappedKey }, aad);
    try {
      const plaintext = gcmOpen(dataKey, ciphertext, contentAad(aad));
      if (!plaintext) throw new SecretIntegrityError('ciphertext');
      plaintext.fill(0);
      const wrapped = await this.keys.wrap(dataKey, aad);
      return { v: 1, keyId: wrapped.keyId, wrappedKey: wrapped.wrappedKey.toString('base64url'), ciphertext: sealed.ciphertext };
    } finally {
      dataKey.fill(0);
    }
  }
}

function contentAad(aad: string): Buffer {
  return Buffer.from(`lti-vault/v1/content\u0000${aad}`, 'utf8');
}

function decode(sealed: SealedSecret): { wrappedKey: Buffer; ciphertext: Buffer } {
  if (sealed?.v !== 1) throw new SecretIntegrityError('format', `unknown format version ${String(sealed?.v)}`);
  if (typeof sealed.wrappedKey !== 'string' || !BASE64URL.test(sealed.wrappedKey) || typeof sealed.ciphertext !== 'string' || !BASE64URL.test(sealed.ciphertext)) {
    throw new SecretIntegrityError('format', 'wrappedKey and ciphertext must be base64url');
  }
  return { wrappedKey: Buffer.from(sealed.wrappedKey, 'base64url'), ciphertext: Buffer.from(sealed.ciphertext, 'base64url') };
}
