import type { EnvelopeCipher } from './envelope-cipher';
import { SecretIntegrityError, UnknownMasterKeyError, type SealedSecret } from './sealed-secret';

export interface RewrapBatch {
  rewrapped: number;
  /** Records that did not open (they keep their old wrapping), with why. */
  failed: Array<{ id: string; reason: string }>;
  /** Resume after this record; undefined when the pass reached the end. */
  next?: string;
}

/**
 * A table whose secrets are EnvelopeCipher SealedSecrets. `npm run rewrap`
 * walks every target and re-wraps each record's data key under the active
 * master key, in batches, while the vault serves traffic.
 */
export interface RewrapTarget {
  readonly name: string;
  /** Records whose data key is not wrapped by `activeKeyId`. */
  countPending(activeKeyId: string): Promise<number>;
  /** Re-wraps up to `limit` pending records after `after` (a cursor from the previous batch) in one transaction. */
  rewrapBatch(cipher: EnvelopeCipher, limit: number, after: string | undefined, actor: string): Promise<RewrapBatch>;
}

/**
 * A record's secret re-wrapped under the active master key, or why it cannot
 * be: it does not open, or its master key is gone. Such a record keeps its
 * old wrapping and is reported, so the pass goes on.
 */
export async function rewrapOrReason(cipher: EnvelopeCipher, sealed: SealedSecret, aad: string): Promise<{ rewrapped: SealedSecret } | { reason: string }> {
  try {
    return { rewrapped: await cipher.rewrap(sealed, aad) };
  } catch (error) {
    if (error instanceof SecretIntegrityError || error instanceof UnknownMasterKeyError) return { reason: error.message };
    throw error;
  }
}
