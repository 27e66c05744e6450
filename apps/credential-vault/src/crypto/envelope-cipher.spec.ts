import { randomBytes } from 'node:crypto';
import { EnvelopeCipher } from './envelope-cipher';
import { LocalKeyring } from './local-keyring';
import type { MasterKey } from './master-keys';
import { SecretIntegrityError, UnknownMasterKeyError, type SealedSecret } from './sealed-secret';

const key = (id: string): MasterKey => ({ id, key: randomBytes(32) });
const cipherWith = (...keys: MasterKey[]) => new EnvelopeCipher(new LocalKeyring(keys));

describe('EnvelopeCipher', () => {
  const k1 = key('k1');
  const k2 = key('k2');
  const cipher = cipherWith(k1);
  const secret = 'service-key-Ω-0123456789';

  it('decrypts what it encrypted, for the same aad', async () => {
    const sealed = await cipher.encrypt(secret, 'record-a');
    expect(sealed.v).toBe(1);
    expect(sealed.keyId).toBe('k1');
    expect(await cipher.decrypt(sealed, 'record-a')).toBe(secret);
  });

  it('uses a fresh data key and nonce for every encryption', async () => {
    const a = await cipher.encrypt(secret, 'record-a');
    const b = await cipher.encrypt(secret, 'record-a');
    expect(a.ciphertext).not.toBe(b.ciphertext);
    expect(a.wrappedKey).not.toBe(b.wrappedKey);
    expect(Buffer.from(a.ciphertext, 'base64url').subarray(0, 12)).not.toEqual(Buffer.from(b.ciphertext, 'base64url').subarray(0, 12));
  });

  it('never carries the plaintext', async () => {
    const sealed = await cipher.encrypt(secret, 'record-a');
    expect(JSON.stringify(sealed)).not.toContain('service-key');
  });

  it('refuses another record’s aad with a clear error', async () => {
    const sealed = await cipher.encrypt(secret, 'record-a');
    await expect(cipher.decrypt(sealed, 'record-b')).rejects.toThrow(SecretIntegrityError);
    await expect(cipher.decrypt(sealed, 'record-b')).rejects.toThrow(/integrity check .*moved to another record/);
  });

  it('refuses ciphertexts swapped between two records, both ways', async () => {
    const a = await cipher.encrypt('secret-a', 'record-a');
    const b = await cipher.encrypt('secret-b', 'record-b');
    const aWithB: SealedSecret = { ...a, ciphertext: b.ciphertext };
    const bWithA: SealedSecret = { ...b, ciphertext: a.ciphertext };
    await expect(cipher.decrypt(aWithB, 'record-a')).rejects.toThrow(SecretIntegrityError);
    await expect(cipher.decrypt(bWithA, 'record-b')).rejects.toThrow(SecretIntegrityError);
  });

  it('refuses a whole sealed secret moved to another record', async () => {
    const a = await cipher.encrypt('secret-a', 'record-a');
    await expect(cipher.decrypt(a, 'record-b')).rejects.toThrow(/data key/);
  });

  it('refuses a flipped bit anywhere', async () => {
    const sealed = await cipher.encrypt(secret, 'record-a');
    for (const field of ['ciphertext', 'wrappedKey'] as const) {
      const bytes = Buffer.from(sealed[field], 'base64url');
      bytes[bytes.length - 1] ^= 1;
      await expect(cipher.decrypt({ ...sealed, [field]: bytes.toString('base64url') }, 'record-a')).rejects.toThrow(SecretIntegrityError);
    }
  });

  it('refuses a relabelled key id, and names an unknown one', async () => {
    const both = cipherWith(k1, k2);
    const sealed = await both.encrypt(secret, 'record-a');
    await expect(both.decrypt({ ...sealed, keyId: 'k2' }, 'record-a')).rejects.toThrow(SecretIntegrityError);
    await expect(both.decrypt({ ...sealed, keyId: 'gone' }, 'record-a')).rejects.toThrow(UnknownMasterKeyError);
    await expect(both.decrypt({ ...sealed, keyId: 'gone' }, 'record-a')).rejects.toThrow(/"gone"/);
  });

  it('refuses malformed input as a format error', async () => {
    const sealed = await cipher.encrypt(secret, 'record-a');
    await expect(cipher.decrypt({ ...sealed, ciphertext: 'not base64url!' }, 'record-a')).rejects.toThrow(/format/);
    await expect(cipher.decrypt({ ...sealed, v: 2 as 1 }, 'record-a')).rejects.toThrow(/format version 2/);
  });

  it('after rotation, decrypts under old keys and encrypts under the first', async () => {
    const old = await cipherWith(k1).encrypt(secret, 'record-a');
    const rotated = cipherWith(k2, k1);
    expect(rotated.activeKeyId).toBe('k2');
    expect(await rotated.decrypt(old, 'record-a')).toBe(secret);
    expect((await rotated.encrypt(secret, 'record-a')).keyId).toBe('k2');
    expect(rotated.needsRewrap(old)).toBe(true);
  });

  it('rewraps the data key under the active key, leaving the ciphertext alone', async () => {
    const old = await cipherWith(k1).encrypt(secret, 'record-a');
    const rotated = cipherWith(k2, k1);
    const rewrapped = await rotated.rewrap(old, 'record-a');
    expect(rewrapped.keyId).toBe('k2');
    expect(rewrapped.ciphertext).toBe(old.ciphertext);
    expect(rotated.needsRewrap(rewrapped)).toBe(false);
    expect(await cipherWith(k2).decrypt(rewrapped, 'record-a')).toBe(secret);
  });

  it('refuses to rewrap a secret that does not open', async () => {
    const a = await cipher.encrypt('secret-a', 'record-a');
    const b = await cipher.encrypt('secret-b', 'record-b');
    await expect(cipherWith(k2, k1).rewrap({ ...a, ciphertext: b.ciphertext }, 'record-a')).rejects.toThrow(SecretIntegrityError);
  });

  it('keeps key material out of its errors', async () => {
    const sealed = await cipher.encrypt(secret, 'record-a');
    try {
      await cipher.decrypt(sealed, 'record-b');
      throw new Error('expected a failure');
    } catch (error) {
      const text = `${(error as Error).message} ${(error as Error).stack}`;
      expect(text).not.toContain(k1.key.toString('base64'));
      expect(text).not.toContain(secret);
    }
  });
});

describe('LocalKeyring', () => {
  it('wants at least one 32-byte key with unique ids', () => {
    expect(() => new LocalKeyring([])).toThrow(/at least one/);
    expect(() => new LocalKeyring([{ id: 'a', key: randomBytes(16) }])).toThrow(/32 bytes/);
    expect(() => new LocalKeyring([key('a'), key('a')])).toThrow(/unique/);
  });
});
