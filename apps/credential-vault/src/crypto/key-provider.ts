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
 * Wrap and unwrap are async so that a remote provider fits as it is.
 */
export interface KeyProvider {
  /** The master key new data keys are wrapped under. */
  readonly activeKeyId: string;
  has(keyId: string): boolean;
  wrap(dataKey: Buffer, context: string): Promise<WrappedDataKey>;
  unwrap(wrapped: WrappedDataKey, context: string): Promise<Buffer>;
}

export const KEY_PROVIDER = Symbol('KEY_PROVIDER');
