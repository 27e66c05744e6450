import type { EnvelopeCipher } from './envelope-cipher';

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
