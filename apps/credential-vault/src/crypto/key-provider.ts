/** What a KeyProvider hands back for a data key: the wrapped bytes and the master key that wrapped them. */
export interface WrappedDataKey {
  keyId: string;
  wrappedKey: Buffer;
}

/**
 * Wraps and unwraps data keys under master keys. LocalKeyring holds the
 * master keys in process memory; a KMS or Vault transit provider can take its
 * place behind this interface. `context` is bound to the wrapped key as
 * authenticated data, so a wrapped key opens only for the record it was made for.
 *
 * The methods are synchronous because EnvelopeCipher's are; a remote provider
 * would unwrap through a short-lived cache of data keys or need an async cipher.
 */
export interface KeyProvider {
  /** The master key new data keys are wrapped under. */
  readonly activeKeyId: string;
  has(keyId: string): boolean;
  wrap(dataKey: Buffer, context: string): WrappedDataKey;
  unwrap(wrapped: WrappedDataKey, context: string): Buffer;
}

export const KEY_PROVIDER = Symbol('KEY_PROVIDER');
