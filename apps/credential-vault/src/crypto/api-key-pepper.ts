import { createHash, createHmac, hkdfSync } from 'node:crypto';
import type { MasterKey } from './master-keys';

const HKDF_INFO = 'lti-vault/v1/api-key-hash';

/**
 * The keyed hash API keys are stored under: HMAC-SHA-256 over the key's
 * SHA-256, under a key derived (HKDF-SHA-256) from a master key. Someone who
 * can write the database but does not hold a master key cannot make a row
 * that authenticates, as a plain hash would let them.
 *
 * The HMAC is taken over the SHA-256 rather than the key itself so that a
 * hash stored before keyed hashing (a plain SHA-256) can be peppered without
 * the key, and a key re-peppered under a new master key from its sealed
 * digest (`npm run rewrap`).
 */
export class ApiKeyPepper {
  private readonly keys: ReadonlyMap<string, Buffer>;
  readonly activeKeyId: string;

  constructor(masterKeys: readonly MasterKey[]) {
    if (masterKeys.length === 0) throw new Error('ApiKeyPepper needs at least one master key');
    this.keys = new Map(masterKeys.map((k) => [k.id, Buffer.from(hkdfSync('sha256', k.key, Buffer.alloc(0), HKDF_INFO, 32))]));
    this.activeKeyId = masterKeys[0].id;
  }

  has(keyId: string): boolean {
    return this.keys.has(keyId);
  }

  /** Every master key id, the active one first. */
  keyIds(): string[] {
    return [...this.keys.keys()];
  }

  /** The stored hash of a presented key under one master key (the active one by default). */
  hash(apiKey: string, keyId = this.activeKeyId): Buffer {
    return this.pepper(digestOf(apiKey), keyId);
  }

  /** The stored hash for a key's SHA-256. */
  pepper(digest: Buffer, keyId = this.activeKeyId): Buffer {
    const key = this.keys.get(keyId);
    if (!key) throw new Error(`master key "${keyId}" is not in VAULT_MASTER_KEYS`);
    return createHmac('sha256', key).update(digest).digest();
  }
}

/** The SHA-256 of an API key: what older versions stored, and what the keyed hash is taken over. */
export function digestOf(apiKey: string): Buffer {
  return createHash('sha256').update(apiKey, 'utf8').digest();
}
