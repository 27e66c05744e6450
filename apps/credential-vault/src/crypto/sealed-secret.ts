/**
 * A secret encrypted at rest with envelope encryption: the plaintext under a
 * fresh data key, the data key under a master key. Plain strings, so a row
 * can keep it as columns or as JSON.
 */
export interface SealedSecret {
  /** Format version of this structure. */
  v: 1;
  /** The master key that wrapped the data key (an id from VAULT_MASTER_KEYS). */
  keyId: string;
  /** The data key, AES-256-GCM under the master key: base64url(nonce ‖ ciphertext ‖ tag). */
  wrappedKey: string;
  /** The plaintext, AES-256-GCM under the data key: base64url(nonce ‖ ciphertext ‖ tag). */
  ciphertext: string;
}

/**
 * The ciphertext or its wrapped key does not open with the AAD given: it was
 * altered, moved to another record, or wrapped under other key material than
 * the master key of that id. Never carries any key or plaintext.
 */
export class SecretIntegrityError extends Error {
  constructor(readonly part: 'data key' | 'ciphertext' | 'format', detail?: string) {
    super(
      `sealed secret failed its integrity check (${part}): it was altered, moved to another record, or wrapped by different key material` +
        (detail ? `; ${detail}` : ''),
    );
    this.name = 'SecretIntegrityError';
  }
}

/** The secret was wrapped by a master key this process does not hold. */
export class UnknownMasterKeyError extends Error {
  constructor(readonly keyId: string) {
    super(`sealed secret is wrapped by master key "${keyId}", which is not in VAULT_MASTER_KEYS`);
    this.name = 'UnknownMasterKeyError';
  }
}
