import { createHash, randomBytes } from 'node:crypto';
import { ApiKeyPepper, digestOf } from './api-key-pepper';

describe('ApiKeyPepper', () => {
  const k1 = { id: 'k1', key: randomBytes(32) };
  const k2 = { id: 'k2', key: randomBytes(32) };

  it('hashes under the active master key, differently per master key, never as the plain SHA-256', () => {
    const pepper = new ApiKeyPepper([k2, k1]);
    const key = 'ltig_example';
    expect(pepper.activeKeyId).toBe('k2');
    expect(pepper.hash(key)).toHaveLength(32);
    expect(pepper.hash(key).equals(pepper.hash(key, 'k2'))).toBe(true);
    expect(pepper.hash(key).equals(pepper.hash(key, 'k1'))).toBe(false);
    expect(pepper.hash(key).equals(createHash('sha256').update(key).digest())).toBe(false);
    // The same master key gives the same hash in another process: the derivation is deterministic.
    expect(new ApiKeyPepper([k1]).hash(key).equals(pepper.hash(key, 'k1'))).toBe(true);
    // A stored plain SHA-256 can be peppered without the key.
    expect(pepper.pepper(digestOf(key)).equals(pepper.hash(key))).toBe(true);
    expect(pepper.keyIds()).toEqual(['k2', 'k1']);
  });

  it('refuses a master key id it does not hold', () => {
    expect(() => new ApiKeyPepper([k1]).hash('x', 'k9')).toThrow('master key "k9" is not in VAULT_MASTER_KEYS');
  });
});
